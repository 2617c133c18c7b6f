#pragma once

// What a swap context does with the tensors autograd saves inside its scopes.

#include <cstddef>
#include <functional>
#include <memory>

namespace at {
class Tensor;
}

namespace tswap {

class Runtime;

/// Settings of a SwapContext, or the process-wide defaults that contexts
/// built without their own use. A value type: a context keeps its own copy.
struct SwapOptions {
  /// false: scopes of this context leave saved tensors to autograd, as if
  /// tensorswap were not there; stats() sees none of them. To compare with
  /// and without swapping in one run, read a swapped run's per-step figures
  /// (SwapCounters::step_bytes_saved against step_peak_resident_bytes).
  bool enabled = true;

  /// Extra eligibility test, called on the forward thread with each saved
  /// tensor that passed the built-in checks (not a parameter, not a view of
  /// one, non-empty storage); return false to keep that tensor on the device.
  std::function<bool(const at::Tensor&)> predicate;

  /// A tensor whose copy would move fewer bytes than this stays on the device.
  std::size_t min_bytes = 0;

  /// While layer L runs backward, bring layer L-1 back in proportion.
  bool prefetch = true;

  /// The runtime for every tensor of this context. nullptr picks by the
  /// tensor's device: CPU tensors go to simulated_runtime(), accelerator
  /// tensors to accelerator_runtime(device).
  std::shared_ptr<Runtime> runtime;
};

/// Sets the options used by contexts constructed without options of their
/// own. Takes effect for tensors saved after the call. Thread-safe.
void set_default_options(SwapOptions options);

/// The options set by set_default_options (initially SwapOptions{}).
SwapOptions default_options();

}  // namespace tswap
