#include "commands.h"

#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <tswap/trace/analysis.h>
#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

namespace tswap::cli {
namespace {

using trace::Trace;

std::optional<Trace> load(const std::string& file, std::ostream& err) {
  try {
    return Trace::load(file);
  } catch (const trace::TraceError& e) {
    err << "tswap-log: " << e.what() << "\n";
    return std::nullopt;
  }
}

std::string text(const char* field, std::size_t size) {
  return std::string(field, strnlen(field, size));
}

std::string bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  std::ostringstream out;
  out << std::fixed << std::setprecision(u == 0 ? 0 : 1) << b << " " << units[u];
  return out.str();
}

std::string ms(std::uint64_t ns) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << static_cast<double>(ns) / 1e6;
  return out.str();
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
  for (const auto& [id, name] : sorted) s += (s.empty() ? "" : ", ") + name;
  return s;
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
  out << "  started    " << wall_time(h.wall_start_ns) << "\n"
      << "  clock      " << text(h.clock, sizeof h.clock) << " " << std::fixed
      << std::setprecision(9) << static_cast<double>(h.monotonic_start_ns) / 1e9
      << " s at the start (event times are ns after it)\n"
      << "  duration   " << ms(t->duration_ns()) << " ms\n"
      << "  events     " << t->events().size() << "\n"
      << "  tags       " << t->tags().size() << (t->tags().empty() ? "" : ": " + names(t->tags()))
      << "\n"
      << "  streams    " << t->streams().size()
      << (t->streams().empty() ? "" : ": " + names(t->streams())) << "\n"
      << "  threads    " << t->threads().size()
      << (t->threads().empty() ? "" : ": " + names(t->threads())) << "\n"
      << "  file       " << t->file_bytes() << " bytes\n";
  if (c.clean_end) {
    out << "  complete   yes";
    if (c.records_dropped > 0) {
      out << ", but " << c.records_dropped << " events were dropped (thread buffers full)";
    }
    out << "\n";
  } else {
    out << "  complete   no: the log has no end chunk (the process stopped without stopping its "
           "session); readable up to byte "
        << c.bytes_read;
    if (c.bytes_lost > 0) out << ", " << c.bytes_lost << " bytes of a torn last chunk lost";
    out << "\n";
  }
  std::map<std::string, std::uint64_t> kinds;
  for (const trace::Event& e : t->events()) ++kinds[trace::to_string(e.event_kind())];
  out << "  by kind   ";
  for (const auto& [kind, n] : kinds) out << " " << kind << " " << n;
  out << "\n";
  return kOk;
}

int summary(const std::string& file, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  const trace::Summary s = trace::summarize(*t);
  out << file << ": " << s.steps << (s.steps == 1 ? " step" : " steps");
  // Nested tags begin every step alike; say so per tag where they do not.
  bool differ = false;
  for (const auto& [tag, n] : s.steps_per_tag) differ = differ || n != s.steps;
  if (differ) {
    out << " (";
    const char* sep = "";
    for (const auto& [tag, n] : s.steps_per_tag) out << sep << tag << " " << n, sep = ", ";
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
      << std::setw(9) << "overlap" << std::setw(8) << "stalls" << std::setw(10) << "stall ms"
      << std::setw(7) << "freed" << std::setw(9) << "deferred" << std::setw(6) << "kept"
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
    out << std::left << std::setw(24) << l.tag << std::right << std::setw(6)
        << (l.layer < 0 ? std::string("all") : std::to_string(l.layer)) << std::setw(7)
        << l.tensors_out << std::setw(11) << bytes(static_cast<double>(l.bytes_out)) << std::setw(6)
        << l.tensors_in << std::setw(7) << l.prefetched << std::setw(7) << l.reused << std::setw(10)
        << ms(l.d2h_ns) << std::setw(8) << d2h_bw << std::setw(10) << ms(l.h2d_ns)
        << std::setw(8) << h2d_bw << std::setw(9) << overlap << std::setw(8) << l.stalls
        << std::setw(10) << ms(l.stall_ns) << std::setw(7) << l.freed << std::setw(9) << l.deferred
        << std::setw(6) << l.kept << "\n";
  };
  for (const trace::LayerSummary& tag : s.tags) {
    for (const trace::LayerSummary& l : s.layers) {
      if (l.tag == tag.tag) row(l);
    }
    row(tag);
    out << "\n";
  }
  out << "overlap: copy time during which compute did not wait on that copy. D2H/H2D times are\n"
         "measured where the runtime can time copies (the simulated runtime; accelerator copies\n"
         "show on their streams in Nsight Systems). \"-\": no copy was timed (a tag's last layer\n"
         "is never swapped).\n";
  return kOk;
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
    trace::export_trace(*t, f, out);
    return out ? kOk : kCannotWrite;
  }
  std::ofstream file_out(output, std::ios::binary);
  if (!file_out) {
    err << "tswap-log: cannot write " << output << ": " << std::strerror(errno) << "\n";
    return kCannotWrite;
  }
  trace::export_trace(*t, f, file_out);
  file_out.close();
  if (!file_out) {
    err << "tswap-log: writing " << output << " failed\n";
    return kCannotWrite;
  }
  return kOk;
}

int check(const std::string& file, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> t = load(file, err);
  if (!t) return kUnreadable;
  const trace::CheckResult r = trace::check_schedule(*t);
  if (!t->completeness().clean_end) {
    out << file << ": note: the log is incomplete; rules are checked on what it holds\n";
  }
  // Unfinished swaps are information, not broken rules: the log ends first.
  for (const trace::Unfinished& u : r.unfinished) out << file << ": incomplete: " << u.message << "\n";
  if (r.violations.empty()) {
    out << file << ": all ordering rules hold over " << t->events().size() << " events\n";
    return kOk;
  }
  for (const trace::Violation& v : r.violations)
    out << file << ": " << v.rule << ": " << v.message << "\n";
  out << file << ": " << r.violations.size() << " rule violation"
      << (r.violations.size() == 1 ? "" : "s") << "\n";
  return kFound;
}

int diff(const std::string& a, const std::string& b, std::ostream& out, std::ostream& err) {
  const std::optional<Trace> ta = load(a, err);
  if (!ta) return kUnreadable;
  const std::optional<Trace> tb = load(b, err);
  if (!tb) return kUnreadable;
  const trace::OrderDiff d = trace::diff_order(*ta, *tb);
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

}  // namespace tswap::cli
