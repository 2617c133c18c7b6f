// tensorswap._trace: .tswap logs read by the C++ trace library (tswap::trace)
// for Python. It links no LibTorch: a log opens where PyTorch is not
// installed. python/tensorswap/trace.py builds the public API on it; the
// format is decoded only in C++ (reader.cpp), never again in Python.
//
// Strings from a log (tags, streams, threads, the header's text fields) are
// UTF-8 decoded with invalid bytes written as \xNN, as trace::printable()
// writes them, so a crafted name never makes a str conversion throw.

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>

#include <tswap/trace/analysis.h>
#include <tswap/trace/format.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/text.h>
#include <tswap/trace/trace.h>

namespace py = pybind11;

namespace tswap::python {
namespace {

using trace::Trace;

/// One row of Trace.events: every Record field and the recording thread,
/// naturally aligned (40 bytes with the tail padding, zeroed), so that each
/// column a user takes (events["host_ns"]) is an aligned view.
struct EventRow {
  std::uint64_t host_ns;
  std::uint64_t value;
  std::uint32_t index;
  std::uint32_t step;
  std::uint16_t tag;
  std::uint16_t layer;
  std::uint8_t kind;
  std::uint8_t stream;
  std::uint8_t reason;
  std::uint8_t flags;
  std::uint16_t thread;
};

py::str text(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

/// A fixed-size header field: its bytes up to the first NUL.
py::str field(const char* f, std::size_t size) { return text(std::string_view(f, strnlen(f, size))); }

py::dict names(const std::unordered_map<std::uint32_t, std::string>& m) {
  // Sorted by id, so that dicts (and what prints them) read the same each run.
  const std::map<std::uint32_t, std::string> sorted(m.begin(), m.end());
  py::dict d;
  for (const auto& [id, name] : sorted) d[py::int_(id)] = text(name);
  return d;
}

const char* kind_name(trace::TraceError::Kind k) {
  using K = trace::TraceError::Kind;
  switch (k) {
    case K::cannot_open: return "cannot_open";
    case K::empty: return "empty";
    case K::not_a_log: return "not_a_log";
    case K::unsupported_version: return "unsupported_version";
    case K::corrupt: return "corrupt";
  }
  return "unknown";
}

/// tensorswap._trace.TraceError, created at import; never freed (the
/// module's lifetime is the process's).
PyObject* trace_error_type = nullptr;

void raise_trace_error(const trace::TraceError& e) {
  py::object error = py::reinterpret_borrow<py::object>(trace_error_type)(e.what());
  error.attr("kind") = kind_name(e.kind());
  error.attr("kind_text") = trace::to_string(e.kind());
  error.attr("file") = e.file();
  error.attr("offset") = e.offset();
  PyErr_SetObject(trace_error_type, error.ptr());
}

/// Trace::load with the GIL released. The progress callback takes the GIL
/// back every 64 chunks to let Ctrl-C (PyErr_CheckSignals) and the user's
/// callable run; an exception either raises stops the load (LoadCancelled)
/// and is raised again here, so a KeyboardInterrupt ends a long load.
std::shared_ptr<Trace> load(const std::string& path, const py::object& progress) {
  std::optional<py::error_already_set> failure;
  const trace::LoadProgress callback = [&](std::uint64_t done, std::uint64_t total) {
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!progress.is_none()) progress(done, total);
      return true;
    } catch (py::error_already_set& e) {
      failure.emplace(std::move(e));
      return false;
    }
  };
  std::shared_ptr<Trace> t;
  try {
    py::gil_scoped_release no_gil;
    t = std::make_shared<Trace>(Trace::load(path, callback));
  } catch (const trace::LoadCancelled&) {
    if (failure) throw std::move(*failure);
    throw;
  }
  // The reader reports every 64 chunks, so a small log would report
  // nothing: say once that all of it is done, so a bar always ends full.
  if (!progress.is_none()) progress(t->file_bytes(), t->file_bytes());
  return t;
}

/// The events as a structured array, filled in one pass without the GIL.
/// Read-only: a loaded trace is immutable (copy it to change it).
py::array events(const Trace& t) {
  const std::vector<trace::Event>& in = t.events();
  py::array_t<EventRow> out(static_cast<py::ssize_t>(in.size()));
  EventRow* rows = out.mutable_data();
  {
    py::gil_scoped_release no_gil;
    std::memset(static_cast<void*>(rows), 0, in.size() * sizeof(EventRow));
    for (std::size_t i = 0; i < in.size(); ++i) {
      const trace::Event& e = in[i];
      EventRow& r = rows[i];
      r.host_ns = e.host_ns;
      r.value = e.value;
      r.index = e.index;
      r.step = e.step;
      r.tag = e.tag;
      r.layer = e.layer;
      r.kind = e.kind;
      r.stream = e.stream;
      r.reason = e.reason;
      r.flags = e.flags;
      r.thread = e.thread;
    }
  }
  out.attr("flags").attr("writeable") = false;
  return std::move(out);
}

template <class Code>
py::dict code_names(Code first, Code last, const char* (*name)(Code)) {
  py::dict d;
  for (auto c = static_cast<unsigned>(first); c <= static_cast<unsigned>(last); ++c)
    d[py::int_(c)] = name(static_cast<Code>(c));
  return d;
}

std::string repr(const Trace& t) {
  std::ostringstream out;
  trace::PrintTo(t, &out);
  return out.str();
}

void bind_header(py::module_& m) {
  using trace::FileHeader;
  py::class_<FileHeader>(m, "Header", "The log's header: who wrote it, where, when, on what clock.")
      .def_readonly("version", &FileHeader::version, "format version")
      .def_readonly("pid", &FileHeader::pid)
      .def_readonly("monotonic_start_ns", &FileHeader::monotonic_start_ns,
                    "steady clock at the session's start; event times are ns after it")
      .def_readonly("wall_start_ns", &FileHeader::wall_start_ns,
                    "CLOCK_REALTIME at the same moment, ns since the epoch")
      .def_property_readonly("clock", [](const FileHeader& h) { return field(h.clock, sizeof h.clock); })
      .def_property_readonly("process", [](const FileHeader& h) { return field(h.process, sizeof h.process); })
      .def_property_readonly("host", [](const FileHeader& h) { return field(h.host, sizeof h.host); })
      .def_property_readonly("device", [](const FileHeader& h) { return field(h.device, sizeof h.device); })
      .def_readonly("copy_timing_code", &FileHeader::copy_timing, "CopyTiming as stored")
      .def_property_readonly(
          "copy_timing",
          [](const FileHeader& h) { return trace::to_string(static_cast<trace::CopyTiming>(h.copy_timing)); },
          "who timed the copies: 'unknown', 'host', 'device', 'not timed'")
      .def_property_readonly("copy_timing_text", [](const FileHeader& h) {
        return trace::copy_timing_text(static_cast<trace::CopyTiming>(h.copy_timing));
      });
}

void bind_run(py::module_& m) {
  using trace::RunHeader;
  py::class_<RunHeader>(m, "Run", "Where the process stood in a distributed run (format version 3).")
      .def_property_readonly("has_rank", [](const RunHeader& r) { return (r.flags & trace::kRunHasRank) != 0; })
      .def_property_readonly("rank", [](const RunHeader& r) -> py::object {
        if ((r.flags & trace::kRunHasRank) == 0) return py::none();
        return py::int_(r.rank);
      }, "this process's rank, or None for a process on its own")
      .def_readonly("world_size", &RunHeader::world_size)
      .def_readonly("local_rank", &RunHeader::local_rank)
      .def_property_readonly("run_id", [](const RunHeader& r) { return field(r.run_id, sizeof r.run_id); })
      .def_property_readonly("clock_aligned", [](const RunHeader& r) { return (r.flags & trace::kRunClockAligned) != 0; })
      .def_readonly("clock_offset_ns", &RunHeader::clock_offset_ns,
                    "rank 0's steady clock minus this log's")
      .def_readonly("clock_uncertainty_ns", &RunHeader::clock_uncertainty_ns)
      .def_readonly("clock_rounds", &RunHeader::clock_rounds);
}

void bind_completeness(py::module_& m) {
  using trace::Completeness;
  py::class_<Completeness>(m, "Completeness", "How much of the log survived (trace.h).")
      .def_readonly("clean_end", &Completeness::clean_end)
      .def_readonly("bytes_read", &Completeness::bytes_read)
      .def_readonly("bytes_lost", &Completeness::bytes_lost)
      .def_readonly("records_dropped", &Completeness::records_dropped)
      .def_readonly("records_written", &Completeness::records_written)
      .def_readonly("chunks", &Completeness::chunks)
      .def_readonly("end_offset", &Completeness::end_offset)
      .def_readonly("extra_end_chunks", &Completeness::extra_end_chunks)
      .def_readonly("extra_end_offsets", &Completeness::extra_end_offsets)
      .def_readonly("chunks_after_end", &Completeness::chunks_after_end)
      .def_readonly("events_after_end", &Completeness::events_after_end)
      .def_readonly("first_after_end_offset", &Completeness::first_after_end_offset)
      .def_readonly("writer_stopped", &Completeness::writer_stopped)
      .def_readonly("writer_stopped_offset", &Completeness::writer_stopped_offset)
      .def_readonly("writer_error", &Completeness::writer_error)
      .def_property_readonly("ends_at_chunk_boundary", &Completeness::ends_at_chunk_boundary)
      .def_property_readonly("incomplete_reason", &trace::incomplete_reason,
                             "why the log ends where it does; '' for a clean end");
}

void bind_summary(py::module_& m) {
  using trace::LayerSummary;
  using trace::StepMemory;
  using trace::Summary;
  py::class_<LayerSummary>(m, "LayerSummary",
                           "One row of `tswap-log summary`: a layer of a tag, or the tag's total (layer -1).")
      .def_property_readonly("tag", [](const LayerSummary& l) { return text(l.tag); })
      .def_readonly("layer", &LayerSummary::layer)
      .def_readonly("tensors_out", &LayerSummary::tensors_out)
      .def_readonly("bytes_out", &LayerSummary::bytes_out)
      .def_readonly("tensors_in", &LayerSummary::tensors_in)
      .def_readonly("bytes_in", &LayerSummary::bytes_in)
      .def_readonly("prefetched", &LayerSummary::prefetched)
      .def_readonly("reused", &LayerSummary::reused)
      .def_readonly("freed", &LayerSummary::freed)
      .def_readonly("deferred", &LayerSummary::deferred)
      .def_readonly("kept", &LayerSummary::kept)
      .def_readonly("d2h_ns", &LayerSummary::d2h_ns)
      .def_readonly("h2d_ns", &LayerSummary::h2d_ns)
      .def_readonly("d2h_timed_host", &LayerSummary::d2h_timed_host)
      .def_readonly("d2h_timed_device", &LayerSummary::d2h_timed_device)
      .def_readonly("h2d_timed_host", &LayerSummary::h2d_timed_host)
      .def_readonly("h2d_timed_device", &LayerSummary::h2d_timed_device)
      .def_readonly("stall_ns", &LayerSummary::stall_ns, "waited: compute waited on this layer's copies")
      .def_readonly("stalls", &LayerSummary::stalls)
      .def_readonly("caused_stall_ns", &LayerSummary::caused_stall_ns,
                    "caused: the stall time this layer's copies caused (rank tags by it)")
      .def_readonly("overlap_ns", &LayerSummary::overlap_ns)
      .def_readonly("resident_peak", &LayerSummary::resident_peak)
      .def_property_readonly("d2h_bandwidth", &LayerSummary::d2h_bandwidth,
                             "GB/s of the copies out; None when none was timed (never 0)")
      .def_property_readonly("h2d_bandwidth", &LayerSummary::h2d_bandwidth)
      .def_property_readonly("overlap_share", &LayerSummary::overlap_share,
                             "overlap over copy time (0..1); None when no copy was timed")
      .def("__repr__", [](const LayerSummary& l) {
        std::ostringstream out;
        out << "LayerSummary(tag=" << trace::printable(l.tag) << ", layer="
            << (l.layer < 0 ? std::string("all") : std::to_string(l.layer)) << ", out=" << l.tensors_out
            << " (" << trace::format_bytes(static_cast<double>(l.bytes_out)) << "), in=" << l.tensors_in
            << ", waited=" << trace::format_ms(l.stall_ns) << " ms, caused="
            << trace::format_ms(l.caused_stall_ns) << " ms)";
        return out.str();
      });
  py::class_<StepMemory>(m, "StepMemory", "One step's memory peaks (allocator samples and the engine's).")
      .def_readonly("step", &StepMemory::step)
      .def_readonly("allocated_peak", &StepMemory::allocated_peak)
      .def_readonly("reserved_peak", &StepMemory::reserved_peak)
      .def_readonly("resident_peak", &StepMemory::resident_peak);
  py::class_<Summary>(m, "Summary", "What `tswap-log summary` prints, per tag and per layer.")
      .def_readonly("layers", &Summary::layers, "by tag, then layer")
      .def_readonly("tags", &Summary::tags, "one total per tag (layer -1)")
      .def_readonly("steps", &Summary::steps)
      .def_property_readonly("steps_per_tag",
                             [](const Summary& s) {
                               py::dict d;
                               for (const auto& [tag, n] : s.steps_per_tag) d[text(tag)] = n;
                               return d;
                             })
      .def_readonly("memory", &Summary::memory)
      .def_readonly("resident_peak", &Summary::resident_peak);
}

void bind_checks(py::module_& m) {
  using trace::CheckResult;
  using trace::OrderDiff;
  using trace::Unfinished;
  using trace::Violation;
  py::class_<Violation>(m, "Violation", "A broken ordering rule, as `tswap-log check` prints it.")
      .def_readonly("rule", &Violation::rule)
      .def_property_readonly("message", [](const Violation& v) { return text(v.message); })
      .def_readonly("host_ns", &Violation::host_ns)
      .def("__str__", [](const Violation& v) { return text(v.rule + ": " + v.message); })
      .def("__repr__", [](const Violation& v) { return text("Violation(" + v.rule + ": " + v.message + ")"); });
  py::class_<Unfinished>(m, "Unfinished", "Swaps of one tag and step that the log ends before (no rule broken).")
      .def_property_readonly("tag", [](const Unfinished& u) { return text(u.tag); })
      .def_readonly("step", &Unfinished::step)
      .def_readonly("swaps", &Unfinished::swaps)
      .def_readonly("host_ns", &Unfinished::host_ns)
      .def_property_readonly("message", [](const Unfinished& u) { return text(u.message); })
      .def("__repr__", [](const Unfinished& u) { return text("Unfinished(" + u.message + ")"); });
  py::class_<CheckResult>(m, "CheckResult")
      .def_readonly("violations", &CheckResult::violations)
      .def_readonly("unfinished", &CheckResult::unfinished);
  py::class_<OrderDiff>(m, "OrderDiff", "Where two logs' event orders part.")
      .def_readonly("same", &OrderDiff::same)
      .def_readonly("line", &OrderDiff::line, "first differing line, 0-based")
      .def_readonly("a", &OrderDiff::a)
      .def_readonly("b", &OrderDiff::b)
      .def_readonly("a_lines", &OrderDiff::a_lines)
      .def_readonly("b_lines", &OrderDiff::b_lines);
}

void bind_trace(py::module_& m) {
  py::class_<Trace, std::shared_ptr<Trace>>(m, "Trace", "A loaded log: immutable, events by host time.")
      .def_property_readonly("path", &Trace::path)
      .def_property_readonly("header", &Trace::header, py::return_value_policy::reference_internal)
      .def_property_readonly("run", &Trace::run, py::return_value_policy::reference_internal)
      .def_property_readonly("completeness", &Trace::completeness, py::return_value_policy::reference_internal)
      .def_property_readonly("file_bytes", &Trace::file_bytes)
      .def_property_readonly("duration_ns", &Trace::duration_ns)
      .def("__len__", [](const Trace& t) { return t.events().size(); })
      .def("events", &events, "The events as a read-only NumPy structured array (a new one per call).")
      .def_property_readonly("tags", [](const Trace& t) { return names(t.tags()); })
      .def_property_readonly("streams", [](const Trace& t) { return names(t.streams()); })
      .def_property_readonly("threads", [](const Trace& t) { return names(t.threads()); })
      .def("summary", &trace::summarize, py::call_guard<py::gil_scoped_release>())
      .def("check_schedule", &trace::check_schedule, py::call_guard<py::gil_scoped_release>())
      .def("event_order", &trace::event_order, py::call_guard<py::gil_scoped_release>())
      .def("describe",
           [](const Trace& t, py::ssize_t i) {
             const auto n = static_cast<py::ssize_t>(t.events().size());
             if (i < 0) i += n;
             if (i < 0 || i >= n) throw py::index_error("event index out of range");
             return text(trace::describe(t, t.events()[static_cast<std::size_t>(i)]));
           },
           py::arg("index"), "One event for people: '12.345678 ms d2h_queued model.layer.* L3 #5 ...'")
      .def("__repr__", &repr);
}

}  // namespace
}  // namespace tswap::python

