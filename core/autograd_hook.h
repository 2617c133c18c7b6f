#pragma once

// How the engine receives saved tensors in pure C++: through the default
// autograd engine's get_default_saved_variable_hooks(). See design.md,
// "Hooks in pure C++".

#include <memory>
#include <mutex>

#include <tswap/swap_context.h>

namespace tswap::detail {

/// Makes tensorswap's engine the default autograd engine, once per process.
/// Outside every scope it behaves exactly as LibTorch's own engine (it is
/// one: only the saved-variable hooks differ, and those are null there).
/// Throws if another engine (Python's) already owns the default-engine stub.
void install_autograd_hook();

// Note [Scope chains]
// ~~~~~~~~~~~~~~~~~~~
// Each thread has one chain of the scopes it entered, innermost first
// (ScopeLink::outer). Pack reads the innermost on its own thread; a scope
// destroyed on another thread (a user error: it was moved into a lambda,
// or owned by an object another thread frees) must still take itself out
// of the chain that points at it, or that thread reads freed memory at its
// next save. So the chain is shared (the scope holds it, and it outlives
// its thread), and its mutex guards `top` and the `outer` of every link in
// it; a thread takes only its own chain's lock on the hot path, uncontended.
struct ScopeChain {
  std::mutex mu;
  ScopeLink* top = nullptr;  // guarded by mu

  /// Takes `link` out wherever it is; false if it is not in this chain.
  bool unlink_locked(ScopeLink& link);
};

/// The scope chain of the calling thread, created on first use.
const std::shared_ptr<ScopeChain>& this_thread_scopes();

/// NoSwapScope objects alive on this thread.
int& no_swap_depth();

/// This thread runs autograd's backward now (Note [Scopes inside backward]).
bool in_backward();

}  // namespace tswap::detail
