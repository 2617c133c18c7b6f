#pragma once

// A step of two nested tags with every window the planner reads (layer
// scopes forward, backward spans), for the what-if panel (gui/model/what_if.h).
// Tags 1 "model.layer.*" (the block) and 2 "model.layer.*.mlp" (inside
// it), three layers each, one step begun at 5000 ns:
//
//   block layer l forward [5100 + 1000 l, 6100 + 1000 l), saves 4000 B at +50
//   MLP layer l forward   [5300 + 1000 l, 5900 + 1000 l), saves 8000 B at +100
//   backward, the top layer first: block l [9000 + 1000 (2 - l), +1000),
//   its MLP [+200, +800)
//
// what_if_log(): both tags swapped (layers 0 and 1 copy; 2 is kept), the
// copies timed on the host at 40 B/ns each way (4000 B in 100 ns), one
// stream per direction, prefetched one layer ahead; releases at the next
// layer's first save. what_if_log(true): the same step observed (TSWAP_OBSERVE:
// each tensor logged as kept, reason observed; nothing copied, so no link rate).

#include <algorithm>
#include <vector>

#include "log_builder.h"

namespace tswap_test {

inline LogBuilder what_if_log(bool observe = false) {
  using tswap::trace::EventKind;
  using tswap::trace::Record;
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const auto observed = static_cast<std::uint8_t>(tswap::trace::KeepReason::observed);
  const std::uint8_t pre = tswap::trace::kFlagPrefetch;
  auto of = [](std::uint16_t tag, Record r) {
    r.tag = tag;
    return r;
  };
  std::vector<Record> main, copier;
  main.push_back(of(1, rec(EventKind::step_begin, 5000, 0)));
  main.push_back(of(2, rec(EventKind::step_begin, 5001, 0)));
  std::uint64_t d2h_free = 0, h2d_free = 0;
  for (std::uint16_t tag = 1; tag <= 2; ++tag) {
    const std::uint64_t bytes = tag == 1 ? 4000 : 8000;
    for (std::uint16_t l = 0; l < 3; ++l) {
      const std::uint64_t f = 5100 + 1000u * l + (tag == 2 ? 200 : 0);
      const std::uint64_t f_end = f + (tag == 2 ? 600 : 1000);
      const std::uint64_t save = f + (tag == 2 ? 100 : 50);
      const std::uint64_t b = 9000 + 1000u * (2 - l) + (tag == 2 ? 200 : 0);
      const std::uint64_t b_end = b + (tag == 2 ? 600 : 1000);
      main.push_back(of(tag, rec(EventKind::layer_enter, f, l)));
      main.push_back(of(tag, rec(EventKind::layer_exit, f_end, l)));
      main.push_back(of(tag, rec(EventKind::backward_enter, b, l)));
      main.push_back(of(tag, rec(EventKind::backward_exit, b_end, l)));
      if (observe) {
        main.push_back(of(tag, rec(EventKind::kept, save, l, 0, bytes, 0, 0, observed)));
        continue;
      }
      main.push_back(of(tag, rec(EventKind::swap_created, save, l, 0, bytes)));
      main.push_back(of(tag, rec(EventKind::unpack, b + 10, l)));
      main.push_back(of(tag, rec(EventKind::swap_destroyed, b_end, l, 0, bytes)));
      if (l == 2) continue;  // the last layer is kept on the device
      main.push_back(of(tag, rec(EventKind::d2h_queued, save, l, 0, bytes, 1)));
      d2h_free = std::max(d2h_free, save + 10);
      copier.push_back(of(tag, rec(EventKind::d2h_start, d2h_free, l, 0, bytes, 1)));
      d2h_free += bytes / 40;
      copier.push_back(of(tag, rec(EventKind::d2h_done, d2h_free, l, 0, bytes, 1)));
      // Released at the tag's next layer's save, 1000 ns on.
      main.push_back(of(tag, rec(EventKind::release, save + 1000, l, 0, bytes, 0, 0, freed)));
      // Back while the layer above runs its backward.
      const std::uint64_t queued = b - 1000 + 5;
      main.push_back(of(tag, rec(EventKind::h2d_queued, queued, l, 0, bytes, 2, pre)));
      h2d_free = std::max(h2d_free, queued + 10);
      copier.push_back(of(tag, rec(EventKind::h2d_start, h2d_free, l, 0, bytes, 2, pre)));
      h2d_free += bytes / 40;
      copier.push_back(of(tag, rec(EventKind::h2d_done, h2d_free, l, 0, bytes, 2, pre)));
    }
  }
  auto by_time = [](const Record& a, const Record& b) { return a.host_ns < b.host_ns; };
  std::stable_sort(main.begin(), main.end(), by_time);
  std::stable_sort(copier.begin(), copier.end(), by_time);
  LogBuilder b;
  b.standard_names().strings({{tswap::trace::StringKind::tag, 2, "model.layer.*.mlp"}}).records(1, main);
  if (!copier.empty()) b.records(2, copier);
  b.end(main.size() + copier.size());
  return b;
}

}  // namespace tswap_test
