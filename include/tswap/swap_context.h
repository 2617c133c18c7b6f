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
struct ScopeLink {
  ContextState* context = nullptr;
  ScopeLink* outer = nullptr;
};
}  // namespace detail

/// One layer instance under a module tag.
///
/// The tag is a pattern in which `*` stands for the layer index
/// ("model.layer.*", "model.layer.*.mlp"). Contexts of one tag are numbered
/// in creation order, 0 .. N-1, taking the lowest index no live context of
/// that tag holds; N is the number of live contexts of the tag. Each tag has
/// its own numbering, step and counters.
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
  /// This context's layer index within its tag.
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
/// thread's scope chain points at it.
class SwapScope {
 public:
  explicit SwapScope(SwapContext& context);
  ~SwapScope();

  SwapScope(const SwapScope&) = delete;
  SwapScope& operator=(const SwapScope&) = delete;
  SwapScope(SwapScope&&) = delete;
  SwapScope& operator=(SwapScope&&) = delete;

 private:
  std::shared_ptr<detail::ContextState> state_;
  detail::ScopeLink link_;
  int uncaught_on_entry_;
  bool outermost_ = false;    // the outermost scope of its context: marks the layer
  bool nvtx_pushed_ = false;  // an NVTX range for the layer is open
  std::uint32_t step_ = 0;    // the tag's step it entered
};

/// Number of live contexts of `module_tag` (N in the layer numbering).
int layer_count(const std::string& module_tag);

}  // namespace tswap
