#include "comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include <tswap/trace/text.h>

#include "time_mapping.h"

namespace tswap::viewer {

namespace {
constexpr std::uint64_t kEnd = std::numeric_limits<std::uint64_t>::max();

/// a - b as a signed shift, wrapping instead of overflowing (a crafted
/// log's times may be 2^64 apart).
std::int64_t difference(std::uint64_t a, std::uint64_t b) { return static_cast<std::int64_t>(a - b); }
}  // namespace

StepAlignment StepAlignment::build(const std::vector<StepMark>& a, const std::vector<StepMark>& b) {
  std::map<std::uint32_t, std::uint64_t> a_start;  // a step's first mark
  for (const StepMark& m : a) a_start.emplace(m.step, m.ns);
  // B's steps that A has, each at its first mark, in B's time order.
  std::vector<StepMark> matched;
  std::set<std::uint32_t> seen;
  for (const StepMark& m : b) {
    if (seen.insert(m.step).second && a_start.count(m.step)) matched.push_back(m);
  }
  std::stable_sort(matched.begin(), matched.end(),
                   [](const StepMark& x, const StepMark& y) { return x.ns < y.ns; });
  StepAlignment al;
  for (std::size_t i = 0; i < matched.size(); ++i) {
    Piece p;
    p.b_begin = i == 0 ? 0 : matched[i].ns;  // the first also takes what comes before it
    p.b_end = i + 1 < matched.size() ? matched[i + 1].ns : kEnd;
    p.shift = difference(a_start[matched[i].step], matched[i].ns);
    p.step = matched[i].step;
    if (p.b_end > p.b_begin) al.pieces.push_back(p);  // two steps begun at one time: the later one's
  }
  if (al.pieces.empty()) al.pieces.push_back(Piece{0, kEnd, 0, std::nullopt});
  return al;
}

const StepAlignment::Piece& StepAlignment::piece_of(std::uint64_t b_ns) const {
  const auto it = std::upper_bound(pieces.begin(), pieces.end(), b_ns,
                                   [](std::uint64_t t, const Piece& p) { return t < p.b_begin; });
  return it == pieces.begin() ? pieces.front() : *(it - 1);
}

double StepAlignment::to_a(std::uint64_t b_ns) const {
  return static_cast<double>(b_ns) + static_cast<double>(piece_of(b_ns).shift);
}

std::size_t StepAlignment::steps_aligned() const {
  return static_cast<std::size_t>(
      std::count_if(pieces.begin(), pieces.end(), [](const Piece& p) { return p.step.has_value(); }));
}

AlignedCurve AlignedCurve::build(const Curve& curve, const StepAlignment& alignment, std::uint64_t b_last) {
  AlignedCurve out;
  if (curve.points() == 0) return out;
  const std::vector<std::uint64_t>& t = curve.times();
  const std::vector<std::int64_t>& v = curve.levels();
  for (const StepAlignment::Piece& p : alignment.pieces) {
    if (p.b_begin > b_last) break;
    const std::uint64_t b_end = std::min(p.b_end, b_last);
    const double shift = static_cast<double>(p.shift);
    Segment s;
    s.begin = std::max(0.0, static_cast<double>(p.b_begin) + shift);
    s.end = std::max(0.0, static_cast<double>(b_end) + shift);
    if (s.end <= s.begin && b_end > p.b_begin) continue;  // all of it before A's time 0
    // The level it starts at, then its points; the last piece's own end is
    // B's last event, which it holds too.
    s.curve.append(to_ns(s.begin), curve.at(static_cast<double>(p.b_begin)));
    auto i = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), p.b_begin) - t.begin());
    for (; i < t.size() && (t[i] < p.b_end || (p.b_end == kEnd && t[i] <= b_last)); ++i) {
      s.curve.append(to_ns(std::max(0.0, static_cast<double>(t[i]) + shift)), v[i]);
    }
    s.curve.seal();
    out.segments.push_back(std::move(s));
  }
  std::stable_sort(out.segments.begin(), out.segments.end(),
                   [](const Segment& a, const Segment& b) { return a.begin < b.begin; });
  return out;
}

