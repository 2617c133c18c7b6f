#include "tag_state.h"

#include <map>

#include <tswap/profiler/emit.h>

#include "step_index.h"

namespace tswap::detail {
namespace {

std::atomic<std::int64_t> g_resident{0};
std::atomic<std::int64_t> g_peak{0};

void raise_to(std::atomic<std::int64_t>& peak, std::int64_t value) {
  std::int64_t seen = peak.load(std::memory_order_relaxed);
  while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

struct Registry {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<TagState>> tags;
};

Registry& registry() {
  // Leaked on purpose: slots and swaps that outlive main() still reach it.
  static Registry* r = new Registry();
  return *r;
}

}  // namespace

SwapCounters TagCounters::snapshot() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  SwapCounters c;
  c.tensors_saved = tensors_saved.load(relaxed);
  c.tensors_kept = tensors_kept.load(relaxed);
  c.bytes_saved = bytes_saved.load(relaxed);
  c.tensors_swapped_out = tensors_swapped_out.load(relaxed);
  c.bytes_swapped_out = bytes_swapped_out.load(relaxed);
  c.tensors_swapped_in = tensors_swapped_in.load(relaxed);
  c.bytes_swapped_in = bytes_swapped_in.load(relaxed);
  c.prefetches = prefetches.load(relaxed);
  c.releases = releases.load(relaxed);
  c.deferred_releases = deferred_releases.load(relaxed);
  c.reused_without_copy = reused_without_copy.load(relaxed);
  c.stall_ns = stall_ns.load(relaxed);
  c.resident_bytes = resident_bytes.load(relaxed);
  c.peak_resident_bytes = peak_resident_bytes.load(relaxed);
  return c;
}

void TagCounters::reset() {
  for (auto* c : {&tensors_saved, &tensors_kept, &bytes_saved, &tensors_swapped_out,
                  &bytes_swapped_out, &tensors_swapped_in, &bytes_swapped_in, &prefetches,
                  &releases, &deferred_releases, &reused_without_copy, &stall_ns}) {
    c->store(0, std::memory_order_relaxed);
  }
  peak_resident_bytes.store(resident_bytes.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
}

TagState::TagState(std::string tag_in)
    : tag(std::move(tag_in)), trace_id(profiler::intern_tag(tag)) {}

int TagState::take_layer_index() {
  std::lock_guard<std::mutex> lock(mu);
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (!taken[i]) {
      taken[i] = true;
      return static_cast<int>(i);
    }
  }
  taken.push_back(true);
  return static_cast<int>(taken.size() - 1);
}

void TagState::give_back_layer_index(int layer) {
  std::lock_guard<std::mutex> lock(mu);
  taken.at(static_cast<std::size_t>(layer)) = false;
  while (!taken.empty() && !taken.back()) taken.pop_back();
}

int TagState::layer_count() {
  std::lock_guard<std::mutex> lock(mu);
  return layer_count_locked();
}

int TagState::layer_count_locked() const {
  // give_back_layer_index trims free indices off the end.
  return static_cast<int>(taken.size());
}

std::uint32_t TagState::enter_layer(int layer) {
  std::lock_guard<std::mutex> lock(mu);
  if (!step || step_ended || layer <= last_entered_layer) {
    step = std::make_shared<StepIndex>();
    step->number = ++steps;
    step_ended = false;
    profiler::Fields f;
    f.tag = trace_id;
    f.layer = static_cast<std::uint16_t>(layer);
    f.step = step->number;
    profiler::emit(trace::EventKind::step_begin, f);
  }
  last_entered_layer = layer;
  return step->number;
}

void TagState::end_step() {
  std::lock_guard<std::mutex> lock(mu);
  step_ended = true;
}

void TagState::add_resident(std::int64_t delta) {
  const auto now = counters.resident_bytes.fetch_add(delta, std::memory_order_relaxed) + delta;
  const auto total = g_resident.fetch_add(delta, std::memory_order_relaxed) + delta;
  if (delta > 0) {
    raise_to(counters.peak_resident_bytes, now);
    raise_to(g_peak, total);
  }
}

std::shared_ptr<TagState> tag_state(const std::string& tag) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& slot = r.tags[tag];
  if (!slot) slot = std::make_shared<TagState>(tag);
  return slot;
}

void for_each_tag(const std::function<void(TagState&)>& fn) {
  std::vector<std::shared_ptr<TagState>> tags;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (auto& [name, state] : r.tags) tags.push_back(state);
  }
  for (auto& t : tags) fn(*t);
}

std::int64_t total_resident_bytes() {
  return g_resident.load(std::memory_order_relaxed);
}
std::int64_t total_peak_resident_bytes() {
  return g_peak.load(std::memory_order_relaxed);
}
void reset_total_peak() {
  g_peak.store(total_resident_bytes(), std::memory_order_relaxed);
}

}  // namespace tswap::detail
