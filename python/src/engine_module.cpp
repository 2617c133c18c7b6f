// tensorswap._C: the engine, its options, stats and the recorder, for
// Python. The Python package (python/tensorswap/) builds the public API on
// these; Note [Python hooks] says how saved tensors reach the engine.

#include <torch/csrc/Exceptions.h>
#include <torch/csrc/autograd/python_variable.h>
#include <torch/csrc/utils/pybind.h>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include <tswap/accelerator_runtime.h>
#include <tswap/hook_delivery.h>
#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/simulated_runtime.h>
#include <tswap/tswap.h>

#include "saved_tensor_hooks.h"

namespace py = pybind11;

namespace tswap::python {
namespace {

/// A SwapContext that Python enters with `with`: each entry is a SwapScope
/// on the heap (Python has no C++ stack frame to put it on) and our hooks on
/// top of the thread's saved-tensor hooks stack. Entries are kept per
/// thread, so two threads may run the same layer; all of it under the GIL.
class PySwapContext {
 public:
  PySwapContext(std::string tag, const std::optional<SwapOptions>& options)
      : context_(options ? std::make_unique<SwapContext>(std::move(tag), *options)
                         : std::make_unique<SwapContext>(std::move(tag))) {}

  // Entering and leaving may warn (a tag that swaps nothing): through
  // torch's handler, as Python warnings, not LibTorch's logger on stderr.
  void enter() {
    HANDLE_TH_ERRORS
    enter_scope();
    END_HANDLE_TH_ERRORS_PYBIND
  }
  void exit(bool failed) {
    HANDLE_TH_ERRORS
    exit_scope(failed);
    END_HANDLE_TH_ERRORS_PYBIND
  }

  const std::string& tag() const { return context_->module_tag(); }
  int layer() const { return context_->layer(); }
  bool active() const {
    const std::thread::id me = std::this_thread::get_id();
    for (const Entry& e : entered_) {
      if (e.thread == me) return true;
    }
    return false;
  }

 private:
  void enter_scope() {
    auto scope = std::make_unique<SwapScope>(*context_);
    push_hooks();
    entered_.push_back({std::this_thread::get_id(), std::move(scope)});
  }

  /// Leaves this thread's innermost entry; `failed`: an exception left the block.
  void exit_scope(bool failed) {
    const std::thread::id me = std::this_thread::get_id();
    for (auto it = entered_.rbegin(); it != entered_.rend(); ++it) {
      if (it->thread != me) continue;
      std::unique_ptr<SwapScope> scope = std::move(it->scope);
      entered_.erase(std::next(it).base());
      if (failed) scope->mark_failed();
      const bool popped = pop_hooks();
      scope.reset();
      if (!popped) {
        throw std::runtime_error(
            "tensorswap: SwapContext('" + context_->module_tag() +
            "') ended while saved-tensor hooks pushed inside it (torch.autograd.graph."
            "saved_tensors_hooks) are still active; the scope ended, and those hooks stay "
            "on top. Leave hooks in the reverse order they were entered.");
      }
      return;
    }
    throw std::runtime_error("tensorswap: SwapContext('" + context_->module_tag() +
                             "') exited on a thread that has not entered it");
  }

  struct Entry {
    std::thread::id thread;
    std::unique_ptr<SwapScope> scope;
  };
  std::unique_ptr<SwapContext> context_;
  std::vector<Entry> entered_;
};

/// `with tensorswap.no_swap():` a NoSwapScope (C++ scopes and contexts
/// entered inside see it), and our hooks off the stack meanwhile, so that
/// autograd keeps what is saved with no hook at all, as in C++ (a tensor
/// through any saved-tensor hook is not quite the same in LibTorch 1.13:
/// a saved leaf view fails in backward).
class PyNoSwap {
 public:
  void enter() {
    entries_.push_back({std::make_unique<NoSwapScope>(), hide_our_hooks()});
  }
  void exit() {
    if (entries_.empty()) throw std::runtime_error("tensorswap: no_swap() exited without enter");
    restore_hooks(std::move(entries_.back().hooks));
    entries_.pop_back();
  }

