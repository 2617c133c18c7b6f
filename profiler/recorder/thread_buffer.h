#pragma once

// One recording thread's events on their way to the writer: a
// single-producer single-consumer ring. The producer (the thread) never
// blocks and never allocates: when the ring is full it counts a drop.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <tswap/trace/format.h>

namespace tswap::profiler::detail {

class ThreadBuffer {
 public:
  ThreadBuffer(std::uint16_t thread_id, std::size_t capacity);

  std::uint16_t thread_id() const { return thread_id_; }

  /// Producer side (the owning thread only).
  void push(const trace::Record& record) noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) >= ring_.size()) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ring_[head & mask_] = record;
    head_.store(head + 1, std::memory_order_release);
  }

  /// Consumer side (the writer only): appends what is there to `out` and
  /// frees it in the ring. Returns how many records it took.
  std::size_t drain(std::vector<trace::Record>& out);

  /// Forgets what is in the ring (consumer side, between sessions).
  void discard();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  void reset_dropped() { dropped_.store(0, std::memory_order_relaxed); }

  /// The thread ended: the writer frees the buffer once drained.
  std::atomic<bool> orphaned{false};

 private:
  const std::uint16_t thread_id_;
  std::vector<trace::Record> ring_;
  const std::uint64_t mask_;
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the producer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the consumer
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace tswap::profiler::detail
