#pragma once

// Putting a log's records in time order as they become Trace::events(),
// straight from where the reader found them (the mapped file): each event is
// written once, into a vector allocated once, with no copy of every record
// in file order first. Internal to the reader (profiler/trace/reader.cpp).

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::trace {

/// One records chunk: `count` records (validated) at `records`, recorded by
/// `thread`. The bytes stay valid until merge_by_time returns.
struct ChunkRecords {
  const std::uint8_t* records;
  std::uint32_t count;
  std::uint16_t thread;
};

/// The chunks' records as events sorted by host time, ties in the order
/// they were written. Each thread's chunks, in file order, form one run in
/// time order (the recorder's per-thread buffers), so a k-way merge of the
/// runs sorts them, the earlier-appearing thread first among equal times; a
/// log already in time order in the file stays in file order, and one whose
/// thread runs are not in time order (an unusual writer) is sorted stably.
/// `total`: the records in all chunks.
std::vector<Event> merge_by_time(const std::vector<ChunkRecords>& chunks, std::size_t total);

}  // namespace tswap::trace
