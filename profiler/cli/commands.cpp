#include "commands.h"
#include "loading.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <vector>
#include <sstream>

#include <tswap/trace/analysis.h>
#include <tswap/trace/device_overlap.h>
#include <tswap/trace/export.h>
#include <tswap/trace/ranks.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/text.h>
#include <tswap/trace/trace.h>

namespace tswap::cli {

using trace::Trace;

std::optional<Trace> load(const std::string& file, std::ostream& err) {
  try {
    return Trace::load(file);
  } catch (const trace::TraceError& e) {
    err << "tswap-log: " << e.what() << "\n";
    return std::nullopt;
  } catch (const std::bad_alloc&) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    err << "tswap-log: not enough memory to load " << file;
    if (!ec) err << " (" << size << " bytes)";
    err << "\n";
    return std::nullopt;
  }
}

namespace {

std::string printable(std::string_view s) { return trace::printable(s); }

/// A header text field, escaped for the terminal.
std::string text(const char* field, std::size_t size) {
  return printable(std::string_view(field, strnlen(field, size)));
}

std::string bytes(double b) { return trace::format_bytes(b); }
std::string ms(std::uint64_t ns) { return trace::format_ms(ns); }

/// The clock anchors of a device-timed log (format version 2): how many,
/// and the largest drift between consecutive ones: the host's interval
/// minus the device's (docs/log-format.md), in ns and parts per million of
/// the host's interval.
struct Anchors {
  std::uint64_t count = 0;
  std::int64_t drift_ns = 0;  // the one of largest magnitude, signed
  double drift_ppm = 0;
};
Anchors anchors(const Trace& t) {
  Anchors a;
  bool have_last = false;
  std::uint64_t last_host = 0, last_device = 0;
  for (const trace::Event& e : t.events()) {
    if (e.event_kind() != trace::EventKind::clock_anchor) continue;
    ++a.count;
    if (have_last) {
      // In unsigned arithmetic, then as signed: crafted anchors wrap, they do not overflow.
      const auto drift = static_cast<std::int64_t>((e.host_ns - last_host) - (e.value - last_device));
      const std::uint64_t magnitude = drift < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(drift)
                                                : static_cast<std::uint64_t>(drift);
      const std::uint64_t largest = a.drift_ns < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(a.drift_ns)
                                                   : static_cast<std::uint64_t>(a.drift_ns);
      if (a.count == 2 || magnitude > largest) {
        a.drift_ns = drift;
        const std::uint64_t interval = e.host_ns - last_host;
        a.drift_ppm = interval == 0 ? 0 : static_cast<double>(drift) * 1e6 / static_cast<double>(interval);
      }
    }
    have_last = true;
    last_host = e.host_ns;
    last_device = e.value;
  }
  return a;
}

std::string wall_time(std::uint64_t ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1000000000ull);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::ostringstream out;
  out << std::put_time(&utc, "%Y-%m-%d %H:%M:%S") << "." << std::setw(9) << std::setfill('0')
      << ns % 1000000000ull << " UTC";
  return out.str();
}

std::string names(const std::unordered_map<std::uint32_t, std::string>& m) {
  std::map<std::uint32_t, std::string> sorted(m.begin(), m.end());
  std::string s;
  for (const auto& [id, name] : sorted) s += (s.empty() ? "" : ", ") + printable(name);
  return s;
}

/// Note [After the end] in trace.h: what follows the first end chunk.
std::vector<std::string> warnings(const Trace& t) {
  const trace::Completeness& c = t.completeness();
  std::vector<std::string> w;
  if (c.extra_end_chunks > 0) {
    std::ostringstream m;
    m << c.extra_end_chunks << " more end chunk" << (c.extra_end_chunks == 1 ? "" : "s")
      << " after the first (at byte offset" << (c.extra_end_chunks == 1 ? " " : "s ");
    for (std::size_t i = 0; i < c.extra_end_offsets.size(); ++i)
      m << (i ? ", " : "") << c.extra_end_offsets[i];
    if (c.extra_end_chunks > c.extra_end_offsets.size()) m << ", ...";
    m << "); the counts are the first's, at byte offset " << c.end_offset;
    w.push_back(m.str());
  }
  if (c.chunks_after_end > 0) {
    std::ostringstream m;
    m << c.chunks_after_end << " chunk" << (c.chunks_after_end == 1 ? "" : "s")
      << " after the end chunk at byte offset " << c.end_offset << ", from byte offset "
      << c.first_after_end_offset << ": their " << c.events_after_end << " event"
      << (c.events_after_end == 1 ? " is" : "s are") << " loaded with the others";
    w.push_back(m.str());
  }
  return w;
}

