#include "time_merge.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace tswap::trace {

namespace {

std::uint64_t time_of(const std::uint8_t* record) {
  std::uint64_t t;
  std::memcpy(&t, record + offsetof(Record, host_ns), sizeof t);
  return t;
}

Event event_of(const std::uint8_t* record, std::uint16_t thread) {
  Event e;
  std::memcpy(static_cast<Record*>(&e), record, sizeof(Record));
  e.thread = thread;
  return e;
}

/// Where one thread's run stands: the chunk and the record in it.
struct Cursor {
  const std::vector<const ChunkRecords*>* chunks;
  std::size_t chunk = 0;
  const std::uint8_t* at = nullptr;
  const std::uint8_t* end = nullptr;

  bool done() const { return at == end; }
  std::uint64_t time() const { return time_of(at); }
  void next() {
    at += sizeof(Record);
    while (at == end && ++chunk < chunks->size()) {
      at = (*chunks)[chunk]->records;
      end = at + std::size_t{(*chunks)[chunk]->count} * sizeof(Record);
    }
  }
};

void in_file_order(const std::vector<ChunkRecords>& chunks, std::vector<Event>& out) {
  for (const ChunkRecords& c : chunks) {
    for (std::uint32_t i = 0; i < c.count; ++i) out.push_back(event_of(c.records + i * sizeof(Record), c.thread));
  }
}

}  // namespace

std::vector<Event> merge_by_time(const std::vector<ChunkRecords>& chunks, std::size_t total) {
  std::vector<Event> out;
  out.reserve(total);
  // In time order in the file, in runs per thread, or neither: one pass
  // over the times.
  bool file_sorted = true, runs_sorted = true;
  std::uint64_t last = 0;
  std::unordered_map<std::uint16_t, std::size_t> run_of;
  std::vector<std::vector<const ChunkRecords*>> runs;  // threads in order of first appearance
  std::vector<std::uint64_t> run_last;
  for (const ChunkRecords& c : chunks) {
    if (c.count == 0) continue;
    const auto [it, added] = run_of.try_emplace(c.thread, runs.size());
    if (added) runs.emplace_back(), run_last.push_back(0);
    runs[it->second].push_back(&c);
    std::uint64_t& run_time = run_last[it->second];
    for (std::uint32_t i = 0; i < c.count; ++i) {
      const std::uint64_t t = time_of(c.records + i * sizeof(Record));
      file_sorted = file_sorted && t >= last;
      runs_sorted = runs_sorted && t >= run_time;
      last = run_time = t;
    }
  }
  if (file_sorted || !runs_sorted) {
    in_file_order(chunks, out);
    if (!file_sorted) {
      std::stable_sort(out.begin(), out.end(),
                       [](const Event& a, const Event& b) { return a.host_ns < b.host_ns; });
    }
    return out;
  }
  std::vector<Cursor> cursors;
  for (const auto& run : runs) {
    Cursor c{&run};
    c.at = run.front()->records;
    c.end = c.at + std::size_t{run.front()->count} * sizeof(Record);
    cursors.push_back(c);
  }
  // Earliest head first, the earlier run among equal times. The runs are
  // few (a thread each), so the heads are scanned rather than kept in a
  // heap, and the earliest run hands over every record that stays ahead of
  // the next-earliest head: a block at a time, not one heap step per event.
  for (;;) {
    std::size_t best = cursors.size(), second = cursors.size();
    for (std::size_t r = 0; r < cursors.size(); ++r) {
      if (cursors[r].done()) continue;
      if (best == cursors.size() || cursors[r].time() < cursors[best].time()) {
        second = best;
        best = r;
      } else if (second == cursors.size() || cursors[r].time() < cursors[second].time()) {
        second = r;
      }
    }
    if (best == cursors.size()) break;
    Cursor& c = cursors[best];
    const std::uint16_t thread = (*c.chunks)[c.chunk]->thread;
    if (second == cursors.size()) {
      for (; !c.done(); c.next()) out.push_back(event_of(c.at, thread));
      continue;
    }
    // Ahead of the second head: earlier, or as early from an earlier run.
    const std::uint64_t bound = cursors[second].time();
    const bool wins_ties = best < second;
    do {
      out.push_back(event_of(c.at, thread));
      c.next();
    } while (!c.done() && (c.time() < bound || (wins_ties && c.time() == bound)));
  }
  return out;
}

}  // namespace tswap::trace
