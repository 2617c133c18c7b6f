// tswap-log compare: two logs side by side (tswap::trace::compare), as text
// that fits a 100-column terminal or as JSON.

#include <cstdio>
#include <iomanip>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tswap/trace/compare.h>
#include <tswap/trace/text.h>

#include "commands.h"
#include "loading.h"

namespace tswap::cli {
namespace {

using trace::CountChange;
using trace::RateChange;
using trace::RowComparison;

enum class Unit { count, bytes, ms, gb_per_s };

std::uint64_t magnitude(std::int64_t v) {
  return v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

/// An integer figure without its sign: "3", "1.9 MiB", "58.000" (ms).
std::string unsigned_text(std::uint64_t v, Unit u) {
  if (u == Unit::bytes) return trace::format_bytes(static_cast<double>(v));
  if (u == Unit::ms) return trace::format_ms(v);
  return std::to_string(v);
}

std::string value_text(std::int64_t v, Unit u) {
  return (v < 0 ? "-" : "") + unsigned_text(magnitude(v), u);
}
std::string value_text(double v, Unit) {
  char s[48];
  std::snprintf(s, sizeof s, "%.2f", v);
  return s;
}

/// "+1.0 MiB", "-12.500", "0 B": a sign on every change but none.
std::string delta_text(std::int64_t d, Unit u) {
  return (d < 0 ? "-" : d > 0 ? "+" : "") + unsigned_text(magnitude(d), u);
}
std::string delta_text(double d, Unit) {
  char s[48];
  std::snprintf(s, sizeof s, "%+.2f", d);
  // A change that rounds to nothing reads as none, not "-0.00" or "+0.00".
  return std::string(s + 1) == "0.00" ? "0.00" : s;
}

std::string ratio_text(std::optional<double> r) {
  if (!r) return "-";
  char s[48];
  std::snprintf(s, sizeof s, "%.3f", *r);
  return s;
}

constexpr int kLabel = 30, kColumn = 16, kRatio = 10;  // 88 columns

template <class T>
void line(std::ostream& out, const char* label, const trace::Change<T>& c, Unit u) {
  auto side = [&](const std::optional<T>& v) { return v ? value_text(*v, u) : std::string("-"); };
  const std::optional<T> d = c.delta();
  // A space before each column keeps a figure too wide for it (a crafted
  // log's) apart from its neighbour.
  out << "  " << std::left << std::setw(kLabel - 2) << label << std::right << " "
      << std::setw(kColumn - 1) << side(c.a) << " " << std::setw(kColumn - 1) << side(c.b) << " "
      << std::setw(kColumn - 1) << (d ? delta_text(*d, u) : std::string("-")) << " "
      << std::setw(kRatio - 1) << ratio_text(c.ratio()) << "\n";
}

/// A figure worth a line: known and non-zero in at least one log.
template <class T>
bool shown(const trace::Change<T>& c) {
  return (c.a && *c.a != 0) || (c.b && *c.b != 0);
}

void print_row(std::ostream& out, const RowComparison& r) {
  out << (r.tag.empty() ? std::string("(no name)") : trace::printable(r.tag)) << " "
      << (r.layer < 0 ? std::string("all") : "layer " + std::to_string(r.layer));
  if (!r.in_a) out << "  (only in B)";
  if (!r.in_b) out << "  (only in A)";
  out << "\n";
  bool any = false;
  auto count = [&](const char* label, const CountChange& c, Unit u) {
    if (shown(c)) line(out, label, c, u), any = true;
  };
  auto rate = [&](const char* label, const RateChange& c) {
    if (shown(c)) line(out, label, c, Unit::gb_per_s), any = true;
  };
  count("bytes out", r.bytes_out, Unit::bytes);
  count("bytes in", r.bytes_in, Unit::bytes);
  count("peak resident", r.resident_peak, Unit::bytes);
  count("D2H ms", r.d2h_ns, Unit::ms);
  rate("D2H GB/s", r.d2h_gb_per_s);
  count("H2D ms", r.h2d_ns, Unit::ms);
  rate("H2D GB/s", r.h2d_gb_per_s);
  count("stall waited ms", r.stall_waited_ns, Unit::ms);
  count("stall caused ms", r.stall_caused_ns, Unit::ms);
  if (!any) out << "  (nothing swapped, held or waited on)\n";
}

std::string steps_text(const std::optional<std::int64_t>& n) {
  return std::to_string(n.value_or(0)) + (n.value_or(0) == 1 ? " step" : " steps");
}

void print_text(const std::string& a, const std::string& b, const trace::Comparison& c,
                std::ostream& out) {
  out << "A: " << a << " (" << steps_text(c.steps.a) << ")\n"
      << "B: " << b << " (" << steps_text(c.steps.b) << ")\n\n";
  out << std::setw(kLabel) << "" << std::setw(kColumn) << "A" << std::setw(kColumn) << "B"
      << std::setw(kColumn) << "B - A" << std::setw(kRatio) << "B / A"
      << "\n";
  out << "whole log\n";
  line(out, "steps", c.steps, Unit::count);
  line(out, "peak resident", c.resident_peak, Unit::bytes);
  if (c.allocated_peak.a || c.allocated_peak.b) {
    line(out, "allocator peak allocated", c.allocated_peak, Unit::bytes);
    line(out, "allocator peak reserved", c.reserved_peak, Unit::bytes);
  }
  // Each tag's total, then its layers: both lists are sorted by tag name.
  std::size_t next = 0;
  for (const RowComparison& tag : c.tags) {
    out << "\n";
    print_row(out, tag);
    while (next < c.layers.size() && c.layers[next].tag < tag.tag) ++next;
    for (; next < c.layers.size() && c.layers[next].tag == tag.tag; ++next) {
      out << "\n";
      print_row(out, c.layers[next]);
    }
  }
  out << "\nB - A and B / A: the second log against the first; \"-\" where a log lacks the row or\n"
         "the figure (GB/s without a timed copy). Figures 0 or \"-\" in both logs are left out.\n"
         "peak resident: the engine's resident bytes of saved activations at their highest (a\n"
         "tag's: its layers together). stall waited and caused: as in tswap-log summary.\n";
}

nlohmann::json change_json(const CountChange& c) {
  using nlohmann::json;
  auto v = [](const std::optional<std::int64_t>& x) { return x ? json(*x) : json(nullptr); };
  const std::optional<double> r = c.ratio();
  return json{{"a", v(c.a)},
              {"b", v(c.b)},
              {"delta", v(c.delta())},
              {"ratio", r ? json(*r) : json(nullptr)}};
}
nlohmann::json change_json(const RateChange& c) {
  using nlohmann::json;
  auto v = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
  return json{{"a", v(c.a)}, {"b", v(c.b)}, {"delta", v(c.delta())}, {"ratio", v(c.ratio())}};
}

nlohmann::json row_json(const RowComparison& r) {
  using nlohmann::json;
  return json{{"tag", r.tag},
              {"layer", r.layer < 0 ? json(nullptr) : json(r.layer)},
              {"in_a", r.in_a},
              {"in_b", r.in_b},
              {"bytes_out", change_json(r.bytes_out)},
              {"bytes_in", change_json(r.bytes_in)},
              {"resident_peak_bytes", change_json(r.resident_peak)},
              {"d2h_ns", change_json(r.d2h_ns)},
              {"h2d_ns", change_json(r.h2d_ns)},
              {"stall_waited_ns", change_json(r.stall_waited_ns)},
              {"stall_caused_ns", change_json(r.stall_caused_ns)},
              {"d2h_gb_per_s", change_json(r.d2h_gb_per_s)},
              {"h2d_gb_per_s", change_json(r.h2d_gb_per_s)}};
}

void print_json(const std::string& a, const std::string& b, const trace::Comparison& c,
                std::ostream& out) {
  using nlohmann::json;
  json tags = json::array(), layers = json::array();
  for (const RowComparison& r : c.tags) tags.push_back(row_json(r));
  for (const RowComparison& r : c.layers) layers.push_back(row_json(r));
  const json doc = {{"a", a},
                    {"b", b},
                    {"steps", change_json(c.steps)},
                    {"resident_peak_bytes", change_json(c.resident_peak)},
                    {"allocated_peak_bytes", change_json(c.allocated_peak)},
                    {"reserved_peak_bytes", change_json(c.reserved_peak)},
                    {"tags", tags},
                    {"layers", layers}};
  out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace

int compare(const std::string& a, const std::string& b, const std::string& format,
            std::ostream& out, std::ostream& err) {
  // One log in memory at a time: each is summarized, then let go of.
  auto summary_of = [&](const std::string& file, std::optional<trace::Summary>& s) -> int {
    const std::optional<trace::Trace> t = load(file, err);
    if (!t) return kUnreadable;
    return stage("compare", *t, err, [&]() -> int {
      s = trace::summarize(*t);
      return kOk;
    });
  };
  std::optional<trace::Summary> sa, sb;
  if (const int status = summary_of(a, sa); status != kOk) return status;
  if (const int status = summary_of(b, sb); status != kOk) return status;
  try {
    const trace::Comparison c = trace::compare(*sa, *sb);
    if (format == "json") {
      print_json(a, b, c, out);
    } else {
      print_text(a, b, c, out);
    }
  } catch (const std::bad_alloc&) {
    err << "tswap-log: not enough memory to compare " << a << " with " << b
        << " (both were summarized)\n";
    return kUnreadable;
  }
  return kOk;
}

}  // namespace tswap::cli
