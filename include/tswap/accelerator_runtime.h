#pragma once

// The runtime for real accelerators, on c10's device-generic API: streams
// from the device's pool, c10::Event for ordering, Tensor::copy_ with
// non_blocking under a stream guard. It compiles against any LibTorch and
// runs on whatever device type LibTorch was built with (CUDA, ...).

#include <tswap/device_timer.h>
#include <tswap/runtime.h>
#include <tswap/trace/format.h>

#include <c10/core/Stream.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace tswap {

namespace detail {
class DeviceTimeline;
class EventPool;
class OrderingEvent;
}  // namespace detail

/// Returns a host buffer of the given size (uint8, 1-D) for copies out.
using HostAllocator = std::function<at::Tensor(std::size_t nbytes)>;

/// What an AcceleratorRuntime is made with. Empty members take the build's
/// defaults.
struct AcceleratorOptions {
  /// Host buffers for copies out; default LibTorch's caching pinned-memory
  /// allocator (a pool reused across steps) on CUDA, plain host memory on
  /// other devices (LibTorch pins memory for CUDA only).
  HostAllocator host_allocator;
  /// Timing events for device-timed copies and layers; default
  /// default_device_timer(device). With none (and no default: a device that
  /// cannot time) only the host's queueing is logged.
  std::shared_ptr<DeviceTimer> timer;
  bool time_device = true;  // false: no timing events, even where the device can time
  /// The allocator's bytes at layer boundaries; default
  /// default_device_memory_probe(device).
  DeviceMemoryProbe memory_probe;
  bool sample_memory = true;  // false: no allocator samples
  /// How often the device clock is anchored against the host's again.
  std::int64_t reanchor_ns = 1'000'000'000;
  /// The most timing marks waiting to be written: past it, marks are
  /// dropped (counted, said once) until the writer catches up, so a device
  /// or writer far behind cannot grow the pool without bound.
  std::size_t max_pending_marks = 1 << 16;
};

/// See the file comment. The device-to-host and host-to-device streams are
/// taken from the device's stream pool at construction.
///
/// Memory safety (Note [Release ordering], core/storage_swap.cpp): a device
/// buffer read or written by a copy is recorded on the copy's stream, so the
/// caching allocator does not reuse it before the copy is done, whoever
/// drops it first.
class AcceleratorRuntime final : public Runtime {
 public:
  /// Streams and events on `device`. Host buffers come from
  /// `host_allocator`, by default as AcceleratorOptions::host_allocator says.
  /// Throws (c10::Error) for a CPU device or a device type this LibTorch has
  /// no streams for.
  explicit AcceleratorRuntime(c10::Device device, HostAllocator host_allocator = {});
  AcceleratorRuntime(c10::Device device, AcceleratorOptions options);
  ~AcceleratorRuntime() override;

  std::string name() const override;
  bool supports(c10::Device device) const override;
  at::Tensor allocate_host(std::size_t nbytes) override;
  EventPtr copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                        const CopyLabel& label) override;
  EventPtr copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                          const CopyLabel& label) override;
  std::int64_t compute_wait(const EventPtr& event) override;
  trace::CopyTiming copy_timing() const override;
  void mark_compute(const ComputeMark& mark) override;

  c10::Device device() const { return device_; }
  c10::Stream d2h_stream() const { return d2h_; }
  c10::Stream h2d_stream() const { return h2d_; }
  /// Device timing (Note [Device timeline], core/device_timeline.cpp), for
  /// tests and benchmarks: what the recorder's writer thread does before
  /// each flush (write the records of the timing events found complete;
  /// never waits but for a clock anchor), its counters, and the stream
  /// clock anchors go on. All zero, and no stream, when copies are not timed.
  void resolve_timing();
  TimingCounters timing_counters() const;
  std::optional<c10::Stream> anchor_stream() const;
  /// Completion events made so far: copies reuse them once nobody holds
  /// them (core/event_pool.h), so this stays at the most held at once.
  std::size_t events_made() const;

 private:
  EventPtr copy_on(const c10::Stream& stream, const at::Tensor& src, const at::Tensor& dst,
                   const at::Tensor& device_side, const CopyLabel& label, trace::EventKind queued,
                   std::uint8_t stream_id);
  /// The log's id of the compute stream `stream` ("cuda:0 compute (stream 0)").
  std::uint8_t compute_stream_id(const c10::Stream& stream);

  c10::Device device_;
  c10::impl::VirtualGuardImpl guard_;
  c10::Stream d2h_;
  c10::Stream h2d_;
  HostAllocator host_allocator_;
  std::uint8_t d2h_id_;  // the streams' ids in logs
  std::uint8_t h2d_id_;
  std::shared_ptr<detail::EventPool> events_;
  std::unique_ptr<detail::OrderingEvent> d2h_ordering_;  // core/event_pool.h
  std::unique_ptr<detail::OrderingEvent> h2d_ordering_;
  DeviceMemoryProbe memory_probe_;
  std::unique_ptr<detail::DeviceTimeline> timeline_;
  std::mutex compute_ids_mu_;
  std::map<c10::StreamId, std::uint8_t> compute_ids_;  // guarded by compute_ids_mu_
};

}  // namespace tswap
