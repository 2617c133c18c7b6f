#include <tswap/trace/compare.h>

#include <algorithm>
#include <limits>
#include <tuple>

namespace tswap::trace {
namespace {

/// A count as a signed figure: crafted counts past 2^63 - 1 saturate.
std::int64_t to_signed(std::uint64_t v) {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(v, max));
}

CountChange counts(const LayerSummary* a, const LayerSummary* b, std::uint64_t LayerSummary::*f) {
  CountChange c;
  if (a) c.a = to_signed(a->*f);
  if (b) c.b = to_signed(b->*f);
  return c;
}

RateChange rates(const LayerSummary* a, const LayerSummary* b,
                 std::optional<double> (LayerSummary::*f)() const) {
  RateChange c;
  if (a) c.a = (a->*f)();
  if (b) c.b = (b->*f)();
  return c;
}

RowComparison row(const LayerSummary* a, const LayerSummary* b) {
  const LayerSummary& any = a ? *a : *b;
  RowComparison r;
  r.tag = any.tag;
  r.layer = any.layer;
  r.in_a = a != nullptr;
  r.in_b = b != nullptr;
  r.bytes_out = counts(a, b, &LayerSummary::bytes_out);
  r.bytes_in = counts(a, b, &LayerSummary::bytes_in);
  if (a) r.resident_peak.a = a->resident_peak;
  if (b) r.resident_peak.b = b->resident_peak;
  r.d2h_ns = counts(a, b, &LayerSummary::d2h_ns);
  r.h2d_ns = counts(a, b, &LayerSummary::h2d_ns);
  r.stall_waited_ns = counts(a, b, &LayerSummary::stall_ns);
  r.stall_caused_ns = counts(a, b, &LayerSummary::caused_stall_ns);
  r.d2h_gb_per_s = rates(a, b, &LayerSummary::d2h_bandwidth);
  r.h2d_gb_per_s = rates(a, b, &LayerSummary::h2d_bandwidth);
  return r;
}

/// Both lists sorted by (tag, layer), as summarize() leaves them: one
/// merge, each row of either log once.
std::vector<RowComparison> merge(const std::vector<LayerSummary>& a,
                                 const std::vector<LayerSummary>& b) {
  std::vector<RowComparison> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() ||
        (i < a.size() && std::tie(a[i].tag, a[i].layer) < std::tie(b[j].tag, b[j].layer))) {
      out.push_back(row(&a[i++], nullptr));
    } else if (i == a.size() || std::tie(b[j].tag, b[j].layer) < std::tie(a[i].tag, a[i].layer)) {
      out.push_back(row(nullptr, &b[j++]));
    } else {
      out.push_back(row(&a[i++], &b[j++]));
    }
  }
  return out;
}

/// The allocator's highest sample over the steps; none without samples.
std::optional<std::int64_t> highest(const Summary& s, std::uint64_t StepMemory::*f) {
  if (s.memory.empty()) return std::nullopt;
  std::uint64_t peak = 0;
  for (const StepMemory& m : s.memory) peak = std::max(peak, m.*f);
  return to_signed(peak);
}

}  // namespace

template <class T>
std::optional<T> Change<T>::delta() const {
  if (!a || !b) return std::nullopt;
  if constexpr (std::is_integral_v<T>) {
    T d;
    if (__builtin_sub_overflow(*b, *a, &d)) {
      return *b > *a ? std::numeric_limits<T>::max() : std::numeric_limits<T>::min();
    }
    return d;
  } else {
    return *b - *a;
  }
}

template <class T>
std::optional<double> Change<T>::ratio() const {
  if (!a || !b || *a == 0) return std::nullopt;
  return static_cast<double>(*b) / static_cast<double>(*a);
}

template struct Change<std::int64_t>;
template struct Change<double>;

Comparison compare(const Summary& a, const Summary& b) {
  Comparison c;
  c.steps = CountChange{to_signed(a.steps), to_signed(b.steps)};
  c.resident_peak = CountChange{a.resident_peak, b.resident_peak};
  c.allocated_peak =
      CountChange{highest(a, &StepMemory::allocated_peak), highest(b, &StepMemory::allocated_peak)};
  c.reserved_peak =
      CountChange{highest(a, &StepMemory::reserved_peak), highest(b, &StepMemory::reserved_peak)};
  c.tags = merge(a.tags, b.tags);
  c.layers = merge(a.layers, b.layers);
  return c;
}

Comparison compare(const Trace& a, const Trace& b) {
  return compare(summarize(a), summarize(b));
}

}  // namespace tswap::trace
