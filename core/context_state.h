#pragma once

// What a SwapContext is, shared with the scopes entered on it.

#include <memory>

#include <tswap/options.h>

#include "tag_state.h"

namespace tswap::detail {

/// A layer instance: its tag, its index, its options. Shared by the
/// SwapContext and the scopes entered on it, so a scope outliving its
/// context (a user error) cannot dangle. Immutable after construction.
struct ContextState {
  ContextState(std::shared_ptr<TagState> tag, std::shared_ptr<const SwapOptions> own_options);
  ~ContextState();

  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;

  /// The context's own options, or the process defaults in effect now.
  std::shared_ptr<const SwapOptions> options() const;

  const std::shared_ptr<TagState> tag;
  const int layer;
  const std::shared_ptr<const SwapOptions> own_options;  // null: use the defaults
};

/// The process defaults as a shared snapshot (options.cpp).
std::shared_ptr<const SwapOptions> default_options_snapshot();

/// `options` with the knobs the environment sets (TSWAP_KEEP_LAST,
/// TSWAP_PREFETCH_DEPTH, TSWAP_MAX_COPIES_IN_FLIGHT, TSWAP_MIN_BYTES) in
/// place of its own; throws c10::Error naming a variable that is not a number.
SwapOptions with_environment(SwapOptions options);

/// Throws c10::Error naming the first setting out of range.
void check_options(const SwapOptions& options);

/// Whether tensors saved under `options` are observed, not swapped
/// (SwapOptions::observe, or TSWAP_OBSERVE=1 for every context).
bool observing(const SwapOptions& options);

}  // namespace tswap::detail
