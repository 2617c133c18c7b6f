// What the engine records: golden event orders for the MLP and transformer
// steps of the engine tests, the ordering rules, and bytes that agree with
// the counters.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tswap/testing.h>
#include <tswap/trace/summary.h>
#include <tswap/tswap.h>

#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

using tswap::testing::MatchesGoldenOrder;
using tswap::testing::RecordedRun;
using tswap::testing::SatisfiesOrderingRules;
using tswap::trace::EventKind;

const std::string kGolden = TSWAP_TEST_DATA "/golden/";

TEST(EngineLog, MlpStepsKeepTheirEventOrder) {
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, SwapSetup::with("golden.mlp.*"));
  const torch::Tensor x = torch::randn({4, 16});
  RecordedRun run;
  for (int step = 0; step < 2; ++step) train_step(model, x, step);
  const tswap::trace::Trace log = run.stop();
  EXPECT_THAT(log, SatisfiesOrderingRules());
  EXPECT_THAT(log, MatchesGoldenOrder(kGolden + "mlp.order"));
}

TEST(EngineLog, TransformerStepKeepsItsEventOrder) {
  torch::manual_seed(0);
  SwapSetup setup = SwapSetup::with("golden.block.*");
  setup.inner_tag = "golden.block.*.mlp";
  Stack model = transformer_stack(3, 16, 2, setup);
  const torch::Tensor x = torch::randn({2, 5, 16});
  RecordedRun run;
  train_step(model, x, 0);
  const tswap::trace::Trace log = run.stop();
  EXPECT_THAT(log, SatisfiesOrderingRules());
  EXPECT_THAT(log, MatchesGoldenOrder(kGolden + "transformer.order"));
}

TEST(EngineLog, TheLogAgreesWithTheCounters) {
  torch::manual_seed(0);
  Stack model = transformer_stack(4, 16, 2, SwapSetup::with("log.counters.*"));
  const torch::Tensor x = torch::randn({2, 6, 16});
  tswap::reset_stats();
  RecordedRun run;
  for (int step = 0; step < 3; ++step) train_step(model, x, step);
  const tswap::trace::Trace log = run.stop();
  const tswap::SwapCounters c = tswap::stats().per_tag.at("log.counters.*");
  const tswap::trace::Summary s = tswap::trace::summarize(log);
  ASSERT_EQ(s.tags.size(), 1u);
  const tswap::trace::LayerSummary& t = s.tags[0];
  EXPECT_EQ(s.steps, 3u);
  EXPECT_EQ(t.tensors_out, c.tensors_swapped_out);
  EXPECT_EQ(t.bytes_out, c.bytes_swapped_out);
  EXPECT_EQ(t.tensors_in, c.tensors_swapped_in);
  EXPECT_EQ(t.bytes_in, c.bytes_swapped_in);
  EXPECT_EQ(t.prefetched, c.prefetches);
  EXPECT_EQ(t.reused, c.reused_without_copy);
  EXPECT_EQ(t.freed, c.releases);
  EXPECT_EQ(t.deferred, c.deferred_releases);
  EXPECT_EQ(t.kept, c.tensors_kept);
  EXPECT_EQ(tswap::testing::count(log, EventKind::d2h_done), c.tensors_swapped_out);
  EXPECT_EQ(tswap::testing::count(log, EventKind::h2d_done), c.tensors_swapped_in);
  EXPECT_EQ(tswap::testing::count(log, EventKind::layer_enter), 4u * 3u);
  // Resident bytes replayed from the log peak where the engine's did.
  std::int64_t resident = 0, peak = 0;
  for (const tswap::trace::Event& e : log.events()) {
    resident += tswap::trace::resident_delta(e);
    peak = std::max(peak, resident);
  }
  EXPECT_EQ(resident, 0);
  EXPECT_EQ(peak, c.peak_resident_bytes);
  EXPECT_THAT(log, SatisfiesOrderingRules());
}

TEST(EngineLog, ARegressionInTheScheduleIsCaught) {
  // The golden file of the MLP, checked against a run whose schedule is
  // different (no prefetch): the matcher must fail, naming the line.
  tswap::SwapOptions no_prefetch;
  no_prefetch.min_bytes = 0;
  no_prefetch.prefetch_depth = 0;
  SwapSetup setup = SwapSetup::with("golden.mlp.*");
  setup.options = no_prefetch;
  torch::manual_seed(0);
  Stack model = mlp_stack(3, 16, setup);
  const torch::Tensor x = torch::randn({4, 16});
  RecordedRun run;
  for (int step = 0; step < 2; ++step) train_step(model, x, step);
  const tswap::trace::Trace log = run.stop();
  ::testing::StringMatchResultListener why;
  EXPECT_FALSE(MatchesGoldenOrder(kGolden + "mlp.order").MatchAndExplain(log, &why));
  EXPECT_THAT(why.str(), ::testing::HasSubstr("mlp.order:\n  expected: "));
}

}  // namespace
}  // namespace tswap_test
