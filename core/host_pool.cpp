#include <tswap/host_pool.h>

#include <ATen/Functions.h>

#include <cstdlib>

#include "check.h"

namespace tswap {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kGranularity = 512;

std::size_t round_up(std::size_t n) {
  return (n + kGranularity - 1) / kGranularity * kGranularity;
}

}  // namespace

std::shared_ptr<HostPool> HostPool::create() {
  return std::shared_ptr<HostPool>(new HostPool());
}

HostPool::~HostPool() {
  // Blocks in use hold a reference to the pool, so only free ones are left.
  for (auto& [capacity, block] : free_) std::free(block);
}

at::Tensor HostPool::allocate(std::size_t nbytes) {
  TSWAP_CHECK(nbytes > 0, "HostPool::allocate needs a size above 0");
  const std::size_t wanted = round_up(nbytes);
  void* block = nullptr;
  std::size_t capacity = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.lower_bound(wanted);
    if (it != free_.end() && it->first <= 2 * wanted) {
      capacity = it->first;
      block = it->second;
      free_.erase(it);
      ++stats_.reuses;
      stats_.in_use_bytes += capacity;
    }
  }
  if (block == nullptr) {
    block = std::aligned_alloc(kAlignment, wanted);
    TSWAP_CHECK(block != nullptr, "out of host memory allocating a ", wanted,
                "-byte buffer for a copy to host");
    capacity = wanted;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.fresh_allocations;
    stats_.reserved_bytes += capacity;
    stats_.in_use_bytes += capacity;
  }
  std::shared_ptr<HostPool> self = shared_from_this();
  return at::from_blob(
      block, {static_cast<std::int64_t>(nbytes)},
      [self = std::move(self), capacity](void* data) { self->give_back(data, capacity); },
      at::TensorOptions().dtype(at::kByte));
}

void HostPool::give_back(void* block, std::size_t capacity) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.in_use_bytes -= capacity;
  free_.emplace(capacity, block);
}

HostPoolStats HostPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void HostPool::trim() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [capacity, block] : free_) {
    std::free(block);
    stats_.reserved_bytes -= capacity;
  }
  free_.clear();
}

}  // namespace tswap