/// How the recorder read the times, after the clock line (nothing for a
/// log from before the header said so).
std::string host_clock_note(trace::HostClock clock) {
  switch (clock) {
    case trace::HostClock::unknown:
      return "";
    case trace::HostClock::steady:
      return ", read with steady_clock";
    case trace::HostClock::tsc:
      return ", read through the TSC (calibrated against it at each writer drain)";
  }
  return ", read with an unknown clock (" + std::to_string(static_cast<int>(clock)) + ")";
}

}  // namespace

int info(const std::string& file, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  const trace::FileHeader& h = t->header();
  const trace::Completeness& c = t->completeness();
  out << file << ": tensorswap log, format version " << h.version << "\n"
      << "  process    " << text(h.process, sizeof h.process) << " (pid " << h.pid << ") on "
      << text(h.host, sizeof h.host) << "\n";
  out << "  device     "
      << (h.device[0] != '\0' ? text(h.device, sizeof h.device) : std::string("(not recorded)"))
      << "\n";
  // Version 2 says who timed the copies; a version 1 header cannot (unknown).
  if (static_cast<trace::CopyTiming>(h.copy_timing) != trace::CopyTiming::unknown) {
    out << "  timing     " << trace::copy_timing_text(static_cast<trace::CopyTiming>(h.copy_timing));
    if (h.copy_timing > static_cast<std::uint8_t>(trace::CopyTiming::none)) {
      out << " (" << static_cast<int>(h.copy_timing) << ")";
    }
    out << "\n";
  }
  // Version 3: one rank of a distributed run (docs/distributed.md).
  const trace::RunHeader& run = t->run();
  if ((run.flags & trace::kRunHasRank) != 0) {
    out << "  rank       " << run.rank << " of " << run.world_size;
    if (run.local_rank >= 0) out << " (local rank " << run.local_rank << ")";
    if (run.run_id[0] != '\0') out << ", run " << text(run.run_id, sizeof run.run_id);
    out << "\n";
  }
  if ((run.flags & trace::kRunClockAligned) != 0) {
    char offset[96];
    std::snprintf(offset, sizeof offset, "%+.3f us +- %.3f us", run.clock_offset_ns / 1e3,
                  static_cast<double>(run.clock_uncertainty_ns) / 1e3);
    if (run.clock_rounds == 0) {
      out << "  offset     " << offset << ": rank 0's own clock, the one the others align to\n";
    } else {
      out << "  offset     " << offset << " to rank 0's clock (best of " << run.clock_rounds
          << " round trip" << (run.clock_rounds == 1 ? "" : "s") << ")\n";
    }
  }
  out << "  started    " << wall_time(h.wall_start_ns) << "\n"
      << "  clock      " << text(h.clock, sizeof h.clock) << " " << std::fixed
      << std::setprecision(9) << static_cast<double>(h.monotonic_start_ns) / 1e9
      << " s at the start (event times are ns after it)"
      << host_clock_note(static_cast<trace::HostClock>(h.host_clock)) << "\n"
      << "  duration   " << ms(t->duration_ns()) << " ms\n"
      << "  events     " << t->events().size() << "\n"
      << "  tags       " << t->tags().size() << (t->tags().empty() ? "" : ": " + names(t->tags()))
      << "\n"
      << "  streams    " << t->streams().size()
      << (t->streams().empty() ? "" : ": " + names(t->streams())) << "\n"
      << "  threads    " << t->threads().size()
      << (t->threads().empty() ? "" : ": " + names(t->threads())) << "\n"
      << "  file       " << t->file_bytes() << " bytes\n";
  if (const trace::Storage& st = t->storage(); st.compressed()) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", st.ratio());
    out << "  compressed zstd, " << st.compressed_chunks << " of "
        << st.compressed_chunks + st.records_chunks << " records chunks: " << st.uncompressed_bytes
        << " bytes of records in " << st.compressed_bytes << " (ratio " << ratio << ")\n";
  }
  if (const Anchors a = anchors(*t); a.count > 0) {
    out << "  anchors    " << a.count << " clock anchor" << (a.count == 1 ? "" : "s");
    if (a.count > 1) {
      char ppm[32];
      std::snprintf(ppm, sizeof ppm, "%.3f", a.drift_ppm);
      out << ", largest drift between consecutive anchors " << a.drift_ns << " ns (" << ppm
          << " ppm)";
    }
    out << "\n";
  }
  if (c.clean_end) {
    out << "  complete   yes";
    if (c.records_dropped > 0) {
      out << ", but " << c.records_dropped << " events were dropped (thread buffers full)";
    }
    out << "\n";
  } else {
    out << "  complete   no: " << trace::incomplete_reason(c) << "\n";
  }
  for (const std::string& w : warnings(*t)) out << "  warning    " << w << "\n";
  std::map<std::string, std::uint64_t> kinds;
  for (const trace::Event& e : t->events()) ++kinds[trace::to_string(e.event_kind())];
  out << "  by kind   ";
  for (const auto& [kind, n] : kinds) out << " " << kind << " " << n;
  out << "\n";
  return kOk;
}

