#include "tag_state.h"

#include <algorithm>

#include <c10/util/Exception.h>

#include <map>
#include <sstream>

#include <tswap/profiler/emit.h>

#include "step_index.h"

namespace tswap::detail {
namespace {

std::atomic<std::int64_t> g_resident{0};
std::atomic<std::int64_t> g_peak{0};
// The peak since the leading tag began its current step, and that step.
std::atomic<std::int64_t> g_step_peak{0};
std::atomic<std::uint64_t> g_lead_step{0};

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
  c.steps = steps.load(relaxed);
  c.step_bytes_saved = step_bytes_saved.load(relaxed);
  c.step_peak_resident_bytes = step_peak_resident_bytes.load(relaxed);
  return c;
}

void TagCounters::reset() {
  for (auto* c : {&tensors_saved, &tensors_kept, &bytes_saved, &tensors_swapped_out,
                  &bytes_swapped_out, &tensors_swapped_in, &bytes_swapped_in, &prefetches,
                  &releases, &deferred_releases, &reused_without_copy, &stall_ns, &steps,
                  &step_bytes_saved}) {
    c->store(0, std::memory_order_relaxed);
  }
  const std::int64_t level = resident_bytes.load(std::memory_order_relaxed);
  peak_resident_bytes.store(level, std::memory_order_relaxed);
  step_peak_resident_bytes.store(level, std::memory_order_relaxed);
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

// Note [Layers in run order]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// The schedule needs each layer's place in forward: release the layer
// below when a layer starts saving, prefetch it during this one's backward,
// keep the last on the device. Creation order is only a guess at that
// place: models build blocks in one order and call them in another, and a
// second instance of a model (an EMA copy, a teacher) holds contexts of the
// same tag that the trained model's forward never enters. So a layer's
// number is the order its context is entered in the step, and a context
// entered again starts the next step, and so does any context entered once
// the step's backward has begun: a model built anew after a training step
// (restored from a checkpoint, a fresh copy) starts at layer 0, instead of
// numbering its layers on after the old model's, beyond the last layer the
// step before learned, where nothing is swapped. Which layer is last is learned from
// the step before (the highest that swapped; a step left by an exception
// teaches nothing); the first step, with nothing learned yet, takes N-1 of
// the live contexts.

TagState::Entry TagState::enter_layer(int context, std::uint64_t schedule) {
  std::string warning;
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mu);
    const auto index = static_cast<std::size_t>(context);
    if (entered_in_step.size() <= index) entered_in_step.resize(index + 1, 0);
    const bool again = step && entered_in_step[index] == step->number;
    if (!step || step_ended || again || step->backward_began) {
      // A step cut short by an exception says nothing about the schedule.
      if (step && !step_ended) warning = learn_from_locked(*step);
      if (step) {
        keys_per_layer.resize(step->layers.size());
        for (std::size_t l = 0; l < step->layers.size(); ++l) {
          keys_per_layer[l] = step->layers[l].keys.size();
        }
      }
      step = std::make_shared<StepIndex>();
      step->number = ++steps;
      step_ended = false;
      next_layer = 0;
      count(counters.steps);
      counters.step_bytes_saved.store(0, std::memory_order_relaxed);
      counters.step_peak_resident_bytes.store(
          counters.resident_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
      if (step->number > g_lead_step.load(std::memory_order_relaxed)) {
        g_lead_step.store(step->number, std::memory_order_relaxed);
        g_step_peak.store(g_resident.load(std::memory_order_relaxed), std::memory_order_relaxed);
      }
      profiler::Fields f;
      f.tag = trace_id;
      f.layer = 0;
      f.step = step->number;
      f.value = schedule;
      profiler::emit(trace::EventKind::step_begin, f);
    }
    if (next_layer == 0) {
      step_thread = std::this_thread::get_id();
    } else if (step_thread != std::this_thread::get_id() && !warned_two_threads) {
      warned_two_threads = true;
      warning = "tensorswap: module tag '" + tag + "' has layers entered from two threads in " +
                "step " + std::to_string(step->number) +
                " (two models training at once under one tag?): their layers are numbered as " +
                "one step, which breaks its schedule (releases and prefetch follow the "
                "numbering). Give each thread's model a tag of its own. (Warned once per tag.)";
    }
    entered_in_step[index] = step->number;
    entry.step = step->number;
    entry.layer = next_layer++;
  }
  // Outside the lock: a warning handler may be anything.
  if (!warning.empty()) TORCH_WARN(warning);
  return entry;
}

std::string TagState::learn_from_locked(const StepIndex& finished) {
  int last = -1;
  int swapping = 0;
  for (std::size_t l = 0; l < finished.layers.size(); ++l) {
    if (finished.layers[l].keys.empty()) continue;
    last = static_cast<int>(l);
    ++swapping;
  }
  if (last < 0) return {};  // saved nothing swappable (a forward under no-grad)
  learned_last_layer = last;
  if (swapping != 1 || warned_single_layer) return {};
  warned_single_layer = true;
  std::ostringstream out;
  out << "tensorswap: module tag '" << tag << "' swapped nothing in step " << finished.number
      << ": only one of its layers (layer " << last
      << ") saved tensors, and a tag's last layer stays on the device because its backward "
         "comes first. ";
  if (tag.find('*') == std::string::npos) {
    out << "The tag has no '*': give each layer instance its own SwapContext under a tag such "
           "as \"" << tag << ".*\"";
  } else {
    out << "Give each layer instance its own SwapContext (one per block, not one shared)";
  }
  out << ", or leave this tag out. (Warned once per tag.)";
  return out.str();
}

int TagState::last_layer_locked() const {
  const int entered = next_layer - 1;  // the highest layer of this step so far
  if (learned_last_layer >= 0 && entered <= learned_last_layer) return learned_last_layer;
  // Nothing learned yet, or this step already went past what the step
  // before taught (that one was shorter: an early exit, dropped layers):
  // as in a first step, the live contexts say. Otherwise every layer past
  // the learned last would stay on the device, as if each were the last.
  return std::max(layer_count_locked() - 1, entered);
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
    raise_to(counters.step_peak_resident_bytes, now);
    raise_to(g_peak, total);
    raise_to(g_step_peak, total);
  }
}

void TagState::add_saved(std::size_t bytes) {
  count(counters.bytes_saved, bytes);
  count(counters.step_bytes_saved, bytes);
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
std::int64_t total_step_peak_resident_bytes() {
  return g_step_peak.load(std::memory_order_relaxed);
}
void reset_total_peak() {
  g_peak.store(total_resident_bytes(), std::memory_order_relaxed);
  g_step_peak.store(total_resident_bytes(), std::memory_order_relaxed);
}

}  // namespace tswap::detail
