#pragma once

// The reference algorithm's two moves over a step's keys: release the layer
// below when a layer starts saving, prefetch the layers below in proportion
// while a layer runs backward; and the limit on a tag's copies out in
// flight. Callers hold the tag's mutex.

#include <cstdint>
#include <memory>

namespace tswap::detail {

struct StepIndex;
class StorageSwap;
class TagState;

/// Copies `swap` out now, or (with `limit` copies of its tag out and not
/// done) once earlier ones are: SwapOptions::max_copies_in_flight, 0 for
/// none. Also queues what waited and may go now.
void request_copy_out(TagState& tag, const std::shared_ptr<StorageSwap>& swap, int limit);

/// Releases every layer of `step` below `layer` not released yet: copies
/// out still waiting for the in-flight limit are queued, compute waits for
/// the layers' copies out, then the engine drops its device memory, freeing
/// it where it holds the last reference and deferring otherwise.
void release_layers_below(TagState& tag, StepIndex& step, int layer);

/// Unpacking key (layer, index) prefetches, for each d in 1..depth, the
/// keys of layer L-d in [index*n(L-d)/n(L), (index+1)*n(L-d)/n(L)):
/// unpacking layer L from its last key down to 0 brings those layers back
/// in step with it. Layers already back are left alone, so past the first
/// layer of backward each layer's backward brings back only layer L-depth.
void prefetch_for(StepIndex& step, int layer, std::int64_t index, int depth);

}  // namespace tswap::detail