namespace {

/// Who timed the D2H and H2D figures, said only where the device timed some
/// (a host-timed log prints as it always did).
void print_sources(const Trace& t, const trace::Summary& s, std::ostream& out) {
  std::uint64_t host = 0, device = 0;
  for (const trace::LayerSummary& t : s.tags) {
    host += t.d2h_timed_host + t.h2d_timed_host;
    device += t.d2h_timed_device + t.h2d_timed_device;
  }
  if (device == 0) return;
  out << "copy times: " << device << " cop" << (device == 1 ? "y" : "ies")
      << " timed on the device (timing events on its streams)";
  if (host > 0) out << ", " << host << " on the host";
  out << "\n";
  // On a device the engine's waits are queued, never host stalls: the
  // "overlap" column then says nothing, and the device's spans say it all.
  const trace::DeviceOverlap o = trace::device_overlap(t);
  if (const std::optional<double> share = o.share()) {
    out << "device overlap: copies ran beside a layer's kernels for " << std::fixed
        << std::setprecision(1) << 100.0 * *share << "% of their time ("
        << trace::format_duration(static_cast<double>(o.overlapped_ns)) << " of "
        << trace::format_duration(static_cast<double>(o.copy_ns))
        << "; the compute stream was inside a layer for "
        << trace::format_duration(static_cast<double>(o.compute_ns))
        << ")\n";
    out.unsetf(std::ios::floatfield);
  } else if (o.layer_spans == 0) {
    out << "device overlap: unknown (the log has no device-timed layer spans)\n";
  } else {
    out << "device overlap: unknown (no device-timed copy took any time)\n";
  }
  out << "\n";
}

/// The allocator's peaks per step beside the engine's, only for a log with
/// allocator samples.
void print_memory(const trace::Summary& s, std::ostream& out) {
  if (s.memory.empty()) return;
  out << "device memory per step (peaks): the allocator's allocated and reserved bytes, and the\n"
         "engine's resident saved activations\n";
  out << std::right << std::setw(10) << "step" << std::setw(14) << "allocated" << std::setw(14)
      << "reserved" << std::setw(14) << "resident" << "\n";
  for (const trace::StepMemory& m : s.memory) {
    out << std::setw(10) << m.step << std::setw(14) << bytes(static_cast<double>(m.allocated_peak))
        << std::setw(14) << bytes(static_cast<double>(m.reserved_peak)) << std::setw(14)
        << bytes(static_cast<double>(m.resident_peak)) << "\n";
  }
  out << "\n";
}

int print_summary(const Trace& t, std::ostream& out) {
  const std::string& file = t.path();
  const trace::Summary s = trace::summarize(t);
  out << file << ": " << s.steps << (s.steps == 1 ? " step" : " steps");
  // Nested tags begin every step alike; say so per tag where they do not.
  bool differ = false;
  for (const auto& [tag, n] : s.steps_per_tag) differ = differ || n != s.steps;
  if (differ) {
    out << " (";
    const char* sep = "";
    for (const auto& [tag, n] : s.steps_per_tag) out << sep << printable(tag) << " " << n, sep = ", ";
    out << ")";
  }
  std::set<std::string> tags;
  for (const trace::LayerSummary& tag : s.tags) tags.insert(tag.tag);
  for (const auto& [tag, n] : s.steps_per_tag) tags.insert(tag);
  out << ", " << tags.size() << (tags.size() == 1 ? " tag" : " tags") << "\n\n";
  out << std::left << std::setw(24) << "tag" << std::right << std::setw(6) << "layer"
      << std::setw(7) << "out" << std::setw(11) << "bytes out" << std::setw(6) << "in"
      << std::setw(7) << "pref" << std::setw(7) << "reuse" << std::setw(10) << "D2H ms"
      << std::setw(8) << "GB/s" << std::setw(10) << "H2D ms" << std::setw(8) << "GB/s"
      << std::setw(9) << "overlap" << std::setw(8) << "stalls" << std::setw(10) << "waited ms"
      << std::setw(10) << "caused ms" << std::setw(7) << "freed" << std::setw(9) << "deferred"
      << std::setw(6) << "kept"
      << "\n";
  auto row = [&](const trace::LayerSummary& l) {
    // No timed copy: no bandwidth and no overlap ("-"), not 0 GB/s or 100%.
    auto figure = [](std::optional<double> v, double scale, int digits, const char* unit) {
      if (!v) return std::string("-");
      std::ostringstream o;
      o << std::fixed << std::setprecision(digits) << scale * *v << unit;
      return o.str();
    };
    const std::string overlap = figure(l.overlap_share(), 100, 0, "%");
    const std::string d2h_bw = figure(l.d2h_bandwidth(), 1, 2, "");
    const std::string h2d_bw = figure(l.h2d_bandwidth(), 1, 2, "");
    out << std::left << std::setw(24) << printable(l.tag) << std::right << std::setw(6)
        << (l.layer < 0 ? std::string("all") : std::to_string(l.layer)) << std::setw(7)
        << l.tensors_out << std::setw(11) << bytes(static_cast<double>(l.bytes_out)) << std::setw(6)
        << l.tensors_in << std::setw(7) << l.prefetched << std::setw(7) << l.reused << std::setw(10)
        << ms(l.d2h_ns) << std::setw(8) << d2h_bw << std::setw(10) << ms(l.h2d_ns) << std::setw(8)
        << h2d_bw << std::setw(9) << overlap << std::setw(8) << l.stalls << std::setw(10)
        << ms(l.stall_ns) << std::setw(10) << ms(l.caused_stall_ns) << std::setw(7) << l.freed
        << std::setw(9) << l.deferred << std::setw(6) << l.kept << "\n";
  };
  // Both lists are sorted by tag name (layers then by layer): one pass over
  // each, not every layer per tag.
  std::size_t next = 0;
  for (const trace::LayerSummary& tag : s.tags) {
    while (next < s.layers.size() && s.layers[next].tag < tag.tag) ++next;
    for (; next < s.layers.size() && s.layers[next].tag == tag.tag; ++next) row(s.layers[next]);
    row(tag);
    out << "\n";
  }
  print_sources(t, s, out);
  print_memory(s, out);
  out << "overlap: copy time during which compute did not wait on that copy. D2H/H2D times are\n"
         "measured where copies are timed: on the host by the simulated runtime, on the device by\n"
         "timing events on an accelerator that can time. \"-\": no copy was timed (a tag's last\n"
         "layer is never swapped; a device that cannot time).\n"
         "waited: the time compute waited on this layer's copies. caused: the stall time this\n"
         "layer's copies caused, its own waits' and others' (its copies held the stream while a copy\n"
         "queued behind them was awaited); both sum to the same total. Rank tags by caused.\n";
  return kOk;
}

}  // namespace

