#include "swap_schedule.h"

#include <unordered_map>
#include <vector>

#include <tswap/profiler/nvtx.h>

#include "step_index.h"
#include "storage_swap.h"
#include "tag_state.h"

namespace tswap::detail {
namespace {

/// `op`: the release's NVTX range (tag, layer, step); its bytes are added.
void release_layer(TagState& tag, LayerKeys& keys, profiler::Fields op) {
  // In key order (the order the layer saved them), each swap once: at its
  // first key. Deterministic, unlike the by-storage hash.
  std::vector<std::shared_ptr<StorageSwap>> copying;
  for (std::size_t i = 0; i < keys.keys.size(); ++i) {
    std::shared_ptr<StorageSwap> swap = keys.keys[i].lock();
    if (!swap || static_cast<std::size_t>(swap->first_index()) != i) continue;
    if (swap->waiting_to_copy_out()) {
      // Held back by the in-flight limit: it cannot wait any longer.
      swap->copy_out();
      tag.copies_out_in_flight.push_back(swap->copied_out());
    }
    if (swap->state() == StorageSwap::State::copying_out) copying.push_back(std::move(swap));
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

/// prefetch_for's share of layer L-d for key `index` of layer L.
void prefetch_in_proportion(StepIndex& step, int layer, std::int64_t index, int d) {
  const std::int64_t n = step.key_count(layer);
  const std::int64_t n_below = step.key_count(layer - d);
  if (n == 0 || n_below == 0) return;
  const std::int64_t begin = index * n_below / n;
  const std::int64_t end = (index + 1) * n_below / n;
  LayerKeys& below = step.layer(layer - d);
  for (std::int64_t i = begin; i < end; ++i) {
    if (std::shared_ptr<StorageSwap> swap = below.keys[static_cast<std::size_t>(i)].lock()) {
      swap->copy_in(/*prefetch=*/true);
    }
  }
}

}  // namespace

void release_layers_below(TagState& tag, StepIndex& step, int layer) {
  for (int l = step.released_below; l < layer; ++l) {
    profiler::Fields op;
    op.tag = tag.trace_id;
    op.layer = static_cast<std::uint16_t>(l);
    op.step = step.number;
    release_layer(tag, step.layer(l), op);
  }
  if (layer > step.released_below) step.released_below = layer;
}

void prefetch_for(StepIndex& step, int layer, std::int64_t index, int depth) {
  for (int d = 1; d <= depth && layer - d >= 0; ++d) prefetch_in_proportion(step, layer, index, d);
}

void request_copy_out(TagState& tag, const std::shared_ptr<StorageSwap>& swap, int limit) {
  if (limit <= 0) {
    swap->copy_out();
    return;
  }
  // Events of one stream complete in order: the front is the oldest.
  auto& in_flight = tag.copies_out_in_flight;
  while (!in_flight.empty() && in_flight.front()->ready()) in_flight.pop_front();
  auto& waiting = tag.copies_out_waiting;
  while (!waiting.empty() && in_flight.size() < static_cast<std::size_t>(limit)) {
    std::shared_ptr<StorageSwap> next = waiting.front().lock();
    waiting.pop_front();
    // Gone, forced out by its layer's release, or used by backward already.
    if (!next || !next->waiting_to_copy_out()) continue;
    next->copy_out();
    in_flight.push_back(next->copied_out());
  }
  if (swap == nullptr) return;
  if (waiting.empty() && in_flight.size() < static_cast<std::size_t>(limit)) {
    swap->copy_out();
    in_flight.push_back(swap->copied_out());
  } else {
    swap->wait_to_copy_out();
    waiting.push_back(swap);
  }
}

}  // namespace tswap::detail
