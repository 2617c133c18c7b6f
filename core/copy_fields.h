#pragma once

// The record fields of a copy, shared by the runtimes that log their copies.

#include <cstddef>
#include <cstdint>

#include <tswap/profiler/emit.h>
#include <tswap/runtime.h>

namespace tswap::detail {

/// Fields of a copy's queued/start/done records: who it is for, its bytes,
/// the stream it runs on.
inline profiler::Fields copy_fields(const CopyLabel& label, std::uint8_t stream, std::size_t bytes) {
  profiler::Fields f;
  f.tag = label.tag;
  f.layer = label.layer;
  f.index = label.index;
  f.step = label.step;
  f.value = bytes;
  f.stream = stream;
  f.flags = label.prefetch ? trace::kFlagPrefetch : 0;
  return f;
}

}  // namespace tswap::detail