int summary(const std::string& file, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  return stage("summarize", *t, err, [&] { return print_summary(*t, out); });
}

int export_log(const std::string& file, const std::string& format, const std::string& output,
               std::ostream& out, std::ostream& err) {
  trace::ExportFormat f;
  if (!trace::parse_export_format(format, f)) {
    err << "tswap-log: unknown export format '" << format << "' (jsonl, csv, chrome)\n";
    return kUsage;
  }
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  if (output.empty()) {
    return stage("export", *t, err, [&] {
      trace::export_trace(*t, f, out);
      return out ? kOk : kCannotWrite;
    });
  }
  std::ofstream file_out(output, std::ios::binary);
  if (!file_out) {
    err << "tswap-log: cannot write " << output << ": " << std::strerror(errno) << "\n";
    return kCannotWrite;
  }
  return stage("export", *t, err, [&] {
    trace::export_trace(*t, f, file_out);
    file_out.close();
    if (!file_out) {
      err << "tswap-log: writing " << output << " failed\n";
      return kCannotWrite;
    }
    return kOk;
  });
}

namespace {

/// Each line starts with `prefix`: "FILE: " for one log, "rank N (FILE): "
/// among several.
int print_check(const Trace& t, const std::string& prefix, std::ostream& out) {
  const trace::CheckResult r = trace::check_schedule(t);
  if (!t.completeness().clean_end) {
    out << prefix << "note: the log is incomplete; rules are checked on what it holds\n";
  }
  for (const std::string& w : warnings(t)) out << prefix << "warning: " << w << "\n";
  // Unfinished swaps are information, not broken rules: the log ends first.
  for (const trace::Unfinished& u : r.unfinished) out << prefix << "incomplete: " << u.message << "\n";
  if (r.violations.empty()) {
    out << prefix << "all ordering rules hold over " << t.events().size() << " events\n";
    return kOk;
  }
  for (const trace::Violation& v : r.violations)
    out << prefix << v.rule << ": " << v.message << "\n";
  out << prefix << r.violations.size() << " rule violation"
      << (r.violations.size() == 1 ? "" : "s") << "\n";
  return kFound;
}

}  // namespace

