#pragma once

// Identifies one swap's events across a log: a swap is made once per tag,
// step, layer and first key index.

#include <cstddef>
#include <cstdint>
#include <functional>

#include <tswap/trace/trace.h>

namespace tswap::trace::detail {

struct SwapKey {
  std::uint16_t tag = 0;
  std::uint32_t step = 0;
  std::uint16_t layer = 0;
  std::uint32_t index = 0;

  static SwapKey of(const Event& e) { return SwapKey{e.tag, e.step, e.layer, e.index}; }
  bool operator==(const SwapKey& o) const {
    return tag == o.tag && step == o.step && layer == o.layer && index == o.index;
  }
};

struct SwapKeyHash {
  std::size_t operator()(const SwapKey& k) const {
    std::uint64_t h = (static_cast<std::uint64_t>(k.tag) << 48) ^
                      (static_cast<std::uint64_t>(k.layer) << 32) ^ k.index;
    return std::hash<std::uint64_t>()(h * 0x9e3779b97f4a7c15ull ^ k.step);
  }
};

}  // namespace tswap::trace::detail
