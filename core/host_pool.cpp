#include <tswap/host_pool.h>

#include <c10/core/TensorImpl.h>

#include <cstdlib>
#include <new>

#include "check.h"

namespace tswap {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kGranularity = 512;

std::size_t round_up(std::size_t n) {
  return (n + kGranularity - 1) / kGranularity * kGranularity;
}

}  // namespace

// Note [Host block header]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// A buffer handed out is one allocation: a 64-byte header, which holds the
// pool (so a buffer keeps its pool alive) and the block's capacity, then
// the data. The storage's deleter context is the header, so giving a buffer
// back allocates nothing (at::from_blob with a capturing deleter costs two
// more allocations per buffer: a std::function and its context). Free
// blocks are kept per capacity in vectors, so a step that gives back and
// takes again the same sizes allocates no map nodes either.
struct HostPool::BlockHeader {
  std::shared_ptr<HostPool> pool;
  std::size_t capacity = 0;
};

std::shared_ptr<HostPool> HostPool::create() {
  return std::shared_ptr<HostPool>(new HostPool());
}

HostPool::~HostPool() {
  // Blocks in use hold a reference to the pool, so only free ones are left.
  for (auto& [capacity, blocks] : free_) {
    for (void* block : blocks) std::free(block);
  }
}

void HostPool::release_block(void* header) {
  auto* h = static_cast<BlockHeader*>(header);
  std::shared_ptr<HostPool> pool = std::move(h->pool);
  const std::size_t capacity = h->capacity;
  h->~BlockHeader();
  pool->give_back(header, capacity);
}

at::Tensor HostPool::allocate(std::size_t nbytes) {
  TSWAP_CHECK(nbytes > 0, "HostPool::allocate needs a size above 0");
  const std::size_t wanted = round_up(nbytes);
  void* block = nullptr;
  std::size_t capacity = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = free_.lower_bound(wanted); it != free_.end() && it->first <= 2 * wanted; ++it) {
      if (it->second.empty()) continue;
      capacity = it->first;
      block = it->second.back();
      it->second.pop_back();
      ++stats_.reuses;
      stats_.in_use_bytes += capacity;
      break;
    }
  }
  if (block == nullptr) {
    block = std::aligned_alloc(kAlignment, kAlignment + wanted);
    TSWAP_CHECK(block != nullptr, "out of host memory allocating a ", wanted,
                "-byte buffer for a copy to host");
    capacity = wanted;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.fresh_allocations;
    stats_.reserved_bytes += capacity;
    stats_.in_use_bytes += capacity;
  }
  static_assert(sizeof(BlockHeader) <= kAlignment, "the header must fit before the data");
  new (block) BlockHeader{shared_from_this(), capacity};
  void* data = static_cast<char*>(block) + kAlignment;
  c10::Storage storage(c10::Storage::use_byte_size_t(), static_cast<std::int64_t>(nbytes),
                       c10::DataPtr(data, block, &HostPool::release_block, c10::Device(c10::kCPU)),
                       /*allocator=*/nullptr, /*resizable=*/false);
  auto impl = c10::make_intrusive<c10::TensorImpl>(
      std::move(storage), c10::DispatchKeySet(c10::DispatchKey::CPU), caffe2::TypeMeta::Make<std::uint8_t>());
  impl->set_sizes_contiguous({static_cast<std::int64_t>(nbytes)});
  return at::Tensor(std::move(impl));
}

void HostPool::give_back(void* block, std::size_t capacity) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.in_use_bytes -= capacity;
  free_[capacity].push_back(block);
}

HostPoolStats HostPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void HostPool::trim() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [capacity, blocks] : free_) {
    for (void* block : blocks) std::free(block);
    stats_.reserved_bytes -= capacity * blocks.size();
  }
  free_.clear();
}

}  // namespace tswap
