#include "swap_schedule.h"

#include <unordered_map>
#include <vector>

#include <tswap/profiler/nvtx.h>

#include "step_index.h"
#include "storage_swap.h"

namespace tswap::detail {
namespace {

/// `op`: the release's NVTX range (tag, layer, step); its bytes are added.
void release_layer(LayerKeys& keys, profiler::Fields op) {
  // In key order (the order the layer saved them), each swap once: at its
  // first key. Deterministic, unlike the by-storage hash.
  std::vector<std::shared_ptr<StorageSwap>> copying;
  for (std::size_t i = 0; i < keys.keys.size(); ++i) {
    std::shared_ptr<StorageSwap> swap = keys.keys[i].lock();
    if (swap && static_cast<std::size_t>(swap->first_index()) == i &&
        swap->state() == StorageSwap::State::copying_out) {
      copying.push_back(std::move(swap));
    }
  }
  keys.by_storage.clear();
  for (const auto& swap : copying) op.value += swap->bytes();
  profiler::NvtxRange range(trace::EventKind::release, op);
  // Note [Release ordering]: wait for every copy first; only then does the
  // use count show who else holds each storage.
  for (auto& swap : copying) swap->await_copy_out();
  std::unordered_map<const c10::StorageImpl*, std::size_t> engine_refs;
  for (auto& swap : copying) ++engine_refs[swap->storage_impl()];
  for (auto& swap : copying) {
    swap->release(swap->storage_use_count() == engine_refs[swap->storage_impl()]);
  }
}

}  // namespace

void release_layers_below(StepIndex& step, int layer, std::uint16_t tag) {
  for (int l = step.released_below; l < layer; ++l) {
    profiler::Fields op;
    op.tag = tag;
    op.layer = static_cast<std::uint16_t>(l);
    op.step = step.number;
    release_layer(step.layer(l), op);
  }
  if (layer > step.released_below) step.released_below = layer;
}

void prefetch_for(StepIndex& step, int layer, std::int64_t index) {
  if (layer <= 0) return;
  const std::int64_t n = step.key_count(layer);
  const std::int64_t n_below = step.key_count(layer - 1);
  if (n == 0 || n_below == 0) return;
  const std::int64_t begin = index * n_below / n;
  const std::int64_t end = (index + 1) * n_below / n;
  LayerKeys& below = step.layer(layer - 1);
  for (std::int64_t i = begin; i < end; ++i) {
    if (std::shared_ptr<StorageSwap> swap = below.keys[static_cast<std::size_t>(i)].lock()) {
      swap->copy_in(/*prefetch=*/true);
    }
  }
}

}  // namespace tswap::detail
