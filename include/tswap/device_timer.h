#pragma once

// What AcceleratorRuntime needs to say when the device, not the host, ran a
// copy or a layer: timing events on its streams, and its allocator's bytes.
// The build picks the backend for the LibTorch it compiles against
// (default_device_timer()); tests give a fake one whose clock they set.

#include <c10/core/Device.h>
#include <c10/core/Stream.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tswap {

/// One timing event on a device stream. Reused: record() may be called
/// again once an earlier record has been found complete.
class TimingEvent {
 public:
  virtual ~TimingEvent() = default;
  /// Queues the event on `stream`: it completes when the stream gets there.
  /// The hot path: never blocks.
  virtual void record(const c10::Stream& stream) = 0;
  /// True once the stream got past the last record(). Never blocks.
  virtual bool query() const = 0;
  /// Device nanoseconds from this event to `later` (negative when `later`
  /// completed first). Both recorded and complete; they may be on different
  /// streams of the device (an anchor's stream and a copy stream).
  virtual std::int64_t elapsed_ns(const TimingEvent& later) const = 0;
  /// Blocks until the event completes and returns the host's steady clock
  /// (tswap::profiler::clock_ns()) read right after: a clock anchor. Only
  /// the recorder's writer thread and stop_session() call it, never a
  /// training thread.
  virtual std::int64_t wait_and_read_host_clock() = 0;
};

/// Makes timing events for one device.
class DeviceTimer {
 public:
  virtual ~DeviceTimer() = default;
  /// For the log and messages: "c10::Event", "CUDA runtime events", "fake".
  virtual std::string name() const = 0;
  /// Never nullptr. A timer whose calls throw, or that makes no event,
  /// turns device timing off for its runtime (said once on stderr); the
  /// log then holds the host's queueing only from there on.
  virtual std::unique_ptr<TimingEvent> make_event() = 0;
};

/// The timing backend this build has for `device`, chosen at configure
/// time (core/device_timer_backend.cpp): c10::Event with timing on LibTorch
/// 2.x, CUDA runtime events in a CUDA build of an older LibTorch; nullptr
/// where the device cannot time (then logs say copies are not timed).
std::shared_ptr<DeviceTimer> default_device_timer(c10::Device device);

/// What a runtime's device timeline did (AcceleratorRuntime::timing_counters).
struct TimingCounters {
  std::uint64_t events_made = 0;  // timing events ever made: the pool's size
  std::uint64_t pending = 0;      // marks recorded, not yet written
  std::uint64_t resolved = 0;     // device-timed records written
  std::uint64_t anchors = 0;      // clock anchors taken
  std::uint64_t dropped = 0;      // marks left out: their session stopped first, or timing failed
  std::uint64_t implausible = 0;  // marks left out: mapped to a time after they were found complete
  bool failed = false;            // the timer threw or made no event: timing is off for good
};

/// The device allocator's bytes at one moment.
struct DeviceMemory {
  std::uint64_t allocated = 0;  // held by tensors
  std::uint64_t reserved = 0;   // taken from the device by the caching allocator
};
/// Reads them; nullopt where it cannot. Called on the training thread at
/// layer boundaries: must be cheap and never synchronize.
using DeviceMemoryProbe = std::function<std::optional<DeviceMemory>()>;

/// The caching allocator's statistics of `device` in builds against a CUDA
/// LibTorch; an empty function elsewhere.
DeviceMemoryProbe default_device_memory_probe(c10::Device device);

}  // namespace tswap