 private:
  struct Entry {
    std::unique_ptr<NoSwapScope> scope;
    HookStack hooks;
  };
  std::vector<Entry> entries_;
};

/// A Python predicate for SwapOptions: called on the forward thread with
/// the GIL held (pack keeps it), but the std::function may be copied and
/// destroyed anywhere, so the callable is released under the GIL.
std::function<bool(const at::Tensor&)> python_predicate(py::object fn) {
  if (fn.is_none()) return {};
  auto held = std::shared_ptr<py::object>(new py::object(std::move(fn)), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
  return [held](const at::Tensor& tensor) {
    py::gil_scoped_acquire gil;
    py::object result =
        (*held)(py::reinterpret_steal<py::object>(THPVariable_Wrap(tensor)));
    return result.cast<bool>();
  };
}

std::string counters_repr(const SwapCounters& c) {
  std::ostringstream os;
  os << "Counters(tensors_saved=" << c.tensors_saved << ", tensors_kept=" << c.tensors_kept
     << ", bytes_saved=" << c.bytes_saved << ", tensors_swapped_out=" << c.tensors_swapped_out
     << ", bytes_swapped_out=" << c.bytes_swapped_out
     << ", tensors_swapped_in=" << c.tensors_swapped_in << ", prefetches=" << c.prefetches
     << ", releases=" << c.releases << ", deferred_releases=" << c.deferred_releases
     << ", stall_ns=" << c.stall_ns << ", resident_bytes=" << c.resident_bytes
     << ", peak_resident_bytes=" << c.peak_resident_bytes << ", steps=" << c.steps << ")";
  return os.str();
}

void bind_counters(py::module_& m) {
  py::class_<SwapCounters>(m, "Counters",
                           "Counters of one module tag, or of all tags (tensorswap.stats()).")
      .def_readonly("tensors_saved", &SwapCounters::tensors_saved,
                    "tensors autograd saved inside scopes")
      .def_readonly("tensors_kept", &SwapCounters::tensors_kept,
                    "of those, left on the device (parameters, small, predicate)")
      .def_readonly("bytes_saved", &SwapCounters::bytes_saved)
      .def_readonly("tensors_swapped_out", &SwapCounters::tensors_swapped_out,
                    "device-to-host copies queued")
      .def_readonly("bytes_swapped_out", &SwapCounters::bytes_swapped_out)
      .def_readonly("tensors_swapped_in", &SwapCounters::tensors_swapped_in,
                    "host-to-device copies queued (on demand and prefetch)")
      .def_readonly("bytes_swapped_in", &SwapCounters::bytes_swapped_in)
      .def_readonly("prefetches", &SwapCounters::prefetches)
      .def_readonly("releases", &SwapCounters::releases,
                    "device storages freed after their copy out")
      .def_readonly("deferred_releases", &SwapCounters::deferred_releases,
                    "releases left to another holder of the storage")
      .def_readonly("reused_without_copy", &SwapCounters::reused_without_copy)
      .def_readonly("stall_ns", &SwapCounters::stall_ns,
                    "host time the compute thread waited on copies")
      .def_readonly("resident_bytes", &SwapCounters::resident_bytes,
                    "device-resident bytes of saved activations now")
      .def_readonly("peak_resident_bytes", &SwapCounters::peak_resident_bytes)
      .def_readonly("steps", &SwapCounters::steps)
      .def_readonly("step_bytes_saved", &SwapCounters::step_bytes_saved)
      .def_readonly("step_peak_resident_bytes", &SwapCounters::step_peak_resident_bytes)
      .def("__repr__", &counters_repr);
  py::class_<Stats>(m, "Stats", "What the engine did: in total and per module tag.")
      .def_readonly("total", &Stats::total)
      .def_readonly("per_tag", &Stats::per_tag)
      .def("__repr__", [](const Stats& s) {
        std::ostringstream os;
        os << "Stats(total=" << counters_repr(s.total) << ", per_tag={";
        const char* sep = "";
        for (const auto& [tag, c] : s.per_tag) {
          os << sep << "'" << tag << "': " << counters_repr(c);
          sep = ", ";
        }
        os << "})";
        return os.str();
      });
  m.def("stats", &stats, "A snapshot of the engine's counters.");
  m.def("reset_stats", &reset_stats, "Sets every counter to zero (resident bytes stay).");
}

void bind_options(py::module_& m) {
  py::class_<Runtime, std::shared_ptr<Runtime>>(m, "Runtime",
                                                "Where copies run: streams, events, host memory.")
      .def_property_readonly("name", &Runtime::name)
      .def("__repr__", [](const Runtime& r) { return "<tensorswap.Runtime " + r.name() + ">"; });
  m.def(
      "simulated_runtime",
      [](double gbps, double latency_us) -> std::shared_ptr<Runtime> {
        if (gbps == 0 && latency_us == 0) return tswap::simulated_runtime();
        if (!(gbps >= 0) || !(latency_us >= 0)) {
          throw py::value_error("tensorswap: link_gbps and latency_us must be 0 or more");
        }
        SimulatedLink link;
        link.bytes_per_second = gbps * 1e9;
        link.latency = std::chrono::nanoseconds(static_cast<std::int64_t>(latency_us * 1e3));
        return std::make_shared<SimulatedRuntime>(link);
      },
      py::arg("link_gbps") = 0.0, py::arg("latency_us") = 0.0,
      "The simulated runtime: CPU tensors, a worker thread per stream. With a link, copies "
      "take bytes / link_gbps plus latency_us; without one, the process-wide instance.");
  m.def(
      "accelerator_runtime",
      [](const std::string& device) {
        try {
          return tswap::accelerator_runtime(c10::Device(device));
        } catch (const c10::Error& e) {
          throw py::value_error("tensorswap: accelerator_runtime('" + device +
                                "'): " + e.what_without_backtrace());
        }
      },
      py::arg("device"), "The accelerator runtime of a device such as 'cuda:0'.");

  py::class_<SwapOptions>(m, "SwapOptions")
      .def(py::init<>())
      .def_readwrite("enabled", &SwapOptions::enabled)
      .def_readwrite("min_bytes", &SwapOptions::min_bytes)
      .def_readwrite("prefetch_depth", &SwapOptions::prefetch_depth)
      .def_readwrite("keep_last", &SwapOptions::keep_last)
      .def_readwrite("max_copies_in_flight", &SwapOptions::max_copies_in_flight)
      .def_readwrite("observe", &SwapOptions::observe)
      .def_readwrite("runtime", &SwapOptions::runtime)
      .def_property(
          "has_predicate", [](const SwapOptions& o) { return static_cast<bool>(o.predicate); },
          nullptr)
      .def("set_predicate", [](SwapOptions& o, py::object fn) {
        o.predicate = python_predicate(std::move(fn));
      });
  m.attr("DEFAULT_MIN_BYTES") = SwapOptions::kDefaultMinBytes;
  m.def("default_options", &default_options);
  m.def("set_default_options", &set_default_options);
}

void bind_profiler(py::module_& m) {
  py::class_<profiler::SessionStats>(m, "SessionStats", "What a recording session wrote.")
      .def_readonly("records_written", &profiler::SessionStats::records_written)
      .def_readonly("records_dropped", &profiler::SessionStats::records_dropped)
      .def_readonly("bytes_written", &profiler::SessionStats::bytes_written)
      .def("__repr__", [](const profiler::SessionStats& s) {
        return "SessionStats(records_written=" + std::to_string(s.records_written) +
               ", records_dropped=" + std::to_string(s.records_dropped) +
               ", bytes_written=" + std::to_string(s.bytes_written) + ")";
      });
  m.def(
      "start_session",
      [](const std::string& path, const std::string& device, double flush_interval_ms,
         const std::string& clock, const std::string& compression, int compression_level) {
        profiler::SessionOptions o;
        o.path = path;
        o.device = device;
        o.flush_interval = std::chrono::milliseconds(static_cast<std::int64_t>(flush_interval_ms));
        // (tensorswap.profile checked the words; start_session refuses what
        // this machine or build cannot do.)
        o.clock = clock == "tsc"      ? profiler::ClockSource::tsc
                  : clock == "steady" ? profiler::ClockSource::steady
                                      : profiler::ClockSource::automatic;
        o.compression = compression == "zstd" ? profiler::Compression::zstd : profiler::Compression::none;
        o.compression_level = compression_level;
        profiler::start_session(o);
      },
      py::arg("path"), py::arg("device") = "", py::arg("flush_interval_ms") = 50.0,
      py::arg("clock") = "auto", py::arg("compression") = "none", py::arg("compression_level") = 1);
  // Stopping joins the writer thread: let other Python threads run meanwhile.
  m.def("stop_session", &profiler::stop_session, py::call_guard<py::gil_scoped_release>());
  m.def("session_active", &profiler::session_active);
  m.def("session_stats", &profiler::session_stats);
  m.def("name_thread", [](const std::string& name) { profiler::name_this_thread(name); });

  py::class_<profiler::RunInfo>(m, "RunInfo", "Where this process stands in a distributed run.")
      .def(py::init([](int rank, int world_size, int local_rank, std::string run_id) {
             profiler::RunInfo i;
             i.rank = rank;
             i.world_size = world_size;
             i.local_rank = local_rank;
             i.run_id = std::move(run_id);
             return i;
           }),
           py::arg("rank") = -1, py::arg("world_size") = 0, py::arg("local_rank") = -1,
           py::arg("run_id") = "")
      .def_readonly("rank", &profiler::RunInfo::rank)
      .def_readonly("world_size", &profiler::RunInfo::world_size)
      .def_readonly("local_rank", &profiler::RunInfo::local_rank)
      .def_readonly("run_id", &profiler::RunInfo::run_id)
      .def("__repr__", [](const profiler::RunInfo& i) {
        return "RunInfo(rank=" + std::to_string(i.rank) + ", world_size=" +
               std::to_string(i.world_size) + ", local_rank=" + std::to_string(i.local_rank) +
               ", run_id='" + i.run_id + "')";
      });
  // std::invalid_argument from these is a ValueError (pybind11's own translation).
  m.def("run_info_from_environment", &profiler::run_info_from_environment);
  m.def("set_run_info", &profiler::set_run_info);
  m.def("run_info", &profiler::run_info);
  m.def("set_clock_offset", &profiler::set_clock_offset, py::arg("offset_ns"),
        py::arg("uncertainty_ns"), py::arg("rounds"));
  m.def("clock_ns", &profiler::clock_ns, "The recorder's clock (steady, ns).");
  m.def("expand_log_path", py::overload_cast<const std::string&>(&profiler::expand_log_path));
}

}  // namespace
}  // namespace tswap::python

PYBIND11_MODULE(_C, m) {
  using namespace tswap::python;
  m.doc() = "tensorswap's engine for Python (use the tensorswap package, not this module)";
  // The Python engine owns autograd's default-engine place here (Note [Python hooks]).
  tswap::hooks::deliver_externally();
  if (!init_saved_tensor_hooks(m.ptr())) throw py::error_already_set();

  // c10 errors (TORCH_CHECK, ours included) become RuntimeError carrying
  // the message without LibTorch's C++ backtrace, as in torch itself.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const c10::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what_without_backtrace());
    }
  });

  py::class_<PySwapContext>(m, "SwapContext")
      .def(py::init<std::string, std::optional<tswap::SwapOptions>>(), py::arg("tag"),
           py::arg("options") = py::none())
      .def("enter", &PySwapContext::enter)
      .def("exit", &PySwapContext::exit, py::arg("failed"))
      .def_property_readonly("tag", &PySwapContext::tag)
      .def_property_readonly("layer", &PySwapContext::layer)
      .def_property_readonly("active", &PySwapContext::active);
  py::class_<PyNoSwap>(m, "NoSwap")
      .def(py::init<>())
      .def("enter", &PyNoSwap::enter)
      .def("exit", &PyNoSwap::exit);
  m.def("layer_count", &tswap::layer_count, py::arg("tag"));

  bind_counters(m);
  bind_options(m);
  bind_profiler(m);
}
