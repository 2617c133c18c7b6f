#include <tswap/accelerator_runtime.h>

#include <ATen/Functions.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/Event.h>
#include <c10/core/StreamGuard.h>

#include <sstream>

#include <tswap/profiler/emit.h>
#include <tswap/profiler/nvtx.h>

#include "check.h"
#include "copy_fields.h"
#include "device_timeline.h"
#include "event_pool.h"
#include "stream_names.h"

namespace tswap {
namespace {

at::Tensor pinned_host_buffer(std::size_t nbytes) {
  // LibTorch's caching host allocator: a pool of pinned blocks, reused once
  // the events recorded by the copies that used them have completed.
  return at::empty({static_cast<std::int64_t>(nbytes)},
                   at::TensorOptions().dtype(at::kByte).pinned_memory(true));
}

at::Tensor plain_host_buffer(std::size_t nbytes) {
  return at::empty({static_cast<std::int64_t>(nbytes)}, at::kByte);
}

/// LibTorch pins host memory for CUDA (and HIP, which it presents as CUDA)
/// only: any other device gets plain host buffers unless the caller gives
/// an allocator, instead of a pinned_memory error in the middle of forward.
HostAllocator default_host_allocator(c10::Device device) {
  if (device.is_cuda()) return pinned_host_buffer;
  return plain_host_buffer;
}

/// "cuda:0 d2h (stream 3)": how the log and tswap-log name a copy stream.
std::string stream_name(const char* direction, const c10::Stream& stream) {
  std::ostringstream out;
  out << stream.device() << " " << direction << " (stream " << stream.id() << ")";
  return out.str();
}

c10::Device with_index(c10::Device device) {
  TSWAP_CHECK(!device.is_cpu(), "AcceleratorRuntime needs an accelerator device, got ", device);
  TSWAP_CHECK(c10::impl::hasDeviceGuardImpl(device.type()),
              "AcceleratorRuntime: this LibTorch has no stream support for device type ",
              device.type(), "; is it a build for that accelerator? (tensorswap ",
              "needs LibTorch's streams and events for it)");
  if (device.has_index()) return device;
  return c10::impl::getDeviceGuardImpl(device.type())->getDevice();
}

}  // namespace

AcceleratorRuntime::AcceleratorRuntime(c10::Device device, HostAllocator host_allocator)
    : AcceleratorRuntime(device, [&] {
        AcceleratorOptions options;
        options.host_allocator = std::move(host_allocator);
        return options;
      }()) {}

AcceleratorRuntime::AcceleratorRuntime(c10::Device device, AcceleratorOptions options)
    : device_(with_index(device)),
      guard_(device_.type()),
      d2h_(guard_.getStreamFromGlobalPool(device_)),
      h2d_(guard_.getStreamFromGlobalPool(device_)),
      host_allocator_(options.host_allocator ? std::move(options.host_allocator)
                                             : default_host_allocator(device_)),
      d2h_id_(profiler::intern_stream(stream_name("d2h", d2h_))),
      h2d_id_(profiler::intern_stream(stream_name("h2d", h2d_))),
      events_(std::make_shared<detail::EventPool>(device_.type())),
      d2h_ordering_(std::make_unique<detail::OrderingEvent>(device_.type())),
      h2d_ordering_(std::make_unique<detail::OrderingEvent>(device_.type())) {
  TSWAP_CHECK(d2h_ != h2d_, "the stream pool of ", device_,
              " gave one stream for both copy directions");
  detail::name_copy_stream(d2h_, "tswap " + stream_name("d2h", d2h_));
  detail::name_copy_stream(h2d_, "tswap " + stream_name("h2d", h2d_));
  if (options.sample_memory) {
    memory_probe_ = options.memory_probe ? std::move(options.memory_probe)
                                         : default_device_memory_probe(device_);
  }
  TSWAP_CHECK(options.reanchor_ns >= 0, "AcceleratorOptions::reanchor_ns must be 0 (anchor at ",
              "every flush) or more, got ", options.reanchor_ns);
  // time_device = false wins over a timer given: no timing events at all.
  std::shared_ptr<DeviceTimer> timer;
  if (options.time_device) timer = options.timer ? options.timer : default_device_timer(device_);
  if (timer) {
    // Anchors go on a stream of their own: nothing queued ahead of them, so
    // each completes as soon as it is recorded (Note [Device timeline]).
    const c10::Stream anchor = guard_.getStreamFromGlobalPool(device_);
    timeline_ = std::make_unique<detail::DeviceTimeline>(
        std::move(timer), anchor, profiler::intern_stream(stream_name("clock", anchor)),
        options.reanchor_ns, name(), options.max_pending_marks);
  }
}

AcceleratorRuntime::~AcceleratorRuntime() = default;

std::string AcceleratorRuntime::name() const {
  std::ostringstream out;
  out << "accelerator " << device_;
  return out.str();
}

bool AcceleratorRuntime::supports(c10::Device device) const {
  // CPU tensors work too (their copies are synchronous): the control-flow
  // tests drive this runtime with CPU tensors on a fake device's streams.
  return device == device_ || device.is_cpu();
}

at::Tensor AcceleratorRuntime::allocate_host(std::size_t nbytes) {
  return host_allocator_(nbytes);
}

EventPtr AcceleratorRuntime::copy_on(const c10::Stream& stream, const at::Tensor& src,
                                     const at::Tensor& dst, const at::Tensor& device_side,
                                     const CopyLabel& label, trace::EventKind queued,
                                     std::uint8_t stream_id) {
  // The copy runs on the device, out of the host's sight: the log gets its
  // queueing now, and its start and end once the device timeline resolves
  // them (Nsight Systems shows the copy itself on the named stream).
  profiler::emit(queued, detail::copy_fields(label, stream_id, dst.nbytes()));
  profiler::NvtxRange range(queued, detail::copy_fields(label, stream_id, dst.nbytes()));
  // The copy stream starts after everything compute has queued so far.
  (stream == d2h_ ? *d2h_ordering_ : *h2d_ordering_).order_after(guard_.getStream(device_), stream);
  // Timing events right before and after the copy, past the wait for
  // compute: the device's start and end of the copy itself.
  const profiler::Fields fields = detail::copy_fields(label, stream_id, dst.nbytes());
  const auto start = static_cast<trace::EventKind>(static_cast<std::uint8_t>(queued) + 1);
  const auto end = static_cast<trace::EventKind>(static_cast<std::uint8_t>(queued) + 2);
  if (timeline_) timeline_->mark(stream, start, fields);
  {
    c10::StreamGuard on_copy_stream(stream);
    at::NoGradGuard no_grad;
    dst.copy_(src, /*non_blocking=*/true);
  }
  if (timeline_) timeline_->mark(stream, end, fields);
  // Note [Release ordering], rule 2.
  guard_.recordDataPtrOnStream(device_side.storage().data_ptr(), stream);
  return events_->record(stream);
}

EventPtr AcceleratorRuntime::copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                                          const CopyLabel& label) {
  return copy_on(d2h_, src, dst, src, label, trace::EventKind::d2h_queued, d2h_id_);
}

