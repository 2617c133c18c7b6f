// A regression test on the swap schedule, as a user adds it to their own
// CI: one training step of the model is recorded, and the order of what
// the swapper did — every copy out, release, copy back and prefetch, per
// thread, without times — must match a file checked into the repository.
// A change to the model, to its tags or to tensorswap that moves a copy or
// a release fails the test and shows the first line that differs.
//
//   tswap-sample-regression-test                        # compare
//   TSWAP_UPDATE_GOLDEN=1 tswap-sample-regression-test  # accept the new schedule
//
// The golden files live beside this source (golden/*.order); commit them
// with the change that moved the schedule.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include <tswap/testing.h>
#include <tswap/tswap.h>

#include "../transformer/gpt.h"

namespace {

using tswap::testing::MatchesGoldenOrder;
using tswap::testing::RecordedRun;
using tswap::testing::SatisfiesOrderingRules;
using tswap::trace::EventKind;

/// golden/NAME next to this file, wherever the project was built from.
std::string golden(const std::string& name) {
  const std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/') + 1) + "golden/" + name;
}

/// A GPT small enough to run in a second, with the tags the real one has.
gpt::Config small_model(std::set<std::string> swap) {
  gpt::Config c;
  c.vocab = 32, c.seq = 8, c.dim = 16, c.heads = 2, c.layers = 3;
  c.swap = std::move(swap);
  return c;
}

// The model is tiny, its tensors far below tensorswap's default min_bytes
// (1 MiB): swap them all, as a real model's would be.
const bool g_swap_small_tensors = [] {
  tswap::SwapOptions options;
  options.min_bytes = 0;
  tswap::set_default_options(options);
  return true;
}();

void train_one_step(gpt::Gpt& model) {
  torch::manual_seed(1);
  const torch::Tensor ids = gpt::synthetic_batch(small_model({}), /*batch=*/2, torch::kCPU);
  model->loss(ids).backward();
}

TEST(SwapSchedule, BlocksSwapInTheRecordedOrder) {
  torch::manual_seed(0);
  gpt::Gpt model(small_model({gpt::kBlockTag}));
  RecordedRun run;  // records from here to stop()
  train_one_step(model);
  const tswap::trace::Trace log = run.stop();
  EXPECT_THAT(log, SatisfiesOrderingRules());  // copies before releases, prefetch before use...
  EXPECT_THAT(log, MatchesGoldenOrder(golden("blocks.order")));
}

TEST(SwapSchedule, BlocksAndTheirMlpsSwapInTheRecordedOrder) {
  torch::manual_seed(0);
  gpt::Gpt model(small_model({gpt::kBlockTag, gpt::kMlpTag}));
  RecordedRun run;
  train_one_step(model);
  const tswap::trace::Trace log = run.stop();
  EXPECT_THAT(log, SatisfiesOrderingRules());
  EXPECT_THAT(log, MatchesGoldenOrder(golden("blocks_and_mlps.order")));
  // Counts are worth asserting too: three blocks, each with its MLP.
  EXPECT_EQ(tswap::testing::count(log, EventKind::layer_enter), 6u);
}

}  // namespace