PYBIND11_MODULE(_trace, m) {
  namespace ts = tswap::python;
  namespace tr = tswap::trace;
  m.doc() = "tensorswap logs (.tswap) read by the C++ trace library; see tensorswap.trace.";
  PYBIND11_NUMPY_DTYPE(ts::EventRow, host_ns, value, index, step, tag, layer, kind, stream, reason,
                       flags, thread);

  ts::trace_error_type = PyErr_NewExceptionWithDoc(
      "tensorswap._trace.TraceError",
      "A log could not be read: .kind ('cannot_open', 'empty', 'not_a_log', "
      "'unsupported_version', 'corrupt'), .file, .offset (the byte where it went wrong) "
      "and the reader's message.",
      PyExc_RuntimeError, nullptr);
  if (ts::trace_error_type == nullptr) throw py::error_already_set();
  m.add_object("TraceError", py::handle(ts::trace_error_type));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tr::TraceError& e) {
      ts::raise_trace_error(e);
    }
  });

  ts::bind_header(m);
  ts::bind_run(m);
  ts::bind_completeness(m);
  ts::bind_summary(m);
  ts::bind_checks(m);
  ts::bind_trace(m);

  m.def("load", &ts::load, py::arg("path"), py::arg("progress") = py::none(),
        "Reads and validates a log; progress(done_bytes, total_bytes) is called now and then. "
        "Raises TraceError.");
  m.def("diff_order", &tr::diff_order, py::arg("a"), py::arg("b"),
        py::call_guard<py::gil_scoped_release>());
  m.def("event_dtype", [] { return py::dtype::of<ts::EventRow>(); });
  m.attr("FORMAT_VERSION") = tr::kFormatVersion;
  m.attr("kinds") = ts::code_names(tr::EventKind::step_begin,
                                   static_cast<tr::EventKind>(tr::kLastEventKind),
                                   static_cast<const char* (*)(tr::EventKind)>(&tr::to_string));
  m.attr("keep_reasons") = ts::code_names(tr::KeepReason::not_dense, tr::KeepReason::observed,
                                          static_cast<const char* (*)(tr::KeepReason)>(&tr::to_string));
  m.attr("release_reasons") =
      ts::code_names(tr::ReleaseReason::freed, tr::ReleaseReason::deferred_held,
                     static_cast<const char* (*)(tr::ReleaseReason)>(&tr::to_string));
  m.attr("FLAG_PREFETCH") = tr::kFlagPrefetch;
  m.attr("FLAG_WAIT_H2D") = tr::kFlagWaitH2D;
  m.attr("FLAG_DEVICE_TIME") = tr::kFlagDeviceTime;
}
