#pragma once

// NVTX ranges in the "tensorswap" domain: one category per event kind,
// a registered message "<kind> <tag> L<layer>", the operation's id and
// bytes as payload. They cost a relaxed load when NVTX is off or no tool is
// attached.
//
// Note [Operation ids]: each range pushed carries a process-wide operation
// id (from 1) in its payload, and the log gets an nvtx_range record with the
// same id and the operation's tag, layer, index and step, on the same
// thread: a capture's range is then the log's record with that id, with no
// guessing by time. A session that starts while a tool is attached also
// puts a mark in the domain whose payload is the log header's
// monotonic_start_ns: the capture's time of that mark is the log's time 0,
// and a capture whose marks name another start is of another run.
//
// The payload is an extended one (NVTX's payload extension) of the schema
// "tensorswap operation", {uint64 "operation id", uint64 "bytes"}, static
// id NVTX_PAYLOAD_SCHEMA_ID_STATIC_START + 1, so Nsight shows the bytes by
// name beside the id. A tool without the extension (the schema registers
// as 0), or TSWAP_NVTX_PAYLOAD=classic, gets the id alone as a plain
// uint64: the join needs only the id, and an exporter that drops extended
// payloads would lose it.

#include <cstdint>

#include <tswap/profiler/emit.h>
#include <tswap/trace/format.h>

namespace tswap::profiler {

/// Pushes a range for the operation `op` (its tag, layer, index, step) on
/// the calling thread, with a new operation id and op.value (its bytes) as
/// payload and, while a
/// session records, an nvtx_range record of it; returns whether it pushed
/// (then pair it with nvtx_pop on the same thread).
bool nvtx_push(trace::EventKind category, const Fields& op) noexcept;
void nvtx_pop() noexcept;

/// A range for the lifetime of the object.
class NvtxRange {
 public:
  NvtxRange(trace::EventKind category, const Fields& op) noexcept
      : pushed_(nvtx_push(category, op)) {}
  ~NvtxRange() {
    if (pushed_) nvtx_pop();
  }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;

 private:
  const bool pushed_;
};

}  // namespace tswap::profiler