std::optional<std::int64_t> AlignedCurve::at(double ns) const {
  std::optional<std::int64_t> level;
  for (const Segment& s : segments) {
    if (s.begin > ns) break;
    if (ns < s.end || (ns == s.end && s.end == s.begin)) level = s.curve.at(ns);
  }
  return level;
}

std::int64_t AlignedCurve::peak(std::uint64_t* when) const {
  std::int64_t best = 0;
  std::uint64_t best_at = 0;
  for (const Segment& s : segments) {
    std::uint64_t at = 0;
    const std::int64_t p = s.curve.peak(&at);
    if (p > best) best = p, best_at = at;
  }
  if (when) *when = best_at;
  return best;
}

namespace {
template <class T>
FigureChange numbers(const trace::Change<T>& c) {
  auto d = [](const std::optional<T>& v) { return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt; };
  return FigureChange{d(c.a), d(c.b), d(c.delta()), c.ratio()};
}
}  // namespace

FigureChange figure_change(const trace::RowComparison& row, Figure f) {
  switch (f) {
    case Figure::bytes_out: return numbers(row.bytes_out);
    case Figure::bytes_in: return numbers(row.bytes_in);
    case Figure::resident_peak: return numbers(row.resident_peak);
    case Figure::d2h_ns: return numbers(row.d2h_ns);
    case Figure::h2d_ns: return numbers(row.h2d_ns);
    case Figure::stall_waited_ns: return numbers(row.stall_waited_ns);
    case Figure::stall_caused_ns: return numbers(row.stall_caused_ns);
    case Figure::d2h_gb_per_s: return numbers(row.d2h_gb_per_s);
    case Figure::h2d_gb_per_s: return numbers(row.h2d_gb_per_s);
  }
  return {};
}

int better_when(Figure f) {
  switch (f) {
    case Figure::bytes_out:
    case Figure::bytes_in: return 0;
    case Figure::d2h_gb_per_s:
    case Figure::h2d_gb_per_s: return 1;
    default: return -1;
  }
}

std::string format_figure(double v, Figure f) {
  switch (f) {
    case Figure::bytes_out:
    case Figure::bytes_in:
    case Figure::resident_peak: return trace::format_bytes(v);
    case Figure::d2h_gb_per_s:
    case Figure::h2d_gb_per_s: {
      char s[48];
      std::snprintf(s, sizeof s, "%.2f", v);
      return s;
    }
    default: return trace::format_duration(v);
  }
}

std::string format_change(double delta, Figure f) {
  if (f == Figure::d2h_gb_per_s || f == Figure::h2d_gb_per_s) {
    char s[48];
    std::snprintf(s, sizeof s, "%+.2f", delta);
    // A change that rounds to nothing reads as none, not "-0.00" or "+0.00".
    return std::string(s + 1) == "0.00" ? "0.00" : s;
  }
  const std::string magnitude = format_figure(std::abs(delta), f);
  return (delta < 0 ? "-" : delta > 0 ? "+" : "") + magnitude;
}

ComparedLog ComparedLog::build(const std::vector<StepMark>& a_steps, const trace::Summary& a_summary,
                               const trace::Trace& b, std::string name) {
  ComparedLog c;
  c.name = std::move(name);
  c.alignment = StepAlignment::build(a_steps, step_marks(b));
  const std::uint64_t b_last = b.events().empty() ? 0 : b.events().back().host_ns;
  {
    const MemoryModel memory = MemoryModel::build(b);  // B's own axis; let go of once aligned
    c.total = AlignedCurve::build(memory.total, c.alignment, b_last);
    c.without_swap = AlignedCurve::build(memory.without_swap, c.alignment, b_last);
    c.device_allocated = AlignedCurve::build(memory.device_allocated, c.alignment, b_last);
  }
  c.deltas = trace::compare(a_summary, trace::summarize(b));
  bool any = false;
  for (const AlignedCurve* curve : {&c.total, &c.without_swap, &c.device_allocated}) {
    for (const AlignedCurve::Segment& s : curve->segments) {
      c.first = any ? std::min(c.first, to_ns(s.begin)) : to_ns(s.begin);
      c.last = any ? std::max(c.last, to_ns(s.end)) : to_ns(s.end);
      any = true;
    }
  }
  return c;
}

}  // namespace tswap::viewer
