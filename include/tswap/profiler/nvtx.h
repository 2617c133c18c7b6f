#pragma once

// NVTX ranges in the "tensorswap" domain: one category per event kind,
// a registered message "<kind> <tag> L<layer>", the bytes as payload. They
// cost a relaxed load when NVTX is off or no tool is attached.

#include <cstdint>

#include <tswap/trace/format.h>

namespace tswap::profiler {

/// Pushes a range on the calling thread; returns whether it did (then pair
/// it with nvtx_pop on the same thread).
bool nvtx_push(trace::EventKind category, std::uint16_t tag, std::uint16_t layer,
               std::uint64_t bytes) noexcept;
void nvtx_pop() noexcept;

/// A range for the lifetime of the object.
class NvtxRange {
 public:
  NvtxRange(trace::EventKind category, std::uint16_t tag, std::uint16_t layer,
            std::uint64_t bytes) noexcept
      : pushed_(nvtx_push(category, tag, layer, bytes)) {}
  ~NvtxRange() {
    if (pushed_) nvtx_pop();
  }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;

 private:
  const bool pushed_;
};

}  // namespace tswap::profiler
