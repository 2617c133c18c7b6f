#pragma once

// How the engine receives saved tensors in pure C++: through the default
// autograd engine's get_default_saved_variable_hooks(). See design.md,
// "Hooks in pure C++".

#include <tswap/swap_context.h>

namespace tswap::detail {

/// Makes tensorswap's engine the default autograd engine, once per process.
/// Outside every scope it behaves exactly as LibTorch's own engine (it is
/// one: only the saved-variable hooks differ, and those are null there).
/// Throws if another engine (Python's) already owns the default-engine stub.
void install_autograd_hook();

/// The innermost scope entered on this thread (nullptr: none).
ScopeLink*& active_scope();

/// NoSwapScope objects alive on this thread.
int& no_swap_depth();

}  // namespace tswap::detail
