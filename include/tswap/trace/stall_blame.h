#pragma once

// Who caused a stall, as opposed to who waited. Note [Caused stalls]: a
// stall record carries the swap whose copy compute waited for (an unpack
// waiting on its copy back, kFlagWaitH2D; a release waiting on its copy
// out). Copy streams run their queue in order, so when tags share a stream
// the wait is often spent on other swaps' copies queued ahead of the one
// awaited. The stall's time [begin_ns, end_ns) is split:
//
//  - while a copy queued ahead of the awaited one (started no later than it)
//    ran on the awaited copy's stream, to that copy's tag and layer;
//  - while the awaited copy itself ran, to its own tag and layer;
//  - the rest (the stream idle, the awaited copy not started yet, the wake
//    after it was done, a copy queued behind it, a copy the log has no
//    times for) to the awaited copy's tag and layer as well.
//
// Time after the awaited copy's done counts as its own, whatever runs then:
// nothing on its stream can delay it once it is done. Each stall's shares
// sum to its waited_ns exactly, so over a log "caused" and "waited" sum to
// the same total. A stall whose copy the log does not hold (a log cut
// short, a crafted one) is all its own. Where two copies on one stream
// overlap (a crafted log), the earlier started is charged for the overlap.

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
/// (one pass over its events for the stall records), hand take() every copy
/// the walk's CopyPairing hands out, then call finish() once. Holds the
/// stalls and the timed copies that ran during one (at most one entry per
/// event). Not thread-safe; one per walk.
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
    std::optional<std::uint64_t> start, done;
  };
  struct Run {  // a timed copy on a stream that overlaps some stall
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
  bool during_some_stall(std::uint64_t start, std::uint64_t done) const;
  std::vector<StallShare> split(const Stall& stall, const Awaited& awaited,
                                const std::vector<Run>& runs,
                                const std::vector<std::uint64_t>& done_so_far) const;

  std::vector<Stall> stalls_;
  std::vector<Awaited> awaited_;  // by stall
  std::unordered_map<WaitId, std::vector<std::size_t>, WaitIdHash> waiting_;  // stalls by copy
  // The stalls' windows merged, sorted by begin (so by end too): begin, end.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> windows_;
  std::unordered_map<std::uint8_t, std::vector<Run>> runs_;  // by stream
};

/// The whole walk: every stall of the log with its shares.
std::vector<BlamedStall> blame_stalls(const Trace& trace);

}  // namespace tswap::trace
