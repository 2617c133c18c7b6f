#pragma once

// Per-tag state of the engine: layer numbering, the step being recorded, and
// the counters behind tswap::stats().

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <tswap/runtime.h>
#include <tswap/stats.h>

namespace tswap::detail {

struct StepIndex;
class StorageSwap;

/// Counters of one tag. Relaxed atomics: read as a snapshot by stats(),
/// bumped from the forward thread, the autograd workers and destructors.
struct TagCounters {
  std::atomic<std::uint64_t> tensors_saved{0};
  std::atomic<std::uint64_t> tensors_kept{0};
  std::atomic<std::uint64_t> bytes_saved{0};
  std::atomic<std::uint64_t> tensors_swapped_out{0};
  std::atomic<std::uint64_t> bytes_swapped_out{0};
  std::atomic<std::uint64_t> tensors_swapped_in{0};
  std::atomic<std::uint64_t> bytes_swapped_in{0};
  std::atomic<std::uint64_t> prefetches{0};
  std::atomic<std::uint64_t> releases{0};
  std::atomic<std::uint64_t> deferred_releases{0};
  std::atomic<std::uint64_t> reused_without_copy{0};
  std::atomic<std::uint64_t> stall_ns{0};
  std::atomic<std::int64_t> resident_bytes{0};
  std::atomic<std::int64_t> peak_resident_bytes{0};
  std::atomic<std::uint64_t> steps{0};
  std::atomic<std::uint64_t> step_bytes_saved{0};
  std::atomic<std::int64_t> step_peak_resident_bytes{0};

  SwapCounters snapshot() const;
  void reset();
};

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

/// Everything the engine knows about one module tag. One per tag for the
/// life of the process (the registry never forgets a tag, so its counters
/// survive its contexts). Shared by contexts, saved-tensor slots and swaps.
///
/// `mu` guards the fields below it, the StepIndex objects of this tag and
/// the StorageSwap objects of this tag: pack (forward thread) and unpack
/// (autograd worker) both take it.
class TagState {
 public:
  explicit TagState(std::string tag);

  const std::string tag;
  const std::uint16_t trace_id;  // the tag's id in logs
  TagCounters counters;

  /// Lowest layer index no live context holds.
  int take_layer_index();
  void give_back_layer_index(int layer);
  /// Highest held index + 1: N in the layer numbering.
  int layer_count();

  /// Where an outermost scope lands: the tag's step and the layer's place
  /// in it (Note [Layers in run order]).
  struct Entry {
    std::uint32_t step = 0;
    int layer = 0;
  };
  /// The outermost scope of the context with creation index `context` is
  /// entered. A context already entered in this step starts a new step.
  /// May warn (once per tag) about a step that could swap nothing.
  /// `schedule`: the entering context's knobs (trace::encode_schedule),
  /// written in the step_begin of a step it begins.
  Entry enter_layer(int context, std::uint64_t schedule);
  /// A scope was left by an exception: the next entry starts a new step.
  void end_step();

  /// Adds `delta` to this tag's and the process's resident bytes; tracks peaks.
  void add_resident(std::int64_t delta);
  /// Counts bytes handed to a new swap, in total and in the current step.
  void add_saved(std::size_t bytes);

  std::mutex mu;
  // --- guarded by mu ---
  std::vector<bool> taken;  // creation index -> held by a live context
  // creation index -> the step that context was last entered in (0: never)
  std::vector<std::uint32_t> entered_in_step;
  int next_layer = 0;  // the place of the next context entered in this step
  // The highest layer that swapped in the last step that swapped anything;
  // -1 until one did.
  int learned_last_layer = -1;
  bool warned_single_layer = false;
  bool warned_two_threads = false;
  std::thread::id step_thread;  // the thread that began the current step
  bool step_ended = true;
  std::uint32_t steps = 0;          // steps started so far; the current one's number
  std::shared_ptr<StepIndex> step;  // the step forward is recording now
  // Keys each layer had in the step before. A layer's first save reserves
  // as many, so its key vector and storage hash do not grow by doubling:
  // each large reallocation made glibc consolidate every small free chunk
  // (a quarter of the time at 10^5 saved tensors a step, by perf).
  std::vector<std::size_t> keys_per_layer;
  // SwapOptions::max_copies_in_flight (request_copy_out): the completions
  // of this tag's queued copies out, oldest first, and the swaps waiting
  // for a place.
  std::deque<EventPtr> copies_out_in_flight;
  std::deque<std::weak_ptr<StorageSwap>> copies_out_waiting;

  int layer_count_locked() const;
  /// The layer of the current step that stays on the device.
  int last_layer_locked() const;

 private:
  /// Learns the schedule from a finished step; returns a warning to give
  /// (empty: none).
  std::string learn_from_locked(const StepIndex& finished);
};

/// The state of `tag`, created on first use. Thread-safe.
std::shared_ptr<TagState> tag_state(const std::string& tag);

/// Calls `fn` with every tag known so far.
void for_each_tag(const std::function<void(TagState&)>& fn);

/// The process-wide resident level and its peak (all tags).
std::int64_t total_resident_bytes();
std::int64_t total_peak_resident_bytes();
/// The total peak since the leading tag began its current step.
std::int64_t total_step_peak_resident_bytes();
void reset_total_peak();

}  // namespace tswap::detail
