#pragma once

// The keys of one step of one tag: which swap each (layer, tensor index)
// key refers to. Release and prefetch look layers up here, so neither scans
// every key of the step (the reference design's quadratic release).

#include <c10/core/StorageImpl.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tswap::detail {

class StorageSwap;

/// The keys of one layer in one step. Guarded by the tag's mutex.
struct LayerKeys {
  /// Tensor index i -> its swap. Several keys share a swap when they saved
  /// one storage. Weak: a swap lives as long as the autograd graph holds
  /// one of its slots.
  std::vector<std::weak_ptr<StorageSwap>> keys;
  /// Swaps of this layer by device storage, to copy a storage saved twice
  /// once. Emptied when the layer is released (no more saves into it).
  std::unordered_multimap<const c10::StorageImpl*, std::weak_ptr<StorageSwap>> by_storage;
  /// Observe mode: the storages this layer's observed keys saved (a storage
  /// saved twice would be copied once).
  std::unordered_set<const c10::StorageImpl*> observed_storages;

  // This layer's backward span (Note [Backward layer spans],
  // saved_tensor_slot.cpp): which keys backward used since it began.
  std::vector<bool> used;
  std::size_t used_count = 0;
  std::int64_t last_use_ns = 0;  // profiler::clock_ns() of the latest use
};

/// One step of one tag, from its first scope entry to the next step. Held by
/// the tag while forward records it, and by each of its swaps (prefetch
/// needs the layer below); guarded by the tag's mutex.
struct StepIndex {
  std::uint32_t number = 0;  // the tag's step count when it started (from 1)
  std::vector<LayerKeys> layers;
  /// Layers below this index have been released.
  int released_below = 0;
  /// The layer whose backward span is open (-1: none).
  int backward_layer = -1;
  /// Backward used a key of this step: forward is over, and the next layer
  /// entered starts the next step (Note [Layers in run order]).
  bool backward_began = false;

  LayerKeys& layer(int index) {
    if (static_cast<std::size_t>(index) >= layers.size()) layers.resize(index + 1);
    return layers[static_cast<std::size_t>(index)];
  }
  std::int64_t key_count(int index) const {
    return static_cast<std::size_t>(index) < layers.size()
               ? static_cast<std::int64_t>(layers[static_cast<std::size_t>(index)].keys.size())
               : 0;
  }
};

}  // namespace tswap::detail
