#pragma once

// Marking layers and scoping their forward: the two types a user touches.
//
//   struct Block : torch::nn::Module {
//     tswap::SwapContext swap{"model.layer.*"};   // one per layer instance
//     torch::Tensor forward(torch::Tensor x) {
//       tswap::SwapScope scope(swap);              // saved tensors in here are swapped
//       ...
//     }
//   };

#include <cstdint>
#include <memory>
#include <string>

#include <tswap/options.h>

namespace tswap {

namespace detail {
struct ContextState;
struct ScopeChain;
struct ScopeLink {
  ContextState* context = nullptr;
  ScopeLink* outer = nullptr;
  int layer = 0;           // the layer's place in its tag's step (Note [Layers in run order])
  std::uint32_t step = 0;  // the tag's step the scope entered
};
}  // namespace detail

/// One layer instance under a module tag.
///
/// The tag is a pattern in which `*` stands for the layer index
/// ("model.layer.*", "model.layer.*.mlp"). Each tag has its own step,
/// schedule and counters. In a step, the tag's layers are numbered in the
/// order their scopes are entered (0, 1, ...): that number is the layer of
/// the log and of the swap schedule, whatever order the contexts were
/// created in. A context entered a second time starts the tag's next step.
/// The tag's last layer of the previous step stays on the device (in the
/// first step: layer N-1, N the number of live contexts). See
/// docs/engine.md, "Layer numbering".
///
/// Owns its layer index until destroyed. Not copyable or movable: the index
/// belongs to one layer instance. Construct and destroy from any thread.
class SwapContext {
 public:
  /// Uses the process-wide default_options() in effect when tensors are saved.
  explicit SwapContext(std::string module_tag);
  /// Uses `options` for every scope of this context.
  SwapContext(std::string module_tag, SwapOptions options);
  ~SwapContext();

  SwapContext(const SwapContext&) = delete;
  SwapContext& operator=(const SwapContext&) = delete;
  SwapContext(SwapContext&&) = delete;
  SwapContext& operator=(SwapContext&&) = delete;

  const std::string& module_tag() const;
  /// This context's index among the live contexts of its tag, in creation
  /// order (the lowest free one). Logs number layers by run order instead;
  /// the two agree when forward calls the layers in the order it built them.
  int layer() const;

 private:
  friend class SwapScope;
  std::shared_ptr<detail::ContextState> state_;
};

/// While alive, every tensor autograd saves for backward on this thread is
/// handed to the engine under the context's tag and layer. The innermost
/// scope owns what is saved inside it. RAII, exception-safe: a scope left by
/// an exception ends the tag's step, so the next forward starts a new one.
///
/// Lives on one thread, on the stack: copy and move are deleted because the
/// thread's scope chain points at it. Destroyed out of order, or on another
/// thread, it warns and takes itself out of its own thread's chain, so no
/// thread is ever left pointing at it (Note [Scope chains]).
class SwapScope {
 public:
  explicit SwapScope(SwapContext& context);
  ~SwapScope();

  SwapScope(const SwapScope&) = delete;
  SwapScope& operator=(const SwapScope&) = delete;
  SwapScope(SwapScope&&) = delete;
  SwapScope& operator=(SwapScope&&) = delete;

  /// The forward this scope is in failed in a way C++ cannot see (a Python
  /// exception leaving a `with` block): on destruction the scope ends its
  /// tag's step, as it does when a C++ exception unwinds it.
  void mark_failed() { failed_ = true; }

 private:
  std::shared_ptr<detail::ContextState> state_;
  std::shared_ptr<detail::ScopeChain> chain_;  // of the thread that entered it
  detail::ScopeLink link_;
  int uncaught_on_entry_;
  bool outermost_ = false;    // the outermost scope of its context: marks the layer
  bool nvtx_pushed_ = false;  // an NVTX range for the layer is open
  bool failed_ = false;       // mark_failed()
};

/// While alive, tensors saved for backward on this thread stay with
/// autograd, even inside a SwapScope: tensorswap does not see them. For code
/// that must not go through saved-tensor hooks (see docs/engine.md, "Custom
/// autograd functions"). Nests; RAII on one thread, like SwapScope.
class NoSwapScope {
 public:
  NoSwapScope();
  ~NoSwapScope();

  NoSwapScope(const NoSwapScope&) = delete;
  NoSwapScope& operator=(const NoSwapScope&) = delete;
  NoSwapScope(NoSwapScope&&) = delete;
  NoSwapScope& operator=(NoSwapScope&&) = delete;
};

/// Number of live contexts of `module_tag` (N of the first step's schedule).
int layer_count(const std::string& module_tag);

}  // namespace tswap
