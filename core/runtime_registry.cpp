#include "runtime_registry.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <atomic>
#include <map>
#include <mutex>

#include <tswap/accelerator_runtime.h>
#include <tswap/profiler.h>
#include <tswap/simulated_runtime.h>

#include "check.h"

namespace tswap {

std::shared_ptr<Runtime> simulated_runtime() {
  // Leaked on purpose: swaps destroyed during static destruction still use it.
  static auto* runtime = new std::shared_ptr<Runtime>(std::make_shared<SimulatedRuntime>());
  return *runtime;
}

namespace {

/// The accelerator runtimes made so far; leaked, as simulated_runtime() is.
struct AcceleratorRuntimes {
  std::mutex mu;
  std::map<std::pair<int, int>, std::shared_ptr<Runtime>> by_device;
  std::atomic<bool> any{false};  // mark_forward's fast path: no lock before the first
};
AcceleratorRuntimes& accelerator_runtimes() {
  static auto* r = new AcceleratorRuntimes();
  return *r;
}

}  // namespace

std::shared_ptr<Runtime> accelerator_runtime(c10::Device device) {
  TSWAP_CHECK(!device.is_cpu(), "accelerator_runtime needs an accelerator device, got ", device,
              " (CPU tensors use the simulated runtime)");
  TSWAP_CHECK(c10::impl::hasDeviceGuardImpl(device.type()),
              "this LibTorch has no stream support for device type ", device.type(),
              "; is it a build for that accelerator?");
  if (!device.has_index()) device = c10::impl::getDeviceGuardImpl(device.type())->getDevice();
  AcceleratorRuntimes& r = accelerator_runtimes();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& slot = r.by_device[{static_cast<int>(device.type()), device.index()}];
  if (!slot) {
    slot = std::make_shared<AcceleratorRuntime>(device);
    r.any.store(true);
  }
  return slot;
}

namespace detail {

namespace {

/// Names the device of the first swap in the log's header, for sessions
/// that were given none (TSWAP_LOG's) and unless the program named it
/// (suggest_device): one atomic load per swap after that.
/// A process that swaps on two devices is named by the first.
void announce_device(const std::shared_ptr<Runtime>& runtime, c10::Device device) {
  static std::atomic<bool> announced{false};
  if (announced.load(std::memory_order_relaxed) || announced.exchange(true)) return;
  profiler::suggest_device(device.str() + " (" + runtime->name() + ")");
  profiler::set_copy_timing(static_cast<std::uint8_t>(runtime->copy_timing()));
}

}  // namespace

std::shared_ptr<Runtime> runtime_for(const at::Tensor& tensor, const SwapOptions& options) {
  std::shared_ptr<Runtime> runtime =
      options.runtime        ? options.runtime
      : tensor.is_cpu()      ? simulated_runtime()
                             : accelerator_runtime(tensor.device());
  announce_device(runtime, tensor.device());
  return runtime;
}

void mark_forward(const SwapOptions& options, const ComputeMark& mark) {
  if (options.runtime) {
    options.runtime->mark_compute(mark);
    return;
  }
  AcceleratorRuntimes& r = accelerator_runtimes();
  if (!r.any.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(r.mu);
  for (auto& [device, runtime] : r.by_device) runtime->mark_compute(mark);
}

}  // namespace detail
}  // namespace tswap
