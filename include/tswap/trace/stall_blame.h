#pragma once

// Who caused a stall, as opposed to who waited. Note [Caused stalls]: a
// stall record carries the swap whose copy compute waited for (an unpack
// waiting on its copy back, kFlagWaitH2D; a release in forward waiting on
// its copy out). A copy stream runs its queue in order, so when tags share
// a stream the awaited copy is often late because other swaps' copies were
// queued ahead of it, whether they still run during the wait or ran before
// it and pushed the awaited copy's start past it. The stall's time
// [begin_ns, end_ns) is split by what the wait would have been without them:
//
//  - after the awaited copy's done (the wake): the awaited copy's;
//  - before it, walking back from the awaited copy's start towards its
//    queued time: each copy that held the stream then, for as long as it ran
//    there, the latest first (without it the awaited copy would have started
//    that much sooner); time the stream sat idle meanwhile: the awaited copy's;
//  - what is left, the wait the awaited copy would have caused had it
//    started when it was queued: the awaited copy's.
//
// The awaited copy's tag and layer are the stall's own. With one copy
// ahead this is exactly the wait it added; with several, the ones that ran
// just before the awaited copy are charged first. Each stall's shares sum
// to its waited_ns, so "caused" and "waited" sum to the same total over a
// log. A stall whose copy the log does not hold is all its own; an awaited
// copy that never started queued until the stall's end; one without a
// queued record has no queue time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <tswap/trace/copies.h>
#include <tswap/trace/trace.h>

namespace tswap::trace {

/// Part of one stall charged to one tag and layer (string id and index, as
/// in the records).
struct StallShare {
  std::uint16_t tag = 0;
  std::uint16_t layer = 0;
  std::uint64_t ns = 0;
};

struct BlamedStall {
  Stall stall;
  /// The awaited copy's stream; none when the log holds no copy of that
  /// swap and direction before the stall ended.
  std::optional<std::uint8_t> stream;
  /// By tag and layer, in the order their time came in the stall, each
  /// (tag, layer) once; ns > 0; sum == stall.waited_ns.
  std::vector<StallShare> shares;
};

/// Splits a log's stalls by Note [Caused stalls]. Construct it on the trace
/// (two passes over its events: the stalls, then their copies' queued
/// times), hand take() every copy the walk's CopyPairing hands out, then
/// call finish() once. Holds the stalls and the timed copies that ran while
/// an awaited copy queued or was awaited (at most one entry per event).
/// Not thread-safe; one per walk.
class StallBlame {
 public:
  explicit StallBlame(const Trace& trace);

  void take(const Copy& copy);
  /// Every stall of the log, in its order, with its shares.
  std::vector<BlamedStall> finish();

 private:
  struct Awaited {
    bool known = false;
    std::uint64_t first_ns = 0;  // its queued time, else its start, else its done
    std::uint8_t stream = 0;
    std::optional<std::uint64_t> queued, start, done;
  };
  struct Run {  // a timed copy on a stream that ran while some awaited copy queued or ran
    std::uint64_t start = 0, done = 0;
    std::uint16_t tag = 0, layer = 0;
  };
  struct WaitId {
    SwapKey key;
    CopyDirection direction;
    friend bool operator==(const WaitId& a, const WaitId& b) {
      return a.key == b.key && a.direction == b.direction;
    }
  };
  struct WaitIdHash {
    std::size_t operator()(const WaitId& id) const noexcept {
      return std::hash<SwapKey>()(id.key) * 2 + static_cast<std::size_t>(id.direction);
    }
  };
  void merge_windows(const Trace& trace);
  bool in_some_window(std::uint64_t start, std::uint64_t done) const;
  std::vector<StallShare> split(const Stall& stall, const Awaited& awaited,
                                const std::vector<Run>& runs,
                                const std::vector<std::uint64_t>& done_so_far) const;

  std::vector<Stall> stalls_;
  std::vector<Awaited> awaited_;  // by stall
  std::unordered_map<WaitId, std::vector<std::size_t>, WaitIdHash> waiting_;  // stalls by copy
  // From the first queued record of each stall's copy (or the stall's
  // begin, if earlier) to the stall's end, merged, sorted by begin (so by
  // end too): the times a copy must run in to be charged for some stall.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> windows_;
  std::unordered_map<std::uint8_t, std::vector<Run>> runs_;  // by stream
};

/// The whole walk: every stall of the log with its shares.
std::vector<BlamedStall> blame_stalls(const Trace& trace);

}  // namespace tswap::trace
