#pragma once

// One recording thread's events on their way to the writer: a
// single-producer single-consumer ring. The producer (the thread) never
// blocks and never allocates: when the ring is full it counts a drop.

#include <algorithm>
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

  /// Producer side (the owning thread only). Reads the consumer's tail
  /// only when the ring looks full from the tail it saw last: the common
  /// push touches no cache line the writer writes.
  void push(const trace::Record& record) noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - seen_tail_ >= capacity_) {
      seen_tail_ = tail_.load(std::memory_order_acquire);
      if (head - seen_tail_ >= capacity_) {
        // Written by this thread only: no locked read-modify-write.
        dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return;
      }
    }
    slots_[head & mask_] = record;
    head_.store(head + 1, std::memory_order_release);
  }

  /// Consumer side (the writer only): hands what is there to
  /// `take(Record* records, std::size_t n)`, in order, in at most two
  /// pieces (up to the ring's end, then from its start), in place: the
  /// consumer owns a piece, and may rewrite it, until `take` returns; then
  /// it is freed in the ring. Returns how many records it took.
  template <class Take>
  std::size_t drain(Take&& take) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    const auto n = static_cast<std::size_t>(head - tail);
    const auto from = static_cast<std::size_t>(tail & mask_);
    const std::size_t first = std::min<std::size_t>(n, capacity_ - from);
    // Each piece is freed once taken: the producer need not wait for both.
    if (first > 0) {
      take(slots_ + from, first);
      tail_.store(tail + first, std::memory_order_release);
    }
    if (n > first) take(slots_, n - first);
    tail_.store(head, std::memory_order_release);
    return n;
  }

  /// Forgets what is in the ring (consumer side, between sessions).
  void discard();

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  void reset_dropped() { dropped_.store(0, std::memory_order_relaxed); }

  /// The thread ended: the writer frees the buffer once drained.
  std::atomic<bool> orphaned{false};

  /// Consumer side: the last TSC-clock time written for this thread, ns
  /// since the session start (Note [TSC clock]: times never go back).
  std::uint64_t last_ns = 0;

 private:
  const std::uint16_t thread_id_;
  std::vector<trace::Record> ring_;
  trace::Record* const slots_;  // ring_.data()
  const std::uint64_t capacity_;
  const std::uint64_t mask_;
  // The producer's line: head_, and what it last saw of tail_ and dropped.
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the producer
  std::uint64_t seen_tail_ = 0;                     // producer only: tail_ at its last look
  std::atomic<std::uint64_t> dropped_{0};           // written by the producer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the consumer
};

}  // namespace tswap::profiler::detail
