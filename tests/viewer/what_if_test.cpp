// The what-if panel's model (gui/model/what_if.h) on what_if_logs.h's two
// nested tags: the profiled step's origin on the log's clock, the default
// budget, and predicted curves that follow trace::predict point by point as
// tags are ticked on and off.

#include <gtest/gtest.h>

#include <tswap/trace/advise.h>

#include "log_builder.h"
#include "what_if.h"
#include "what_if_logs.h"

namespace tswap_test {
namespace {

using namespace tswap::viewer;
using tswap::trace::Plan;

const char* const kBlock = "model.layer.*";
const char* const kMlp = "model.layer.*.mlp";

/// What PredictedCurve should hold for `plan`: predict()'s points from the
/// step's origin (several at one time: the last level holds).
std::pair<std::vector<std::uint64_t>, std::vector<std::int64_t>> expected(const WhatIf& w, const Plan& plan) {
  Curve c;
  for (const auto& [t, bytes] : tswap::trace::predict(w.profile, plan).curve) {
    c.append(w.origin_ns + static_cast<std::uint64_t>(t), bytes);
  }
  return {c.times(), c.levels()};
}

Plan plan_of(std::set<std::string> tags, int keep = 1, int depth = 1) {
  Plan p;
  p.swapped = std::move(tags);
  p.keep_last = keep;
  p.prefetch_depth = depth;
  return p;
}

TEST(WhatIf, ProfilesTheStepFromWhereItBeginsInTheLog) {
  const WhatIf w = WhatIf::build(what_if_log().parse("swapped.tswap"));
  EXPECT_EQ(w.origin_ns, 5100u);  // the block's layer 0 scope, the step's first
  EXPECT_EQ(w.profile.tags, (std::vector<std::string>{kBlock, kMlp}));
  EXPECT_EQ(w.profile.layers.size(), 6u);
  EXPECT_FALSE(w.link_assumed);
  EXPECT_DOUBLE_EQ(w.profile.d2h_bytes_per_ns, 40.0);  // the log's copies
  // The budget starts at what the run held: its measured peak.
  ASSERT_TRUE(w.profile.measured_resident_peak.has_value());
  EXPECT_GT(*w.profile.measured_resident_peak, 0);
  EXPECT_EQ(w.default_budget(), static_cast<std::uint64_t>(*w.profile.measured_resident_peak));
  // Without swapping, all six layers' 36,000 B are held at once.
  EXPECT_EQ(w.without_swapping.peak_bytes, 36000);
}

TEST(WhatIf, TogglingATagChangesThePredictedCurveAsPredictSays) {
  const WhatIf w = WhatIf::build(what_if_log().parse("swapped.tswap"));
  const Plan both = plan_of({kBlock, kMlp}), block = plan_of({kBlock}), mlp = plan_of({kMlp});
  std::vector<std::vector<std::int64_t>> levels;
  for (const Plan& plan : {both, block, mlp, plan_of({})}) {
    const PredictedCurve p = PredictedCurve::build(w, plan);
    EXPECT_EQ(p.plan, plan);
    const auto [times, values] = expected(w, plan);
    EXPECT_EQ(p.curve.times(), times) << describe(plan);
    EXPECT_EQ(p.curve.levels(), values) << describe(plan);
    const tswap::trace::Prediction direct = tswap::trace::predict(w.profile, plan);
    EXPECT_EQ(p.curve.peak(), direct.peak_bytes) << describe(plan);
    EXPECT_EQ(p.prediction.stall_ns, direct.stall_ns) << describe(plan);
    EXPECT_EQ(p.begin, 5100u);
    EXPECT_GE(p.end, 5100u + static_cast<std::uint64_t>(w.profile.step_ns));
    levels.push_back(values);
  }
  // Ticking a tag off changes the curve. (The block alone holds less than
  // both: the MLP's tensors are then saved in the block's layers and swap
  // with them, and only the block's last layer stays; Note [Planning].)
  EXPECT_NE(levels[0], levels[1]);
  EXPECT_NE(levels[0], levels[2]);
  EXPECT_EQ(PredictedCurve::build(w, both).curve.peak(), 24000);
  EXPECT_EQ(PredictedCurve::build(w, block).curve.peak(), 20000);
  EXPECT_EQ(PredictedCurve::build(w, plan_of({})).curve.peak(), 36000);  // nothing swapped: all of it
  // Keep-last and prefetch depth reach the prediction too.
  EXPECT_EQ(PredictedCurve::build(w, plan_of({kBlock, kMlp}, 2, 0)).prediction.bytes_out,
            tswap::trace::predict(w.profile, plan_of({kBlock, kMlp}, 2, 0)).bytes_out);
  EXPECT_LT(PredictedCurve::build(w, plan_of({kBlock, kMlp}, 2)).prediction.bytes_out,
            PredictedCurve::build(w, both).prediction.bytes_out);
}

TEST(WhatIf, AnObservedRunTakesTheLinkGivenAndBudgetsItsPeakWithoutSwapping) {
  const tswap::trace::Trace observed = what_if_log(true).parse("observed.tswap");
  try {
    WhatIf::build(observed);
    ADD_FAILURE() << "profiled without a link rate";
  } catch (const tswap::trace::AdviseError& e) {
    EXPECT_NE(std::string(e.what()).find("an observe-mode log copied nothing"), std::string::npos) << e.what();
  }
  const WhatIf w = WhatIf::build(observed, 25.0);
  EXPECT_TRUE(w.link_assumed);
  EXPECT_DOUBLE_EQ(w.profile.d2h_bytes_per_ns, 25.0);
  EXPECT_EQ(w.origin_ns, 5100u);
  EXPECT_FALSE(w.profile.measured_resident_peak.has_value());
  EXPECT_EQ(w.default_budget(), 36000u);
}

TEST(WhatIf, ALogWithoutAWholeStepSaysWhy) {
  // Layer scopes without backward spans: nothing to plan from, link or not.
  LogBuilder b;
  b.standard_names().records(1, {rec(tswap::trace::EventKind::layer_enter, 100, 0),
                                 rec(tswap::trace::EventKind::swap_created, 110, 0, 0, 4096),
                                 rec(tswap::trace::EventKind::layer_exit, 200, 0)});
  b.end(3);
  try {
    WhatIf::build(b.parse("no_backward.tswap"), 25.0);
    ADD_FAILURE() << "profiled";
  } catch (const tswap::trace::AdviseError& e) {
    EXPECT_NE(std::string(e.what()).find("has no complete step"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tswap_test
