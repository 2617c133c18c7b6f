#pragma once

// A runtime that is not there: each copy runs at once on the calling thread
// (a memcpy) and every event is born complete. Under it the engine pays
// only for itself (its slots, swaps, indexes, tensor aliases, host and
// device buffers), so swap-through-this minus kept is the engine's own
// bookkeeping and allocation per saved tensor, with no stream, no event and
// no copy launch (bench/engine_overhead_bench.cpp).

#include <ATen/ATen.h>

#include <cstring>
#include <memory>
#include <string>

#include <tswap/host_pool.h>
#include <tswap/runtime.h>

namespace tswap_bench {

class InlineRuntime final : public tswap::Runtime {
 public:
  std::string name() const override { return "inline"; }
  bool supports(c10::Device device) const override { return device.is_cpu(); }
  at::Tensor allocate_host(std::size_t nbytes) override { return pool_->allocate(nbytes); }
  tswap::EventPtr copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                               const tswap::CopyLabel&) override {
    return copy(src, dst);
  }
  tswap::EventPtr copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                                 const tswap::CopyLabel&) override {
    return copy(src, dst);
  }
  std::int64_t compute_wait(const tswap::EventPtr&) override { return 0; }

 private:
  struct Done final : tswap::Event {
    bool ready() const override { return true; }
  };

  tswap::EventPtr copy(const at::Tensor& src, const at::Tensor& dst) {
    if (src.is_contiguous() && dst.is_contiguous() && src.nbytes() == dst.nbytes()) {
      std::memcpy(dst.data_ptr(), src.data_ptr(), src.nbytes());
    } else {
      at::NoGradGuard no_grad;
      dst.copy_(src);
    }
    return done_;
  }

  std::shared_ptr<tswap::HostPool> pool_ = tswap::HostPool::create();
  const tswap::EventPtr done_ = std::make_shared<Done>();
};

}  // namespace tswap_bench
