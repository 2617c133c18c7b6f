#pragma once

// What identifies one swap across a log. The engine makes a swap once per
// tag, step, layer and first key index, and every record about it (queued,
// copies, release, unpack, swap_created/destroyed) carries those four
// fields: the key joins them. The summary, the checks, the exports and the
// viewer's model all key on it; std::hash<SwapKey> makes it usable in
// unordered containers.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>

#include <tswap/trace/format.h>

namespace tswap::trace {

struct SwapKey {
  std::uint16_t tag = 0;  // string id of the module tag
  std::uint32_t step = 0;
  std::uint16_t layer = 0;
  std::uint32_t index = 0;  // the swap's first key index within its layer

  static SwapKey of(const Record& r) { return SwapKey{r.tag, r.step, r.layer, r.index}; }

  friend bool operator==(const SwapKey& a, const SwapKey& b) {
    return a.tag == b.tag && a.step == b.step && a.layer == b.layer && a.index == b.index;
  }
  friend bool operator!=(const SwapKey& a, const SwapKey& b) { return !(a == b); }
  /// By tag id, step, layer, index: for ordered maps and stable output.
  friend bool operator<(const SwapKey& a, const SwapKey& b) {
    return std::tie(a.tag, a.step, a.layer, a.index) < std::tie(b.tag, b.step, b.layer, b.index);
  }
};

}  // namespace tswap::trace

// Hidden from Doxygen, which cannot scope a specialization of std::hash.
namespace std {
/// @cond
template <>
struct hash<tswap::trace::SwapKey> {
  std::size_t operator()(const tswap::trace::SwapKey& k) const noexcept {
    // Tag and layer in the high half, index low, the step mixed in after a
    // multiply: crafted logs with one field at its maximum still spread.
    const std::uint64_t h = (static_cast<std::uint64_t>(k.tag) << 48) ^
                            (static_cast<std::uint64_t>(k.layer) << 32) ^ k.index;
    return std::hash<std::uint64_t>()((h * 0x9e3779b97f4a7c15ull) ^ k.step);
  }
};
/// @endcond
}  // namespace std
