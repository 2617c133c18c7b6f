#include <tswap/stats.h>

#include <algorithm>

#include "tag_state.h"

namespace tswap {

Stats stats() {
  Stats s;
  detail::for_each_tag([&](detail::TagState& tag) {
    const SwapCounters c = tag.counters.snapshot();
    s.per_tag.emplace(tag.tag, c);
    s.total.tensors_saved += c.tensors_saved;
    s.total.tensors_kept += c.tensors_kept;
    s.total.bytes_saved += c.bytes_saved;
    s.total.tensors_swapped_out += c.tensors_swapped_out;
    s.total.bytes_swapped_out += c.bytes_swapped_out;
    s.total.tensors_swapped_in += c.tensors_swapped_in;
    s.total.bytes_swapped_in += c.bytes_swapped_in;
    s.total.prefetches += c.prefetches;
    s.total.releases += c.releases;
    s.total.deferred_releases += c.deferred_releases;
    s.total.reused_without_copy += c.reused_without_copy;
    s.total.stall_ns += c.stall_ns;
    s.total.steps = std::max(s.total.steps, c.steps);
    s.total.step_bytes_saved += c.step_bytes_saved;
  });
  // The sum of per-tag peaks is not the peak of the sum: the total level and
  // its peak are tracked on their own.
  s.total.resident_bytes = detail::total_resident_bytes();
  s.total.peak_resident_bytes = detail::total_peak_resident_bytes();
  s.total.step_peak_resident_bytes = detail::total_step_peak_resident_bytes();
  return s;
}

void reset_stats() {
  detail::for_each_tag([](detail::TagState& tag) { tag.counters.reset(); });
  detail::reset_total_peak();
}

}  // namespace tswap
