#pragma once

// The device operations the engine needs, behind one small interface. The
// engine never calls CUDA itself: a Runtime queues its copies on streams and
// orders them with events. Two implementations: AcceleratorRuntime (c10's
// device-generic streams and events) and SimulatedRuntime (worker threads
// standing in for streams, for machines without an accelerator).

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <tswap/trace/format.h>

namespace tswap {

/// Who a copy is for, so that runtimes can record its queued, start and
/// done events (ids from tswap::profiler::intern_tag).
struct CopyLabel {
  std::uint16_t tag = 0;
  std::uint16_t layer = 0;
  std::uint32_t index = 0;  // the swap's first key index in its layer
  std::uint32_t step = 0;
  bool prefetch = false;  // a copy back queued ahead by prefetch
};

/// A boundary of a layer's work that the log marks: its forward begins or
/// ends (layer_enter, layer_exit), its backward begins or ends
/// (backward_enter, backward_exit).
struct ComputeMark {
  trace::EventKind kind = trace::EventKind::layer_enter;
  std::uint16_t tag = 0;
  std::uint16_t layer = 0;
  std::uint32_t step = 0;
};

/// A point in one stream's queued work, reached once the stream got past it.
/// Made by a Runtime and meaningful only to the runtime that made it.
class Event {
 public:
  virtual ~Event() = default;
  /// True once the work before the event is done. Never blocks.
  virtual bool ready() const = 0;
};
using EventPtr = std::shared_ptr<const Event>;

/// Streams, events and copies for one device. A runtime records each copy
/// it queues (d2h_queued/h2d_queued, and start/done where it can time them)
/// on streams it names with tswap::profiler::intern_stream.
///
/// "Compute stream" means the stream the calling thread's work runs on now:
/// the forward thread's in pack, the autograd worker's in unpack. Every
/// member may be called from any thread.
class Runtime {
 public:
  virtual ~Runtime() = default;

  /// Short name for messages ("simulated", "accelerator cuda:0").
  virtual std::string name() const = 0;

  /// Whether tensors on `device` can go through this runtime.
  virtual bool supports(c10::Device device) const = 0;

  /// A host buffer of `nbytes` bytes (uint8, 1-D) for copies out. Pinned
  /// where the device needs it; reused across steps.
  virtual at::Tensor allocate_host(std::size_t nbytes) = 0;

  /// Queues dst.copy_(src) on the device-to-host stream, after all the work
  /// the compute stream has queued so far. `src` is on the device, `dst` on
  /// the host, same sizes and dtype. Both stay valid for the copy even if the
  /// caller drops them. Returns the copy's completion.
  virtual EventPtr copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                                const CopyLabel& label) = 0;

  /// Queues dst.copy_(src) on the host-to-device stream, after the compute
  /// stream's work so far (`dst` may reuse memory compute just freed).
  virtual EventPtr copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                                  const CopyLabel& label) = 0;

  /// Makes the compute stream wait for `event`. Returns the nanoseconds the
  /// calling thread itself blocked: 0 where the wait is queued on the device.
  virtual std::int64_t compute_wait(const EventPtr& event) = 0;

  /// Who times this runtime's copies (the log header's copy_timing).
  virtual trace::CopyTiming copy_timing() const { return trace::CopyTiming::none; }

  /// The engine passes a layer boundary on the calling thread (the host
  /// side of it is already in the log). A runtime that can time its device
  /// records when the compute stream gets there, and may sample the
  /// device's memory; the default does nothing. Called once per boundary,
  /// never per tensor; must not block.
  virtual void mark_compute(const ComputeMark& mark) { (void)mark; }
};

/// The process-wide simulated runtime used for CPU tensors when options name
/// none (unlimited bandwidth, no latency).
std::shared_ptr<Runtime> simulated_runtime();

/// The accelerator runtime of `device` (one per device, made on first use).
/// Throws if LibTorch has no stream support for that device type.
std::shared_ptr<Runtime> accelerator_runtime(c10::Device device);

}  // namespace tswap
