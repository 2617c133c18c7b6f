#pragma once

// A pool of host buffers reused across steps: a fresh allocation per tensor
// per step (what the reference design does) costs far more than the copy.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace tswap {

struct HostPoolStats {
  std::size_t reserved_bytes = 0;       ///< held by the pool, in use or free
  std::size_t in_use_bytes = 0;         ///< handed out and not yet returned
  std::uint64_t fresh_allocations = 0;  ///< blocks taken from the system
  std::uint64_t reuses = 0;             ///< requests served by a free block
};

/// Host buffers handed out as uint8 tensors. A buffer returns to the pool
/// when the last tensor sharing its memory dies; the pool never returns
/// memory to the system unless trim() is called.
///
/// Buffers are 64-byte aligned; reserved and in-use bytes count their
/// usable capacity (each block has a 64-byte header besides). A request takes the smallest free block that
/// fits it and is at most twice its size, else a fresh block. Thread-safe.
/// Must be owned by a shared_ptr: buffers keep the pool alive.
class HostPool : public std::enable_shared_from_this<HostPool> {
 public:
  static std::shared_ptr<HostPool> create();
  ~HostPool();

  HostPool(const HostPool&) = delete;
  HostPool& operator=(const HostPool&) = delete;

  /// A CPU uint8 tensor of `nbytes` elements. nbytes must be > 0.
  at::Tensor allocate(std::size_t nbytes);
  HostPoolStats stats() const;
  /// Frees every block not in use.
  void trim();

 private:
  HostPool() = default;
  struct BlockHeader;  // Note [Host block header], host_pool.cpp
  static void release_block(void* header);
  void give_back(void* block, std::size_t capacity);

  mutable std::mutex mu_;
  std::map<std::size_t, std::vector<void*>> free_;  // capacity -> free blocks
  HostPoolStats stats_;
};

}  // namespace tswap
