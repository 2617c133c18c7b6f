// Gradients and losses with swapping are bitwise equal to the same run
// without, over several steps, for every kind of layer the engine must
// handle.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tswap/tswap.h>

#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

constexpr int kSteps = 4;

InputFactory random_input(std::vector<int64_t> sizes, torch::Dtype dtype = torch::kFloat) {
  return [sizes, dtype](int step) {
    torch::manual_seed(7000 + step);
    return torch::randn(sizes).to(dtype);
  };
}

ModelFactory in_dtype(ModelFactory make, torch::Dtype dtype) {
  return [make, dtype](const SwapSetup& s) {
    Stack m = make(s);
    m->to(dtype);
    return m;
  };
}

TEST(GradientEquality, MlpMatchesBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return mlp_stack(5, 32, s); },
                       SwapSetup::with("eq.mlp.*"), kSteps, random_input({16, 32}));
  const auto c = tswap::stats().per_tag.at("eq.mlp.*");
  EXPECT_GT(c.tensors_swapped_out, 0u);
  EXPECT_EQ(c.tensors_swapped_in + c.reused_without_copy, c.tensors_swapped_out);
}

TEST(GradientEquality, TransformerBlockMatchesBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return transformer_stack(4, 32, 4, s); },
                       SwapSetup::with("eq.transformer.*"), kSteps, random_input({2, 12, 32}));
  EXPECT_GT(tswap::stats().per_tag.at("eq.transformer.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, ConvolutionsMatchBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return conv_stack(4, 6, s); },
                       SwapSetup::with("eq.conv.*"), kSteps, random_input({2, 6, 10, 10}));
  EXPECT_GT(tswap::stats().per_tag.at("eq.conv.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, SavedViewsAndSlicesMatchBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return view_stack(4, 24, s); },
                       SwapSetup::with("eq.views.*"), kSteps, random_input({10, 24}));
  EXPECT_GT(tswap::stats().per_tag.at("eq.views.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, AllowedInplaceOpsMatchBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return inplace_stack(4, 24, s); },
                       SwapSetup::with("eq.inplace.*"), kSteps, random_input({8, 24}));
  EXPECT_GT(tswap::stats().per_tag.at("eq.inplace.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, DropoutUnderFixedSeedMatchesBaselineBitwise) {
  expect_same_training([](const SwapSetup& s) { return dropout_stack(4, 32, s); },
                       SwapSetup::with("eq.dropout.*"), kSteps, random_input({16, 32}));
  EXPECT_GT(tswap::stats().per_tag.at("eq.dropout.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, Float64MatchesBaselineBitwise) {
  expect_same_training(
      in_dtype([](const SwapSetup& s) { return transformer_stack(3, 16, 2, s); }, torch::kDouble),
      SwapSetup::with("eq.f64.*"), kSteps, random_input({2, 6, 16}, torch::kDouble));
  EXPECT_GT(tswap::stats().per_tag.at("eq.f64.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, BFloat16MatchesBaselineBitwise) {
  expect_same_training(
      in_dtype([](const SwapSetup& s) { return mlp_stack(4, 32, s); }, torch::kBFloat16),
      SwapSetup::with("eq.bf16.*"), kSteps, random_input({16, 32}, torch::kBFloat16));
  EXPECT_GT(tswap::stats().per_tag.at("eq.bf16.*").tensors_swapped_out, 0u);
}

TEST(GradientEquality, TwoInterleavedTagsKeepTheirOwnNumbering) {
  expect_same_training(
      [](const SwapSetup& s) {
        if (!s.swaps()) return interleaved_stack(3, 24, s, s);
        return interleaved_stack(3, 24, SwapSetup::with("eq.even.*"), SwapSetup::with("eq.odd.*"));
      },
      SwapSetup::with("unused"), kSteps, random_input({8, 24}));
  const auto stats = tswap::stats();
  // Three layers per tag: layers 0 and 1 of each swap out, layer 2 (the
  // tag's last) stays. With one shared counter (the reference design) the
  // six layers would number 0..5 and only the last would stay.
  const auto even = stats.per_tag.at("eq.even.*"), odd = stats.per_tag.at("eq.odd.*");
  EXPECT_EQ(even.tensors_swapped_out, odd.tensors_swapped_out);
  EXPECT_GT(even.tensors_swapped_out, 0u);
  EXPECT_GT(even.tensors_kept + 0, 0u);
}

TEST(GradientEquality, NestedScopesGiveTheInnerTagWhatIsSavedInside) {
  SwapSetup nested = SwapSetup::with("eq.block.*");
  nested.inner_tag = "eq.block.*.mlp";
  expect_same_training([](const SwapSetup& s) { return transformer_stack(3, 16, 2, s); }, nested,
                       kSteps, random_input({2, 5, 16}));
  const auto stats = tswap::stats();
  EXPECT_GT(stats.per_tag.at("eq.block.*").tensors_swapped_out, 0u);
  EXPECT_GT(stats.per_tag.at("eq.block.*.mlp").tensors_swapped_out, 0u);
}

}  // namespace
}  // namespace tswap_test
