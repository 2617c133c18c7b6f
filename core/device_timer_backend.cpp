// The device-timing backend of this build, chosen at configure time
// (core/CMakeLists.txt sets TSWAP_DEVICE_TIMER_*), and the allocator probe:
//   TSWAP_DEVICE_TIMER_C10   LibTorch 2.x: c10::Event with timing enabled
//                            (EventFlag::BACKEND_DEFAULT) and elapsedTime
//   TSWAP_DEVICE_TIMER_CUDA  a CUDA build of an older LibTorch (no
//                            elapsedTime): CUDA runtime events on the
//                            stream's native handle
//   neither                  no timing: copies are logged as queued only
// Only CUDA devices are timed: c10::Event cannot time every device type.

#include <tswap/device_timer.h>
#include <tswap/profiler/emit.h>

#include <cmath>

#if TSWAP_DEVICE_TIMER_C10
#include <c10/core/Event.h>
#endif
#if TSWAP_DEVICE_TIMER_CUDA
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif
#if TSWAP_HAVE_CUDA_ALLOCATOR
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace tswap {
namespace {

[[maybe_unused]] std::int64_t ms_to_ns(double ms) {
  return static_cast<std::int64_t>(std::llround(ms * 1e6));
}

#if TSWAP_DEVICE_TIMER_C10

class C10TimingEvent final : public TimingEvent {
 public:
  explicit C10TimingEvent(c10::DeviceType type) : event_(type, c10::EventFlag::BACKEND_DEFAULT) {}
  void record(const c10::Stream& stream) override { event_.record(stream); }
  bool query() const override { return event_.query(); }
  std::int64_t elapsed_ns(const TimingEvent& later) const override {
    return ms_to_ns(event_.elapsedTime(static_cast<const C10TimingEvent&>(later).event_));
  }
  std::int64_t wait_and_read_host_clock() override {
    event_.synchronize();
    return profiler::clock_ns();
  }

 private:
  c10::Event event_;
};

class C10Timer final : public DeviceTimer {
 public:
  explicit C10Timer(c10::DeviceType type) : type_(type) {}
  std::string name() const override { return "c10::Event"; }
  std::unique_ptr<TimingEvent> make_event() override {
    return std::make_unique<C10TimingEvent>(type_);
  }

 private:
  c10::DeviceType type_;
};

#elif TSWAP_DEVICE_TIMER_CUDA

class CudaTimingEvent final : public TimingEvent {
 public:
  explicit CudaTimingEvent(c10::DeviceIndex device) : device_(device) {
    c10::cuda::CUDAGuard guard(device_);
    C10_CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDefault));  // timing on
  }
  ~CudaTimingEvent() override {
    c10::cuda::CUDAGuard guard(device_);
    cudaEventDestroy(event_);
  }
  void record(const c10::Stream& stream) override {
    c10::cuda::CUDAGuard guard(device_);
    C10_CUDA_CHECK(cudaEventRecord(
        event_, c10::cuda::CUDAStream(c10::cuda::CUDAStream::UNCHECKED, stream).stream()));
  }
  bool query() const override {
    const cudaError_t err = cudaEventQuery(event_);
    if (err == cudaSuccess) return true;
    if (err != cudaErrorNotReady) C10_CUDA_CHECK(err);
    (void)cudaGetLastError();  // clear cudaErrorNotReady
    return false;
  }
  std::int64_t elapsed_ns(const TimingEvent& later) const override {
    float ms = 0;
    C10_CUDA_CHECK(
        cudaEventElapsedTime(&ms, event_, static_cast<const CudaTimingEvent&>(later).event_));
    return ms_to_ns(ms);
  }
  std::int64_t wait_and_read_host_clock() override {
    C10_CUDA_CHECK(cudaEventSynchronize(event_));
    return profiler::clock_ns();
  }

 private:
  c10::DeviceIndex device_;
  cudaEvent_t event_ = nullptr;
};

class CudaTimer final : public DeviceTimer {
 public:
  explicit CudaTimer(c10::DeviceIndex device) : device_(device) {}
  std::string name() const override { return "CUDA runtime events"; }
  std::unique_ptr<TimingEvent> make_event() override {
    return std::make_unique<CudaTimingEvent>(device_);
  }

 private:
  c10::DeviceIndex device_;
};

#endif

}  // namespace

std::shared_ptr<DeviceTimer> default_device_timer(c10::Device device) {
  if (!device.is_cuda()) return nullptr;
#if TSWAP_DEVICE_TIMER_C10
  return std::make_shared<C10Timer>(device.type());
#elif TSWAP_DEVICE_TIMER_CUDA
  return std::make_shared<CudaTimer>(device.index());
#else
  return nullptr;
#endif
}

DeviceMemoryProbe default_device_memory_probe(c10::Device device) {
#if TSWAP_HAVE_CUDA_ALLOCATOR
  if (!device.is_cuda()) return {};
  const c10::DeviceIndex index = device.index();
  return [index]() -> std::optional<DeviceMemory> {
    // Element 0 of each statistic array is the aggregate over pool kinds.
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
    return DeviceMemory{static_cast<std::uint64_t>(stats.allocated_bytes[0].current),
                        static_cast<std::uint64_t>(stats.reserved_bytes[0].current)};
  };
#else
  (void)device;
  return {};
#endif
}

}  // namespace tswap
