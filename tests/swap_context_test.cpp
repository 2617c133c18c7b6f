// Layer numbering per tag, options, scopes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include <tswap/tswap.h>

#include "support/errors.h"
#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

using ::testing::HasSubstr;

TEST(SwapContext, LayersAreNumberedPerTagInCreationOrder) {
  tswap::SwapContext a0("ctx.a.*"), a1("ctx.a.*"), b0("ctx.b.*"), a2("ctx.a.*");
  EXPECT_EQ(a0.layer(), 0);
  EXPECT_EQ(a1.layer(), 1);
  EXPECT_EQ(b0.layer(), 0);
  EXPECT_EQ(a2.layer(), 2);
  EXPECT_EQ(tswap::layer_count("ctx.a.*"), 3);
  EXPECT_EQ(tswap::layer_count("ctx.b.*"), 1);
  EXPECT_EQ(a2.module_tag(), "ctx.a.*");
}

TEST(SwapContext, AFreedIndexGoesToTheNextContext) {
  auto a0 = std::make_unique<tswap::SwapContext>("ctx.reuse.*");
  auto a1 = std::make_unique<tswap::SwapContext>("ctx.reuse.*");
  auto a2 = std::make_unique<tswap::SwapContext>("ctx.reuse.*");
  a1.reset();
  EXPECT_EQ(tswap::layer_count("ctx.reuse.*"), 3) << "index 2 is still held";
  tswap::SwapContext again("ctx.reuse.*");
  EXPECT_EQ(again.layer(), 1);
  a2.reset();
  EXPECT_EQ(tswap::layer_count("ctx.reuse.*"), 2);
  a0.reset();
  EXPECT_EQ(tswap::layer_count("ctx.reuse.*"), 2) << "index 1 is still held";
}

TEST(SwapContext, ModelsBuiltOneAfterAnotherNumberFromZero) {
  for (int round = 0; round < 2; ++round) {
    Stack model = mlp_stack(3, 8, SwapSetup::with("ctx.rebuilt.*"));
    EXPECT_EQ(tswap::layer_count("ctx.rebuilt.*"), 3) << "round " << round;
  }
  EXPECT_EQ(tswap::layer_count("ctx.rebuilt.*"), 0);
}

TEST(SwapContext, AnEmptyTagIsRejectedWithAMessage) {
  EXPECT_THAT(error_of([] { tswap::SwapContext bad(""); }),
              HasSubstr("tensorswap: a module tag must not be empty"));
}

TEST(SwapOptions, DisabledContextsLeaveEverythingToAutograd) {
  tswap::SwapOptions off;
  off.enabled = false;
  SwapSetup setup = SwapSetup::with("opt.disabled.*");
  setup.options = off;
  expect_same_training([](const SwapSetup& s) { return mlp_stack(3, 16, s); }, setup, 2,
                       [](int) {
                         return torch::randn({4, 16});
                       });
  const auto stats = tswap::stats();
  const auto it = stats.per_tag.find("opt.disabled.*");
  ASSERT_NE(it, stats.per_tag.end()) << "the tag exists: its contexts were made";
  EXPECT_EQ(it->second.tensors_saved, 0u);
}

TEST(SwapOptions, WithoutPrefetchEverythingStillComesBackOnDemand) {
  tswap::SwapOptions no_prefetch;
  no_prefetch.min_bytes = 0;
  no_prefetch.prefetch_depth = 0;
  SwapSetup setup = SwapSetup::with("opt.noprefetch.*");
  setup.options = no_prefetch;
  expect_same_training([](const SwapSetup& s) { return mlp_stack(4, 16, s); }, setup, 3,
                       [](int step) {
                         return torch::randn({4, 16}) * (step + 1);
                       });
  const auto c = tswap::stats().per_tag.at("opt.noprefetch.*");
  EXPECT_EQ(c.prefetches, 0u);
  EXPECT_GT(c.tensors_swapped_in, 0u);
  // The harness holds each step's input: layer 0's copy of it is not needed.
  EXPECT_EQ(c.reused_without_copy, 3u);
  EXPECT_EQ(c.tensors_swapped_in + c.reused_without_copy, c.tensors_swapped_out);
}

TEST(SwapOptions, WithPrefetchTheLayerBelowComesBackAhead) {
  expect_same_training([](const SwapSetup& s) { return mlp_stack(4, 16, s); },
                       SwapSetup::with("opt.prefetch.*"), 3,
                       [](int step) {
                         return torch::randn({4, 16}) * (step + 1);
                       });
  const auto c = tswap::stats().per_tag.at("opt.prefetch.*");
  // Every swapped layer is below another: all of it is prefetched, but for
  // two storages per step still alive and held again without a copy: the
  // harness's input and layer 2's output (which the last layer holds).
  EXPECT_EQ(c.prefetches, c.tensors_swapped_in);
  EXPECT_EQ(c.reused_without_copy, 6u);
  EXPECT_EQ(c.tensors_swapped_in + c.reused_without_copy, c.tensors_swapped_out);
}

TEST(SwapOptions, DefaultsApplyToContextsWithoutTheirOwn) {
  const tswap::SwapOptions saved = tswap::default_options();
  tswap::SwapOptions big_only;
  big_only.min_bytes = std::size_t{1} << 40;
  tswap::set_default_options(big_only);
  {
    Stack model = mlp_stack(3, 16, SwapSetup::with("opt.defaults.*"));
    model->forward(torch::randn({4, 16})).sum().backward();
  }
  tswap::set_default_options(saved);
  const auto c = tswap::stats().per_tag.at("opt.defaults.*");
  EXPECT_GT(c.tensors_saved, 0u);
  EXPECT_EQ(c.tensors_kept, c.tensors_saved);
  EXPECT_EQ(tswap::default_options().min_bytes, 0u) << "tests/support/models.cpp's default";
  EXPECT_EQ(tswap::SwapOptions{}.min_bytes, std::size_t{1} << 20) << "tensorswap's own default";
}

TEST(SwapScope, OnlyTheThreadThatEnteredItSwaps) {
  tswap::SwapContext layer0("scope.thread.*"), layer1("scope.thread.*");
  tswap::SwapScope scope(layer0);
  auto x = torch::randn({8, 8}, torch::requires_grad()) * 2;
  torch::Tensor from_other_thread;
  std::thread([&] { from_other_thread = x.sin(); }).join();
  EXPECT_EQ(tswap::stats().per_tag.at("scope.thread.*").tensors_saved, 0u);
  auto here = x.sin();
  EXPECT_EQ(tswap::stats().per_tag.at("scope.thread.*").tensors_saved, 1u);
}

TEST(SwapScope, TheInnermostScopeOwnsWhatIsSaved) {
  tswap::SwapContext outer("scope.outer.*"), inner("scope.inner.*");
  auto x = torch::randn({8, 8}, torch::requires_grad()) * 2;
  torch::Tensor a, b, c;
  {
    tswap::SwapScope o(outer);
    a = x.sin();
    {
      tswap::SwapScope i(inner);
      b = x.cos();
      {
        tswap::SwapScope again(outer);  // re-entering a context nests too
        c = x.exp();
      }
    }
  }
  const auto stats = tswap::stats();
  EXPECT_EQ(stats.per_tag.at("scope.outer.*").tensors_saved, 2u);
  EXPECT_EQ(stats.per_tag.at("scope.inner.*").tensors_saved, 1u);
}

}  // namespace
}  // namespace tswap_test
