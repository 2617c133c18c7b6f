#pragma once

// The device's side of the log: timing events recorded on its streams as
// copies and layers are queued, turned into device-timed records once they
// complete, off the training thread (Note [Device timeline]).

#include <c10/core/Stream.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <tswap/device_timer.h>
#include <tswap/profiler/emit.h>

namespace tswap::detail {

class DeviceTimeline {
 public:
  /// Anchors are timing events on `anchor_stream` (one no training work
  /// runs on, so an anchor completes as soon as it is recorded), named
  /// `anchor_stream_id` in logs, taken again every `reanchor_ns` of host
  /// time. Registers a flush hook with the recorder.
  DeviceTimeline(std::shared_ptr<DeviceTimer> timer, c10::Stream anchor_stream,
                 std::uint8_t anchor_stream_id, std::int64_t reanchor_ns = 1'000'000'000,
                 std::string owner = "a runtime", std::size_t max_pending = 1 << 16);
  ~DeviceTimeline();
  DeviceTimeline(const DeviceTimeline&) = delete;
  DeviceTimeline& operator=(const DeviceTimeline&) = delete;

  /// The hot path: records a timing event on `stream` now. Once the stream
  /// gets there it becomes a `kind` record with `fields` and
  /// kFlagDeviceTime, at the device's time on the log's clock. Nothing while
  /// no session records.
  void mark(const c10::Stream& stream, trace::EventKind kind, const profiler::Fields& fields);

  /// Writes the records of the marks found complete (the recorder's flush
  /// hook calls it): anchors first when the session is new or the last
  /// anchor is old. `final` (the session stops): waits for the rest.
  void resolve(bool final);

  using Counters = TimingCounters;
  Counters counters() const;
  const c10::Stream& anchor_stream() const { return anchor_stream_; }

  const std::string& timer_name() const { return timer_name_; }
  /// The timer failed (threw, made no event): marks are no longer made.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    std::unique_ptr<TimingEvent> event;
    trace::EventKind kind;
    profiler::Fields fields;
    std::uint64_t session;  // profiler::session_number() when recorded
  };
  std::unique_ptr<TimingEvent> take_event_locked();
  /// Turns timing off for good and says why, once.
  void fail(const std::string& why);
  /// A mark's time on the host's clock, or nothing when it cannot be right.
  bool plausible(std::int64_t host_ns, std::int64_t now_ns);
  void give_back(std::unique_ptr<TimingEvent> event);
  void anchor(bool first_of_session);
  void resolve_locked(bool final);

  const std::shared_ptr<DeviceTimer> timer_;
  const std::string timer_name_;
  const c10::Stream anchor_stream_;
  const std::uint8_t anchor_stream_id_;
  const std::int64_t reanchor_ns_;
  const std::string owner_;  // for messages: "accelerator cuda:0"
  const std::size_t max_pending_;
  std::atomic<bool> warned_behind_{false};
  std::atomic<bool> failed_{false};
  std::atomic<bool> warned_implausible_{false};

  mutable std::mutex mu_;  // guards pool_, pending_ and the counters
  std::vector<std::unique_ptr<TimingEvent>> pool_;
  std::vector<Pending> pending_;  // in recording order
  Counters counters_;

  // resolve() only (calls are serialized by resolve_mu_).
  std::mutex resolve_mu_;
  std::unique_ptr<TimingEvent> anchor_event_;
  std::uint64_t anchor_session_ = 0;
  std::int64_t anchor_host_ns_ = 0;     // host clock read when anchor_event_ completed
  std::uint64_t anchor_device_ns_ = 0;  // its device time since the session's first anchor
  std::uint32_t anchor_number_ = 0;
  std::int64_t anchored_at_ns_ = 0;  // clock_ns() after the last anchor: when to take the next

  std::uint64_t hook_ = 0;
};

}  // namespace tswap::detail