int check(const std::string& file, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  return stage("check", *t, err, [&] { return print_check(*t, t->path() + ": ", out); });
}

int check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (args.size() == 1 && !std::filesystem::is_directory(args[0], ec)) return check(args[0], out, err);
  std::vector<std::string> files;
  if (const int status = log_files(args, files, err); status != kOk) return status;
  // One log in memory at a time; an unreadable one does not stop the others.
  std::size_t broke = 0, unreadable = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::optional<Trace> t = load(files[i], err);
    if (!t) {
      ++unreadable;
      continue;
    }
    const std::string prefix =
        "rank " + std::to_string(trace::rank_of(t->run(), i)) + " (" + files[i] + "): ";
    const int status = stage("check", *t, err, [&] { return print_check(*t, prefix, out); });
    if (status == kFound) ++broke;
    if (status == kUnreadable) ++unreadable;
  }
  out << files.size() << " logs checked: " << broke << " broke rules";
  if (unreadable > 0) out << ", " << unreadable << " could not be read";
  out << "\n";
  return unreadable > 0 ? kUnreadable : broke > 0 ? kFound : kOk;
}

namespace {

int print_diff(const Trace& ta, const Trace& tb, std::ostream& out) {
  const std::string& a = ta.path();
  const std::string& b = tb.path();
  const trace::OrderDiff d = trace::diff_order(ta, tb);
  if (d.same) {
    out << "same event order (" << d.a_lines << " lines, times ignored)\n";
    return kOk;
  }
  out << "event orders differ at line " << d.line + 1 << " (" << a << ": " << d.a_lines
      << " lines, " << b << ": " << d.b_lines << " lines)\n";
  out << "--- " << a << "\n";
  for (const std::string& l : d.a) out << "- " << l << "\n";
  if (d.a.empty()) out << "  (ends here)\n";
  out << "+++ " << b << "\n";
  for (const std::string& l : d.b) out << "+ " << l << "\n";
  if (d.b.empty()) out << "  (ends here)\n";
  return kFound;
}

}  // namespace

int diff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> ta = load(a, err);
  if (!ta) return kUnreadable;
  const std::optional<Trace> tb = load(b, err);
  if (!tb) return kUnreadable;
  return stage("compare", *ta, err, [&] { return print_diff(*ta, *tb, out); });
}

}  // namespace tswap::cli
