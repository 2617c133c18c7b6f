// Many steps, and steps that fail: host memory stays flat, the engine stays
// usable.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

#include <tswap/simulated_runtime.h>
#include <tswap/tswap.h>

#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

TEST(EngineLifecycle, FiftyStepsHoldHostMemoryFlat) {
  auto runtime = std::make_shared<tswap::SimulatedRuntime>();
  tswap::SwapOptions options;
  options.min_bytes = 0;  // the test tensors are a few KiB
  options.runtime = runtime;
  SwapSetup setup = SwapSetup::with("lifecycle.flat.*");
  setup.options = options;
  torch::manual_seed(0);
  Stack model = mlp_stack(6, 32, setup);
  const torch::Tensor x = torch::randn({16, 32});

  tswap::HostPoolStats after_two;
  for (int step = 0; step < 50; ++step) {
    train_step(model, x, step);
    runtime->synchronize();
    if (step == 1) after_two = runtime->host_pool_stats();
  }
  const tswap::HostPoolStats after_fifty = runtime->host_pool_stats();
  EXPECT_GT(after_two.reserved_bytes, 0u);
  EXPECT_EQ(after_fifty.reserved_bytes, after_two.reserved_bytes);
  EXPECT_EQ(after_fifty.fresh_allocations, after_two.fresh_allocations);
  EXPECT_GT(after_fifty.reuses, 40u * after_two.fresh_allocations / 2);
  EXPECT_EQ(after_fifty.in_use_bytes, 0u) << "every host copy went back to the pool";
  EXPECT_EQ(tswap::stats().per_tag.at("lifecycle.flat.*").resident_bytes, 0);
}

/// An MLP layer that throws from inside its scope when told to.
struct FlakyBlockImpl : torch::nn::Module {
  FlakyBlockImpl(int64_t width, const SwapSetup& setup)
      : fc1(register_module("fc1", torch::nn::Linear(width, 2 * width))),
        fc2(register_module("fc2", torch::nn::Linear(2 * width, width))),
        swap(setup.tag, setup.options) {}
  torch::Tensor forward(torch::Tensor x) {
    std::optional<tswap::SwapScope> scope;
    swap.enter(scope);
    auto h = torch::relu(fc1(x));
    if (fail) throw std::runtime_error("injected failure");
    return torch::relu(fc2(h));
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  LayerSwap swap;
  bool fail = false;
};
TORCH_MODULE(FlakyBlock);

Stack flaky_stack(int n, const SwapSetup& setup, std::vector<FlakyBlock>& blocks) {
  std::vector<std::shared_ptr<torch::nn::Module>> modules;
  for (int i = 0; i < n; ++i) {
    blocks.emplace_back(16, setup);
    modules.push_back(blocks.back().ptr());
  }
  Stack stack(modules);
  for (auto& b : blocks) stack->layers.emplace_back([b](torch::Tensor x) mutable { return b(x); });
  return stack;
}

TEST(EngineLifecycle, AnExceptionInsideAScopeLeavesTheEngineUsable) {
  constexpr int n = 5;
  std::vector<FlakyBlock> base_blocks, swap_blocks;
  torch::manual_seed(9);
  Stack baseline = flaky_stack(n, SwapSetup::none(), base_blocks);
  torch::manual_seed(9);
  Stack swapped = flaky_stack(n, SwapSetup::with("lifecycle.throw.*"), swap_blocks);
  const torch::Tensor x = torch::randn({4, 16});
  auto per_step = [] { return tswap::stats().per_tag.at("lifecycle.throw.*").tensors_swapped_out; };

  auto same_step = [&](int step) {
    const StepResult expected = train_step(baseline, x, step);
    const StepResult got = train_step(swapped, x, step);
    EXPECT_TRUE(bitwise_equal(expected.loss, got.loss)) << "step " << step;
    for (size_t i = 0; i < got.grads.size(); ++i) {
      EXPECT_TRUE(bitwise_equal(expected.grads[i], got.grads[i]))
          << "step " << step << " param " << i;
    }
  };

  tswap::reset_stats();
  same_step(0);
  const auto swaps_per_step = per_step();
  ASSERT_GT(swaps_per_step, 0u);

  // Layer 2 throws mid-forward: layers 0 and 1 were swapped out, layer 2
  // had started saving.
  swap_blocks[2]->fail = true;
  EXPECT_THROW(swapped->forward(x), std::runtime_error);
  swap_blocks[2]->fail = false;
  EXPECT_EQ(tswap::stats().per_tag.at("lifecycle.throw.*").resident_bytes, 0)
      << "the half-built graph died with the exception, and its swaps with it";

  // The next steps start afresh at layer 0 and match the baseline.
  tswap::reset_stats();
  same_step(1);
  EXPECT_EQ(per_step(), swaps_per_step) << "a full step after the failed one";
  same_step(2);
  EXPECT_EQ(per_step(), 2 * swaps_per_step);
}

TEST(EngineLifecycle, AnExceptionInLayerZeroStillStartsANewStep) {
  // Layer 0 fails twice in a row: re-entering layer 0 is a new step either
  // way, so no key of the failed forward leaks into the next step.
  std::vector<FlakyBlock> blocks;
  torch::manual_seed(2);
  Stack swapped = flaky_stack(3, SwapSetup::with("lifecycle.first.*"), blocks);
  const torch::Tensor x = torch::randn({4, 16});
  blocks[0]->fail = true;
  EXPECT_THROW(swapped->forward(x), std::runtime_error);
  EXPECT_THROW(swapped->forward(x), std::runtime_error);
  blocks[0]->fail = false;
  tswap::reset_stats();
  swapped->forward(x).sum().backward();
  const auto c = tswap::stats().per_tag.at("lifecycle.first.*");
  EXPECT_EQ(c.tensors_swapped_out, 2u * 3);  // layers 0 and 1: input, hidden, output
  EXPECT_EQ(c.tensors_swapped_in + c.reused_without_copy, c.tensors_swapped_out);
  EXPECT_EQ(c.resident_bytes, 0);
}

}  // namespace
}  // namespace tswap_test
