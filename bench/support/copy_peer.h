#pragma once

// The minimal peer the engine is measured beside: saved-tensor hooks that
// copy each tensor to host memory on pack and back on unpack, with no
// streams, no scheduling, no release and no prefetch, as PyTorch's
// save_on_cpu() does (packed = empty(...); packed.copy_(t); unpack:
// packed.to(device)). On this CPU-only machine "back to the device" is a
// copy into a fresh tensor, so that the peer, like the engine, really
// copies both ways.
//
// Delivered the way tensorswap's own hooks are (design.md, "Hooks in pure
// C++"): an autograd engine whose get_default_saved_variable_hooks answers
// the peer's hooks while a PeerScope is active on the thread, and
// tensorswap's otherwise. install() must come after tensorswap installed
// its engine (after the first SwapContext was made).

#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/saved_variable_hooks.h>
#include <torch/torch.h>

#include <memory>

#include <tswap/hook_delivery.h>

namespace tswap_bench {

class CopyToHostHooks final : public torch::autograd::SavedVariableHooks {
 public:
  void call_pack_hook(const at::Tensor& tensor) override {
    at::NoGradGuard no_grad;
    host_ = at::empty(tensor.sizes(), tensor.options().device(at::kCPU));
    host_.copy_(tensor);
    device_ = tensor.device();
  }
  at::Tensor call_unpack_hook() override {
    at::NoGradGuard no_grad;
    return at::empty(host_.sizes(), host_.options().device(device_)).copy_(host_);
  }

 private:
  at::Tensor host_;
  c10::Device device_{at::kCPU};
};

inline thread_local bool t_peer_active = false;

/// While alive, what the calling thread saves goes through CopyToHostHooks.
struct PeerScope {
  PeerScope() { t_peer_active = true; }
  ~PeerScope() { t_peer_active = false; }
  PeerScope(const PeerScope&) = delete;
  PeerScope& operator=(const PeerScope&) = delete;
};

class PeerEngine final : public torch::autograd::Engine {
 public:
  std::unique_ptr<torch::autograd::SavedVariableHooks> get_default_saved_variable_hooks() override {
    if (t_peer_active) return std::make_unique<CopyToHostHooks>();
    return tswap::hooks::hooks_for_this_thread();
  }
};

inline void install_peer_engine() {
  // Never destroyed, like LibTorch's engines (their threads outlive statics).
  static auto* engine = new PeerEngine();
  torch::autograd::set_default_engine_stub([]() -> torch::autograd::Engine& { return *engine; });
}

}  // namespace tswap_bench
