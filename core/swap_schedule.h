#pragma once

// The reference algorithm's two moves over a step's keys: release the layer
// below when a layer starts saving, prefetch the layer below in proportion
// while a layer runs backward. Callers hold the tag's mutex.

#include <cstdint>

namespace tswap::detail {

struct StepIndex;

/// Releases every layer of `step` below `layer` not released yet: compute
/// waits for their copies out, then the engine drops its device memory,
/// freeing it where it holds the last reference and deferring otherwise.
/// `tag`: the tag's id in logs, for NVTX ranges.
void release_layers_below(StepIndex& step, int layer, std::uint16_t tag);

/// Unpacking key (layer, index) prefetches the keys of layer-1 in
/// [index*n(L-1)/n(L), (index+1)*n(L-1)/n(L)): unpacking layer L from its
/// last key down to 0 brings all of layer L-1 back, in step with it.
void prefetch_for(StepIndex& step, int layer, std::int64_t index);

}  // namespace tswap::detail
