// Device-resident bytes of swapped activations stay within what the
// algorithm allows, in forward and in backward, and return to zero.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include <tswap/tswap.h>

#include "support/models.h"

namespace tswap_test {
namespace {

std::int64_t resident(const std::string& tag) {
  return tswap::stats().per_tag.at(tag).resident_bytes;
}

struct Samples {
  std::vector<std::int64_t> forward, backward;
};

/// Runs one step of `model`, sampling the tag's resident bytes after each
/// layer's forward and when each layer's output gradient arrives in backward.
Samples sample_step(Stack& model, const torch::Tensor& input, const std::string& tag) {
  Samples s;
  model->on_output = [&](size_t, const torch::Tensor& out) {
    s.forward.push_back(resident(tag));
    out.register_hook([&s, tag](torch::Tensor grad) {
      s.backward.push_back(resident(tag));
      return grad;
    });
  };
  model->forward(input).pow(2).mean().backward();
  model->on_output = nullptr;
  return s;
}

void expect_two_layer_bound(Stack& model, const torch::Tensor& input, const std::string& tag,
                            int layers) {
  tswap::reset_stats();
  const Samples s = sample_step(model, input, tag);
  const auto c = tswap::stats().per_tag.at(tag);
  // Layers 0 .. n-2 swap out alike; the last is the same size but stays.
  ASSERT_EQ(c.bytes_swapped_out % (layers - 1), 0u);
  const std::int64_t per_layer = static_cast<std::int64_t>(c.bytes_swapped_out / (layers - 1));
  ASSERT_GT(per_layer, 0);
  ASSERT_EQ(s.forward.size(), static_cast<size_t>(layers));
  ASSERT_EQ(s.backward.size(), static_cast<size_t>(layers));
  // When layer L starts saving, layer L-1 is released: in forward at most
  // layers L-1 and L are held; in backward layer L and the prefetched L-1.
  for (size_t i = 0; i < s.forward.size(); ++i) {
    EXPECT_LE(s.forward[i], 2 * per_layer) << "after forward of layer " << i;
  }
  for (size_t i = 0; i < s.backward.size(); ++i) {
    EXPECT_LE(s.backward[i], 2 * per_layer) << "backward sample " << i;
  }
  EXPECT_LE(c.peak_resident_bytes, 2 * per_layer);
  // ...where without swapping all layers would be: the bound is not idle.
  EXPECT_EQ(c.bytes_saved, static_cast<std::uint64_t>(layers * per_layer));
  EXPECT_LT(c.peak_resident_bytes, layers * per_layer / 2);
  EXPECT_GT(*std::max_element(s.backward.begin(), s.backward.end()), 0);
  EXPECT_EQ(resident(tag), 0) << "backward done, graph freed";
}

TEST(ResidentBytes, MlpStaysWithinTwoLayersAndReturnsToZero) {
  torch::manual_seed(0);
  Stack model = mlp_stack(8, 32, SwapSetup::with("resident.mlp.*"));
  expect_two_layer_bound(model, torch::randn({16, 32}), "resident.mlp.*", 8);
}

TEST(ResidentBytes, TransformerStaysWithinTwoLayersAndReturnsToZero) {
  torch::manual_seed(0);
  Stack model = transformer_stack(6, 32, 4, SwapSetup::with("resident.transformer.*"));
  expect_two_layer_bound(model, torch::randn({2, 16, 32}), "resident.transformer.*", 6);
}

TEST(ResidentBytes, GrowWithEveryLayerWhenNothingIsReleased) {
  // The same measurement on a tag whose copies all go to one layer count:
  // with a single context the only layer is the last, nothing swaps, and
  // everything saved stays resident until backward. Guards the bound above
  // against a counter that never counts.
  torch::manual_seed(0);
  Stack model = mlp_stack(1, 32, SwapSetup::with("resident.single.*"));
  tswap::reset_stats();
  const Samples s = sample_step(model, torch::randn({16, 32}), "resident.single.*");
  const auto c = tswap::stats().per_tag.at("resident.single.*");
  EXPECT_EQ(c.tensors_swapped_out, 0u);
  ASSERT_EQ(s.forward.size(), 1u);
  EXPECT_GT(s.forward[0], 0);
  EXPECT_EQ(c.peak_resident_bytes, s.forward[0]);
  EXPECT_EQ(c.bytes_saved, static_cast<std::uint64_t>(c.peak_resident_bytes))
      << "all that was saved stayed";
  EXPECT_EQ(resident("resident.single.*"), 0);
}

}  // namespace
}  // namespace tswap_test
