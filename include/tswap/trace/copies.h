#pragma once

// Copies and stalls, paired once for every tool. Note [Copy pairing]: a
// swap's copy out (or back) is up to three records: queued by the host
// (d2h_queued / h2d_queued), started and done on its stream (d2h_start /
// d2h_done, ...). Who wrote the last two depends on the runtime
// (FileHeader::copy_timing): the simulated runtime's copy threads at host
// time; the accelerator's writer thread, late and in any order, at device
// time (kFlagDeviceTime); an accelerator that cannot time writes neither.
// A start pairs with the done of the same swap, direction and time source,
// never by thread. CopyPairing walks a log's events in order and hands out
// each copy when it is complete, holding only the copies in flight: the
// summary, check, the exports and the viewer's timeline all ask it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include <tswap/trace/swap_key.h>
#include <tswap/trace/trace.h>

namespace tswap::trace {

/// Who measured a record's time.
enum class TimeSource : std::uint8_t {
  host,    // the host's steady clock when the record was made
  device,  // a timing event on the device's stream, mapped onto the log's clock
};
inline TimeSource time_source(const Record& r) {
  return (r.flags & kFlagDeviceTime) ? TimeSource::device : TimeSource::host;
}
const char* to_string(TimeSource source);  // "host", "device"

enum class CopyDirection : std::uint8_t {
  out,   // device to host (d2h_*)
  back,  // host to device (h2d_*)
};

/// One time of a copy and the event it was read from.
struct CopyTime {
  std::uint64_t ns = 0;
  TimeSource source = TimeSource::host;
  std::size_t event = 0;  // index in Trace::events()
};

/// One copy of one swap, as far as the log knows it. Any of the three times
/// may be missing: queued only (a device that cannot time), a start without
/// its done or a done without its start (a log cut short, a crafted one).
struct Copy {
  SwapKey key;
  CopyDirection direction = CopyDirection::out;
  std::uint64_t bytes = 0;    // the first record's value
  bool prefetch = false;      // back only: queued ahead by prefetch (kFlagPrefetch)
  std::uint8_t stream = 0;    // the stream it ran on (start/done), else the one it was queued on
  std::optional<CopyTime> queued, start, done;

  /// Start and done both known (of one time source, by construction).
  bool timed() const { return start.has_value() && done.has_value(); }
  /// done - start when timed, never negative (0 when a crafted done precedes its start).
  std::optional<std::uint64_t> duration_ns() const;
  /// Who timed start and done; for an untimed copy, its queued time's source.
  TimeSource source() const;
  /// The index of the latest event it was read from (the one that completed it).
  std::size_t last_event() const;
};

/// Compute waiting on a copy (a stall record).
struct Stall {
  SwapKey key;
  CopyDirection direction = CopyDirection::out;  // kFlagWaitH2D: a copy back
  std::uint64_t begin_ns = 0;  // end_ns - waited_ns, 0 at least
  std::uint64_t end_ns = 0;    // the record's time: when the wait ended
  std::uint64_t waited_ns = 0;
  std::size_t event = 0;  // index in Trace::events()
};
Stall stall_of(const Event& e, std::size_t index);

/// Pairs a log's copy records, event by event. Feed take() every event of
/// the trace in order (index 0, 1, ...), then call finish() once. Copies are
/// handed to `on_copy` as soon as they are complete (at their done, or at
/// their queued record where the log has no copy timing) and at finish()
/// for those the log ends before (queued only, started only), in the order
/// of their first event. Memory: the copies in flight, never the log.
/// Not thread-safe; one per walk.
class CopyPairing {
 public:
  using OnCopy = std::function<void(const Copy&)>;
  using OnStall = std::function<void(const Stall&)>;

  /// Reads the header's copy timing, and for a version 1 log (timing
  /// unknown) whether it holds any copy start or done at all, once.
  explicit CopyPairing(const Trace& trace);

  void take(std::size_t index, const OnCopy& on_copy, const OnStall& on_stall = {});
  void finish(const OnCopy& on_copy);

  /// Copies started or queued and not yet handed out.
  std::size_t in_flight() const { return queued_.size() + running_.size(); }
  /// Whether the log times copies in `direction` (a queued copy then waits for its start).
  bool timed(CopyDirection direction) const { return timed_[static_cast<int>(direction)]; }

 private:
  struct Id {
    SwapKey key;
    CopyDirection direction;
    TimeSource source;
    friend bool operator==(const Id& a, const Id& b) {
      return a.key == b.key && a.direction == b.direction && a.source == b.source;
    }
  };
  struct IdHash {
    std::size_t operator()(const Id& id) const noexcept {
      return std::hash<SwapKey>()(id.key) * 4 + static_cast<std::size_t>(id.direction) * 2 +
             static_cast<std::size_t>(id.source);
    }
  };
  void start(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy);
  void done(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy);
  void queued(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy);

  using Map = std::unordered_map<Id, Copy, IdHash>;
  /// Files `c` under `id` in `m`, in a node from spare_ where there is one.
  void put(Map& m, const Id& id, Copy c);
  /// Takes `it` out of `m`, keeping its node for put().
  void recycle(Map& m, Map::iterator it);

  const Trace& trace_;
  bool timed_[2] = {true, true};
  // Queued copies waiting for their start, by swap and direction (source host).
  Map queued_;
  // Started copies waiting for their done, by swap, direction and time source.
  Map running_;
  // Nodes of copies paired: every copy passes through both maps, and
  // allocating and freeing a node at each step was a fifth of the pairing's
  // time on a log of millions of copies. At most kSpareNodes are kept.
  static constexpr std::size_t kSpareNodes = 64;
  std::vector<Map::node_type> spare_;
};

/// Walks the whole log: every copy (as CopyPairing hands them out) and
/// every stall, in one pass.
void for_each_copy(const Trace& trace, const CopyPairing::OnCopy& on_copy,
                   const CopyPairing::OnStall& on_stall = {});

}  // namespace tswap::trace
