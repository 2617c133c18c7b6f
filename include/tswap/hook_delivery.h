#pragma once

// For bindings whose process already owns autograd's default engine.
//
// In a C++ program the engine receives saved tensors by becoming the default
// autograd engine (design.md, "Hooks in pure C++"). Inside a Python process
// the Python engine holds that place, so the Python module delivers the
// hooks itself: it pushes a pack/unpack pair through
// torch.autograd.graph.saved_tensors_hooks whenever one of its scopes is
// entered, and that pack asks the engine here for the slot of the tensor.
// Nothing else needs this header.

#include <memory>

namespace torch::autograd {
struct SavedVariableHooks;
}

namespace tswap::hooks {

/// From now on, contexts no longer make tensorswap's engine the default
/// autograd engine: the caller delivers each saved tensor through
/// hooks_for_this_thread(). Call before the first SwapContext is made;
/// calling it again changes nothing.
void deliver_externally();

/// The hooks for a tensor autograd saves now on the calling thread: a slot
/// of the innermost SwapScope, or null when no scope is active, a
/// NoSwapScope is, or the scope's options are disabled. Exactly what the
/// C++ engine hands to autograd in the same place.
std::unique_ptr<torch::autograd::SavedVariableHooks> hooks_for_this_thread();

}  // namespace tswap::hooks
