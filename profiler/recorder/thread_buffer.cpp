#include "thread_buffer.h"

#include <algorithm>

namespace tswap::profiler::detail {
namespace {

std::size_t power_of_two_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

ThreadBuffer::ThreadBuffer(std::uint16_t thread_id, std::size_t capacity)
    : thread_id_(thread_id),
      ring_(power_of_two_at_least(capacity < 2 ? 2 : capacity)),
      mask_(ring_.size() - 1) {}

std::size_t ThreadBuffer::drain(std::vector<trace::Record>& out) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  // At most two contiguous pieces of the ring: up to its end, then from 0.
  const std::size_t n = static_cast<std::size_t>(head - tail);
  const std::size_t from = static_cast<std::size_t>(tail & mask_);
  const std::size_t first = std::min(n, ring_.size() - from);
  out.insert(out.end(), ring_.begin() + static_cast<std::ptrdiff_t>(from),
             ring_.begin() + static_cast<std::ptrdiff_t>(from + first));
  out.insert(out.end(), ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(n - first));
  tail_.store(head, std::memory_order_release);
  return n;
}

void ThreadBuffer::discard() {
  tail_.store(head_.load(std::memory_order_acquire), std::memory_order_release);
}

}  // namespace tswap::profiler::detail
