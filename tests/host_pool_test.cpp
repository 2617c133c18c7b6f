#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>

#include <tswap/host_pool.h>

#include "support/errors.h"

namespace {

using ::testing::HasSubstr;

TEST(HostPool, ReusesABufferOnceItsTensorsAreGone) {
  auto pool = tswap::HostPool::create();
  void* first = nullptr;
  {
    at::Tensor a = pool->allocate(1000);
    first = a.data_ptr();
    EXPECT_EQ(a.numel(), 1000);
    EXPECT_EQ(a.dtype(), at::kByte);
    at::Tensor view_of_a = a.narrow(0, 10, 10);
    a = at::Tensor();
    EXPECT_EQ(pool->stats().reuses, 0u);
    EXPECT_EQ(pool->stats().in_use_bytes, 1024u) << "a view still holds it";
  }
  at::Tensor b = pool->allocate(900);
  EXPECT_EQ(b.data_ptr(), first);
  const auto s = pool->stats();
  EXPECT_EQ(s.fresh_allocations, 1u);
  EXPECT_EQ(s.reuses, 1u);
  EXPECT_EQ(s.reserved_bytes, 1024u);
}

TEST(HostPool, TakesTheSmallestFreeBlockAtMostTwiceTheRequest) {
  auto pool = tswap::HostPool::create();
  { at::Tensor big = pool->allocate(4096); }
  at::Tensor small = pool->allocate(1000);  // 1024 wanted, 4096 > 2048: fresh
  EXPECT_EQ(pool->stats().fresh_allocations, 2u);
  at::Tensor middle = pool->allocate(3000);  // 3072 wanted, 4096 <= 6144: reused
  EXPECT_EQ(pool->stats().fresh_allocations, 2u);
  EXPECT_EQ(pool->stats().reuses, 1u);
  EXPECT_EQ(pool->stats().in_use_bytes, 1024u + 4096u);
}

TEST(HostPool, BuffersAreSixtyFourByteAligned) {
  auto pool = tswap::HostPool::create();
  for (std::size_t n : {1u, 63u, 513u, 100000u}) {
    at::Tensor t = pool->allocate(n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 64, 0u) << n;
  }
}

TEST(HostPool, BuffersOutliveThePoolHandle) {
  auto pool = tswap::HostPool::create();
  at::Tensor t = pool->allocate(256);
  pool.reset();
  t.fill_(7);
  EXPECT_EQ(t[255].item<std::uint8_t>(), 7);
}

TEST(HostPool, TrimFreesOnlyUnusedBlocks) {
  auto pool = tswap::HostPool::create();
  at::Tensor kept = pool->allocate(512);
  { at::Tensor dropped = pool->allocate(2048); }
  pool->trim();
  EXPECT_EQ(pool->stats().reserved_bytes, 512u);
  EXPECT_EQ(pool->stats().in_use_bytes, 512u);
}

TEST(HostPool, ZeroBytesIsRejectedWithAMessage) {
  auto pool = tswap::HostPool::create();
  EXPECT_THAT(tswap_test::error_of([&] { pool->allocate(0); }),
              HasSubstr("HostPool::allocate needs a size above 0"));
}

}  // namespace
