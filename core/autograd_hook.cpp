#include "autograd_hook.h"

#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/graph_task.h>

#include <atomic>
#include <mutex>

#include <tswap/hook_delivery.h>

#include "check.h"
#include "context_state.h"
#include "saved_tensor_slot.h"

namespace tswap::detail {
namespace {

thread_local int t_no_swap_depth = 0;
std::atomic<bool> g_external_delivery{false};

/// LibTorch's engine, plus saved-tensor hooks while a scope is active on the
/// calling thread. SavedVariable asks the default engine for hooks each time
/// it saves a tensor; with none it keeps the tensor itself, as always.
class SwapAutogradEngine final : public torch::autograd::Engine {
 public:
  ~SwapAutogradEngine() override { stop(); }

  std::unique_ptr<torch::autograd::SavedVariableHooks> get_default_saved_variable_hooks() override {
    return hooks::hooks_for_this_thread();
  }
};

torch::autograd::Engine& swap_engine() {
  // Never destroyed, like LibTorch's own engines: its worker threads outlive
  // static destruction.
  static auto* engine = new SwapAutogradEngine();
  return *engine;
}

}  // namespace

void install_autograd_hook() {
  if (g_external_delivery.load(std::memory_order_acquire)) return;
  static std::once_flag once;
  std::call_once(once, [] {
    torch::autograd::Engine& current = torch::autograd::Engine::get_default_engine();
    TSWAP_CHECK(&current == &torch::autograd::Engine::get_base_engine(),
                "another autograd engine (the Python one, if this runs inside Python) already "
                "replaced LibTorch's default engine, so the C++ hooks cannot be installed; in "
                "Python, push tensorswap's pack/unpack through "
                "torch.autograd.graph.saved_tensors_hooks instead");
    torch::autograd::set_default_engine_stub(&swap_engine);
  });
}

bool ScopeChain::unlink_locked(ScopeLink& link) {
  for (ScopeLink** at = &top; *at != nullptr; at = &(*at)->outer) {
    if (*at == &link) {
      *at = link.outer;
      return true;
    }
  }
  return false;
}

const std::shared_ptr<ScopeChain>& this_thread_scopes() {
  thread_local const std::shared_ptr<ScopeChain> chain = std::make_shared<ScopeChain>();
  return chain;
}

int& no_swap_depth() {
  return t_no_swap_depth;
}

// Note [Scopes inside backward]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Checkpointing a swapped layer (torch.utils.checkpoint around the layer,
// or C++ code that recomputes forward in a backward node) enters the
// layer's scope again while autograd runs backward on this thread. What
// the recomputation saves is used right away by the same backward: copying
// it out would only make that backward wait for it to come back, and the
// entry would start a new step of the tag in the middle of the old one's
// backward. So a scope entered while this thread runs a graph task is
// inert: its tensors stay with autograd, and it marks no layer or step.
// The engine's current graph task is what tells (thread-local, set on the
// thread that runs backward nodes; inline task_should_compute_output in
// function.h uses it in every LibTorch since 1.x).
bool in_backward() {
  return torch::autograd::get_current_graph_task_exec_info() != nullptr;
}

}  // namespace tswap::detail

namespace tswap::hooks {

void deliver_externally() {
  detail::g_external_delivery.store(true, std::memory_order_release);
}

std::unique_ptr<torch::autograd::SavedVariableHooks> hooks_for_this_thread() {
  using namespace detail;
  if (t_no_swap_depth > 0) return nullptr;
  ScopeChain& chain = *this_thread_scopes();
  // Under the chain's lock: a scope destroyed on another thread waits for
  // it before it unlinks itself and dies (Note [Scope chains]).
  std::unique_lock<std::mutex> lock(chain.mu);
  const ScopeLink* scope = chain.top;
  if (scope == nullptr || scope->context == nullptr) return nullptr;  // none, or inert
  const ContextState& context = *scope->context;
  std::shared_ptr<TagState> tag = context.tag;
  std::shared_ptr<const SwapOptions> options = context.options();
  const int layer = scope->layer;
  const std::uint32_t step = scope->step;
  lock.unlock();
  if (!options->enabled) return nullptr;
  return std::make_unique<SavedTensorSlot>(std::move(tag), layer, step, std::move(options));
}

}  // namespace tswap::hooks
