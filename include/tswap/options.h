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

  /// A tensor whose copy would move fewer bytes than this stays on the
  /// device. The default (kDefaultMinBytes, 1 MiB, about what other offload
  /// engines use) keeps tensors that cost more to move than they save: each
  /// copy has a fixed cost (a launch, events, a pooled host buffer; several
  /// microseconds each way) that dominates below a few hundred KiB on PCIe,
  /// while such tensors add up to little memory. 0 swaps every eligible
  /// tensor (small test models; the samples' --min-bytes).
  std::size_t min_bytes = kDefaultMinBytes;
  static constexpr std::size_t kDefaultMinBytes = std::size_t{1} << 20;

  /// How many layers ahead backward brings back: while layer L runs
  /// backward, layers L-1 ... L-prefetch_depth come back in proportion to
  /// its progress (all of L-1 by the time L's backward ends, and so on).
  /// 1 is the reference algorithm; more hides a slow link behind more
  /// compute at the cost of that many layers resident; 0 prefetches
  /// nothing: each tensor is copied back when backward unpacks it, and
  /// compute waits for it.
  int prefetch_depth = 1;

  /// How many of a tag's last layers (in forward order) stay on the device:
  /// backward needs them first, so a copy out and back would only stall.
  /// 1 or more (the last layer's backward comes first: swapping it would
  /// make backward wait at once).
  int keep_last = 1;

  /// The copies out a tag may have queued and not finished; a layer's
  /// further copies out wait (still on the device) until earlier ones end,
  /// so one tag cannot crowd the link (or the copy stream other tags share)
  /// with a burst. Copies still waiting when their layer is released are
  /// queued then. 0: no limit.
  int max_copies_in_flight = 0;

  /// Observe: swap nothing and log what would be swapped. Each tensor that
  /// would be copied out (the same eligibility and layers as when swapping,
  /// keep_last aside: every layer is logged) is left to autograd and logged
  /// as a `kept` record with reason `observed`, its bytes, layer and time;
  /// backward spans are logged as when swapping. The baseline run for
  /// `tswap-log advise`. TSWAP_OBSERVE=1 in the environment turns it on for
  /// every context.
  bool observe = false;

  /// The runtime for every tensor of this context. nullptr picks by the
  /// tensor's device: CPU tensors go to simulated_runtime(), accelerator
  /// tensors to accelerator_runtime(device).
  std::shared_ptr<Runtime> runtime;
};

/// Sets the options used by contexts constructed without options of their
/// own. Takes effect for tensors saved after the call. Thread-safe.
///
/// The environment overrides the code: TSWAP_KEEP_LAST,
/// TSWAP_PREFETCH_DEPTH, TSWAP_MAX_COPIES_IN_FLIGHT and TSWAP_MIN_BYTES,
/// where set, replace those knobs in the defaults (initially SwapOptions{})
/// and in every context's own options, so a run takes tswap-log advise's
/// advice without a rebuild. A value that is not a whole number in range
/// throws, naming the variable; TSWAP_OBSERVE takes 1/true/yes/on or
/// 0/false/no/off.
void set_default_options(SwapOptions options);

/// The options set by set_default_options (initially SwapOptions{}).
SwapOptions default_options();

}  // namespace tswap
