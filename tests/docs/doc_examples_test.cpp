// The C++ examples of the README and docs/api.md, as a reader copies them
// (extracted from the pages by tests/docs/DocCppBlocks.cmake), compile and
// do what the pages say.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "readme_block.h"     // README.md: the Block a user starts from
#include "api_options_block.h"  // docs/api.md: the options example
#include "api_accelerator_block.h"  // docs/api.md: an accelerator runtime of your own

namespace {

TEST(DocExamples, TheReadmeBlockRegistersItsLayersAndSwapsItsActivations) {
  Block block;
  // Copied as it is, the optimizer must see fc1 and fc2 (weights, biases).
  EXPECT_EQ(block.parameters().size(), 4u);
  torch::optim::SGD optimizer(block.parameters(), 0.01);
  const std::uint64_t before = tswap::stats().per_tag["model.layer.*"].tensors_saved;
  const torch::Tensor loss = block.forward(torch::randn({2, 1024})).pow(2).mean();
  loss.backward();
  optimizer.step();
  EXPECT_GT(tswap::stats().per_tag.at("model.layer.*").tensors_saved, before);
}

TEST(DocExamples, TheApiOptionsExampleSetsTheDefaults) {
  const tswap::SwapOptions saved = tswap::default_options();
  doc_example_2();
  EXPECT_EQ(tswap::default_options().min_bytes, 64u << 10);
  EXPECT_EQ(tswap::default_options().runtime->name(), "simulated 25 GB/s 10 us");
  tswap::set_default_options(saved);
}

TEST(DocExamples, TheAcceleratorExampleBuildsOnCudaAndSaysSoWithout) {
  // Compiled everywhere; it makes a CUDA runtime, which a LibTorch without
  // CUDA refuses with a c10::Error naming the device type.
  if (torch::cuda::is_available()) {
    EXPECT_NO_THROW(doc_example_3());
  } else {
    EXPECT_THROW(doc_example_3(), c10::Error);
  }
}

}  // namespace
