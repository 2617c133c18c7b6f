#include "thread_buffer.h"

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
      slots_(ring_.data()),
      capacity_(ring_.size()),
      mask_(ring_.size() - 1) {}

void ThreadBuffer::discard() {
  tail_.store(head_.load(std::memory_order_acquire), std::memory_order_release);
}

}  // namespace tswap::profiler::detail