EventPtr AcceleratorRuntime::copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                                            const CopyLabel& label) {
  return copy_on(h2d_, src, dst, dst, label, trace::EventKind::h2d_queued, h2d_id_);
}

std::size_t AcceleratorRuntime::events_made() const {
  return events_->made();
}

std::int64_t AcceleratorRuntime::compute_wait(const EventPtr& event) {
  const auto* accelerator = dynamic_cast<const detail::PooledEvent*>(event.get());
  TSWAP_CHECK(accelerator != nullptr,
              "AcceleratorRuntime::compute_wait got an event of another runtime");
  accelerator->block(guard_.getStream(device_));
  return 0;
}

void AcceleratorRuntime::resolve_timing() {
  if (timeline_) timeline_->resolve(/*final=*/false);
}

TimingCounters AcceleratorRuntime::timing_counters() const {
  return timeline_ ? timeline_->counters() : TimingCounters{};
}

std::optional<c10::Stream> AcceleratorRuntime::anchor_stream() const {
  if (!timeline_) return std::nullopt;
  return timeline_->anchor_stream();
}

trace::CopyTiming AcceleratorRuntime::copy_timing() const {
  return timeline_ && !timeline_->failed() ? trace::CopyTiming::device : trace::CopyTiming::none;
}

std::uint8_t AcceleratorRuntime::compute_stream_id(const c10::Stream& stream) {
  std::lock_guard<std::mutex> lock(compute_ids_mu_);
  const auto it = compute_ids_.find(stream.id());
  if (it != compute_ids_.end()) return it->second;
  const std::uint8_t id = profiler::intern_stream(stream_name("compute", stream));
  compute_ids_.emplace(stream.id(), id);
  return id;
}

void AcceleratorRuntime::mark_compute(const ComputeMark& mark) {
  if (!profiler::recording()) return;
  profiler::Fields f;
  f.tag = mark.tag;
  f.layer = mark.layer;
  f.step = mark.step;
  if (memory_probe_) {
    // At the host's boundary: the allocator's bytes once the host queued
    // the layer's work (allocation happens when work is queued, not run).
    if (const std::optional<DeviceMemory> m = memory_probe_()) {
      f.value = m->allocated;
      profiler::emit(trace::EventKind::device_allocated, f);
      f.value = m->reserved;
      profiler::emit(trace::EventKind::device_reserved, f);
      f.value = 0;
    }
  }
  if (timeline_) {
    const c10::Stream compute = guard_.getStream(device_);
    f.stream = compute_stream_id(compute);
    timeline_->mark(compute, mark.kind, f);
  }
}

}  // namespace tswap
