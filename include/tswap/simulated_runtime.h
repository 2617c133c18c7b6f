#pragma once

// A runtime for machines with no accelerator. "Device" tensors are CPU
// tensors; each of the two copy streams is a worker thread that runs its
// queue in order; events complete when the worker reaches them; copies are
// real memory copies. An optional link model (bandwidth, latency) stretches
// each copy so timelines look like a PCIe link's.

#include <tswap/host_pool.h>
#include <tswap/runtime.h>

#include <chrono>
#include <memory>

namespace tswap {

/// The modelled host-device link. Zero means unlimited / none.
struct SimulatedLink {
  double bytes_per_second = 0;          ///< e.g. 25e9 for a PCIe 4 x16 link
  std::chrono::nanoseconds latency{0};  ///< per copy, e.g. 10us
  /// Not the link's: how long an idle stream's worker (and a thread
  /// waiting for a copy) polls before it sleeps. Polling saves the thread
  /// hand-off (a futex wake and a context switch, ~10 us) when copies come
  /// closer together than this; 0 sleeps at once and spends no CPU waiting.
  std::chrono::nanoseconds idle_spin{std::chrono::microseconds(40)};
};

/// See the file comment. The compute stream is the calling thread itself
/// (CPU work is synchronous), so compute_wait blocks the caller.
/// Destruction finishes the queued copies first.
class SimulatedRuntime final : public Runtime {
 public:
  explicit SimulatedRuntime(SimulatedLink link = {});
  ~SimulatedRuntime() override;

  SimulatedRuntime(const SimulatedRuntime&) = delete;
  SimulatedRuntime& operator=(const SimulatedRuntime&) = delete;

  std::string name() const override;
  bool supports(c10::Device device) const override;
  at::Tensor allocate_host(std::size_t nbytes) override;
  EventPtr copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                        const CopyLabel& label) override;
  EventPtr copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                          const CopyLabel& label) override;
  std::int64_t compute_wait(const EventPtr& event) override;
  /// Its workers run the copies and time them on the host.
  trace::CopyTiming copy_timing() const override { return trace::CopyTiming::host; }

  const SimulatedLink& link() const { return link_; }
  HostPoolStats host_pool_stats() const { return pool_->stats(); }
  /// Blocks until both streams have run everything queued so far.
  void synchronize();

 private:
  class Stream;
  SimulatedLink link_;
  std::shared_ptr<HostPool> pool_;
  std::string instance_;  // "sim", "sim#2", ...: names its streams in logs
  std::unique_ptr<Stream> d2h_;
  std::unique_ptr<Stream> h2d_;
};

}  // namespace tswap
