// Release frees device memory only when the engine holds the last reference;
// otherwise it defers, and what the other holder sees is untouched. An
// in-place change after a save raises autograd's error.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tswap/tswap.h>

#include "support/errors.h"
#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

using ::testing::HasSubstr;

TEST(DeferredRelease, OutputHeldByTheNextLayerIsDeferredNotFreed) {
  // Each MLP layer saves its input, relu(fc1) (also fc2's input: one swap)
  // and its output relu(fc2). When layer L+1 starts, L's output is held by
  // the forward code and being saved by L+1: deferred. Layer 0's input is
  // held by the caller here: deferred. Everything else: freed.
  constexpr int n = 5;
  torch::manual_seed(0);
  Stack model = mlp_stack(n, 16, SwapSetup::with("deferred.mlp.*"));
  const torch::Tensor input = torch::randn({4, 16});
  tswap::reset_stats();
  model->forward(input).sum().backward();
  const auto c = tswap::stats().per_tag.at("deferred.mlp.*");
  EXPECT_EQ(c.tensors_swapped_out, 3u * (n - 1));
  EXPECT_EQ(c.deferred_releases, static_cast<std::uint64_t>(n));
  EXPECT_EQ(c.releases, 2u * (n - 1) - 1);
  // Two deferred storages are still alive when backward reaches them: the
  // caller's input, and layer n-2's output, which the last layer (never
  // swapped) holds until prefetch takes it. The rest are copied back.
  EXPECT_EQ(c.reused_without_copy, 2u);
  EXPECT_EQ(c.tensors_swapped_in, c.tensors_swapped_out - 2);
}

TEST(DeferredRelease, InputNobodyElseHoldsIsFreed) {
  // A temporary input dies inside forward (the Stack overwrites its
  // parameter): layer 0's copy of it is the last reference.
  constexpr int n = 5;
  torch::manual_seed(0);
  Stack model = mlp_stack(n, 16, SwapSetup::with("deferred.temporary.*"));
  tswap::reset_stats();
  model->forward(torch::randn({4, 16})).sum().backward();
  const auto c = tswap::stats().per_tag.at("deferred.temporary.*");
  EXPECT_EQ(c.deferred_releases, static_cast<std::uint64_t>(n - 1));
  EXPECT_EQ(c.releases, 2u * (n - 1));
  EXPECT_EQ(c.reused_without_copy, 1u) << "layer n-2's output, held by the last layer";
  EXPECT_EQ(c.tensors_swapped_in, c.tensors_swapped_out - 1);
}

TEST(DeferredRelease, TensorsTheUserKeepsKeepTheirValuesAndGradientsMatch) {
  constexpr int n = 4;
  torch::manual_seed(3);
  Stack baseline = mlp_stack(n, 16, SwapSetup::none());
  torch::manual_seed(3);
  Stack swapped = mlp_stack(n, 16, SwapSetup::with("deferred.kept.*"));
  const torch::Tensor x = torch::randn({8, 16});

  std::vector<torch::Tensor> kept, snapshots;
  swapped->on_output = [&](size_t, const torch::Tensor& out) {
    kept.push_back(out);
    snapshots.push_back(out.detach().clone());
  };
  tswap::reset_stats();
  const StepResult expected = train_step(baseline, x, 1);
  torch::manual_seed(1);
  const torch::Tensor loss = swapped->forward(x).pow(2).mean();
  // Every layer has been released by now (the last one never is).
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(kept[i], snapshots[i])) << "output of layer " << i;
  }
  loss.backward();
  const auto c = tswap::stats().per_tag.at("deferred.kept.*");
  EXPECT_GE(c.deferred_releases, static_cast<std::uint64_t>(n - 1));
  // Outputs the user still holds are handed back without a copy.
  EXPECT_GE(c.reused_without_copy, static_cast<std::uint64_t>(n - 1));
  EXPECT_TRUE(bitwise_equal(expected.loss, loss));
  const auto params = swapped->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(expected.grads[i], params[i].grad())) << "parameter " << i;
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(kept[i], snapshots[i]))
        << "output of layer " << i << " after backward";
  }
}

/// Runs forward, changes layer 0's output in place, runs backward; returns
/// the error message (empty if none).
std::string backward_after_inplace_change(Stack& model) {
  torch::Tensor first_output;
  model->on_output = [&](size_t layer, const torch::Tensor& out) {
    if (layer == 0) first_output = out;
  };
  torch::manual_seed(0);
  torch::Tensor loss = model->forward(torch::randn({4, 16})).sum();
  first_output.mul_(2);  // bumps the version of a tensor layers 0 and 1 saved
  model->on_output = nullptr;
  return error_of([&] { loss.backward(); });
}

TEST(InplaceCheck, ChangeAfterSaveRaisesAutogradsErrorNamingTheTensor) {
  torch::manual_seed(0);
  Stack baseline = mlp_stack(3, 16, SwapSetup::none());
  torch::manual_seed(0);
  Stack swapped = mlp_stack(3, 16, SwapSetup::with("inplace.error.*"));

  // Without tensorswap, autograd catches it...
  EXPECT_THAT(backward_after_inplace_change(baseline),
              HasSubstr("modified by an inplace operation"));
  // ...and with it, tensorswap does (autograd cannot through hooks).
  const std::string message = backward_after_inplace_change(swapped);
  EXPECT_THAT(message, HasSubstr("tensorswap: one of the variables needed for gradient "
                                 "computation has been modified by an inplace operation"));
  EXPECT_THAT(message, HasSubstr("[CPUFloatType [4, 16]]"));
  EXPECT_THAT(message, HasSubstr("of module tag 'inplace.error.*'"));
  EXPECT_THAT(message, HasSubstr("is at version 1; expected version 0 instead"));
}

TEST(InplaceCheck, TensorsKeptOnTheDeviceAreCheckedToo) {
  tswap::SwapOptions keep_all;
  keep_all.min_bytes = 0;
  keep_all.predicate = [](const at::Tensor&) { return false; };
  SwapSetup setup = SwapSetup::with("inplace.kept.*");
  setup.options = keep_all;
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, setup);
  EXPECT_THAT(backward_after_inplace_change(model),
              HasSubstr("is at version 1; expected version 0"));
  EXPECT_EQ(tswap::stats().per_tag.at("inplace.kept.*").tensors_swapped_out, 0u);
}

TEST(InplaceCheck, EngineIsUsableAfterTheError) {
  torch::manual_seed(0);
  Stack swapped = mlp_stack(3, 16, SwapSetup::with("inplace.recover.*"));
  ASSERT_FALSE(backward_after_inplace_change(swapped).empty());
  // The failed backward ran layer 2 before the error and accumulated its
  // gradients: start clean, as a training loop would after an error.
  for (auto& p : swapped->parameters()) p.mutable_grad() = torch::Tensor();
  EXPECT_EQ(tswap::stats().per_tag.at("inplace.recover.*").resident_bytes, 0)
      << "the failed graph is gone, and its swaps with it";
  torch::manual_seed(0);
  Stack baseline = mlp_stack(3, 16, SwapSetup::none());
  // Same initial weights: the failed step never updated them.
  const torch::Tensor x = torch::randn({4, 16});
  const StepResult expected = train_step(baseline, x, 5);
  const StepResult got = train_step(swapped, x, 5);
  EXPECT_TRUE(bitwise_equal(expected.loss, got.loss));
  for (size_t i = 0; i < got.grads.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(expected.grads[i], got.grads[i])) << "parameter " << i;
  }
}

}  // namespace
}  // namespace tswap_test
