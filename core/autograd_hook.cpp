#include "autograd_hook.h"

#include <torch/csrc/autograd/engine.h>

#include <mutex>

#include "check.h"
#include "context_state.h"
#include "saved_tensor_slot.h"

namespace tswap::detail {
namespace {

thread_local ScopeLink* t_active_scope = nullptr;
thread_local int t_no_swap_depth = 0;

/// LibTorch's engine, plus saved-tensor hooks while a scope is active on the
/// calling thread. SavedVariable asks the default engine for hooks each time
/// it saves a tensor; with none it keeps the tensor itself, as always.
class SwapAutogradEngine final : public torch::autograd::Engine {
 public:
  ~SwapAutogradEngine() override { stop(); }

  std::unique_ptr<torch::autograd::SavedVariableHooks> get_default_saved_variable_hooks() override {
    const ScopeLink* scope = t_active_scope;
    if (scope == nullptr || t_no_swap_depth > 0) return nullptr;
    const ContextState& context = *scope->context;
    std::shared_ptr<const SwapOptions> options = context.options();
    if (!options->enabled) return nullptr;
    return std::make_unique<SavedTensorSlot>(context.tag, scope->layer, scope->step,
                                             std::move(options));
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

ScopeLink*& active_scope() {
  return t_active_scope;
}

int& no_swap_depth() {
  return t_no_swap_depth;
}

}  // namespace tswap::detail
