// Two logs compared per tag and layer (trace::compare), on stall_logs.h's
// run with both nested tags swapped (A) and the same run with the outer tag
// alone over a link twice as fast (B).

#include <gtest/gtest.h>

#include <limits>

#include <tswap/trace/compare.h>

#include "stall_logs.h"

namespace tswap_test {
namespace {

constexpr std::int64_t kMs = 1000000;  // ns, signed: the changes go both ways

using tswap::trace::CountChange;
using tswap::trace::RateChange;
using tswap::trace::RowComparison;

tswap::trace::Comparison before_and_after() {
  return tswap::trace::compare(stalls::nested_shared_stream_log().parse("a.tswap"),
                               stalls::outer_alone_log().parse("b.tswap"));
}

void expect_change(const CountChange& c, std::optional<std::int64_t> a,
                   std::optional<std::int64_t> b, std::optional<std::int64_t> delta,
                   std::optional<double> ratio) {
  EXPECT_EQ(c.a, a);
  EXPECT_EQ(c.b, b);
  EXPECT_EQ(c.delta(), delta);
  ASSERT_EQ(c.ratio().has_value(), ratio.has_value());
  if (ratio) {
    EXPECT_DOUBLE_EQ(*c.ratio(), *ratio);
  }
}

TEST(Compare, GivesBothLogsFiguresAndTheirChangePerLayer) {
  const tswap::trace::Comparison c = before_and_after();
  ASSERT_EQ(c.layers.size(), 2u);
  const RowComparison& outer = c.layers[0];
  EXPECT_EQ(outer.tag, "model.layer.*");
  EXPECT_EQ(outer.layer, 0);
  EXPECT_TRUE(outer.in_a && outer.in_b);
  expect_change(outer.bytes_out, 2000000, 2000000, 0, 1.0);
  expect_change(outer.bytes_in, 2000000, 2000000, 0, 1.0);
  expect_change(outer.resident_peak, 2000000, 2000000, 0, 1.0);
  expect_change(outer.d2h_ns, 20 * kMs, 10 * kMs, -10 * kMs, 0.5);
  expect_change(outer.h2d_ns, 20 * kMs, 10 * kMs, -10 * kMs, 0.5);
  // Waited: 58 ms behind the MLP's copies, then 2.5 ms on its own copy.
  expect_change(outer.stall_waited_ns, 58 * kMs, 5 * kMs / 2, -111 * kMs / 2, 2.5 / 58);
  // Caused: its own share of those 58 ms was 5.
  expect_change(outer.stall_caused_ns, 5 * kMs, 5 * kMs / 2, -5 * kMs / 2, 0.5);
  EXPECT_DOUBLE_EQ(outer.d2h_gb_per_s.a.value(), 0.1);
  EXPECT_DOUBLE_EQ(outer.d2h_gb_per_s.b.value(), 0.2);
  EXPECT_DOUBLE_EQ(outer.d2h_gb_per_s.delta().value(), 0.1);
  EXPECT_DOUBLE_EQ(outer.d2h_gb_per_s.ratio().value(), 2.0);
  EXPECT_DOUBLE_EQ(outer.h2d_gb_per_s.ratio().value(), 2.0);
}

TEST(Compare, MarksALayerInOneLogOnlyAndGivesItNoChange) {
  const tswap::trace::Comparison c = before_and_after();
  ASSERT_EQ(c.layers.size(), 2u);
  const RowComparison& inner = c.layers[1];
  EXPECT_EQ(inner.tag, "model.layer.*.mlp");
  EXPECT_EQ(inner.layer, 0);
  EXPECT_TRUE(inner.in_a);
  EXPECT_FALSE(inner.in_b);
  expect_change(inner.bytes_out, 3000000, std::nullopt, std::nullopt, std::nullopt);
  expect_change(inner.stall_waited_ns, 0, std::nullopt, std::nullopt, std::nullopt);
  expect_change(inner.stall_caused_ns, 53 * kMs, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(inner.d2h_gb_per_s.b, std::nullopt);
  EXPECT_EQ(inner.d2h_gb_per_s.delta(), std::nullopt);
}

TEST(Compare, GivesTagTotalsStepsAndTheWholeLogsPeaks) {
  const tswap::trace::Comparison c = before_and_after();
  ASSERT_EQ(c.tags.size(), 2u);
  EXPECT_EQ(c.tags[0].tag, "model.layer.*");
  EXPECT_EQ(c.tags[0].layer, -1);
  expect_change(c.tags[0].stall_caused_ns, 5 * kMs, 5 * kMs / 2, -5 * kMs / 2, 0.5);
  expect_change(c.tags[0].resident_peak, 2000000, 2000000, 0, 1.0);
  EXPECT_EQ(c.tags[1].tag, "model.layer.*.mlp");
  EXPECT_FALSE(c.tags[1].in_b);
  expect_change(c.tags[1].resident_peak, 3000000, std::nullopt, std::nullopt, std::nullopt);
  expect_change(c.steps, 1, 1, 0, 1.0);
  // A held every copy out at once (5 MB at 3 ms); B at most 2 MB.
  expect_change(c.resident_peak, 5000000, 2000000, -3000000, 0.4);
  // Only B has allocator samples: no change to state.
  expect_change(c.allocated_peak, std::nullopt, 6000000, std::nullopt, std::nullopt);
  expect_change(c.reserved_peak, std::nullopt, 8388608, std::nullopt, std::nullopt);
}

TEST(Compare, ALogAgainstItselfChangesNothing) {
  const tswap::trace::Trace a = stalls::nested_shared_stream_log().parse();
  const tswap::trace::Comparison c = tswap::trace::compare(a, a);
  ASSERT_EQ(c.layers.size(), 2u);
  for (const RowComparison& r : c.layers) {
    EXPECT_TRUE(r.in_a && r.in_b);
    EXPECT_EQ(r.stall_caused_ns.delta(), 0);
    EXPECT_EQ(r.bytes_out.ratio(), 1.0);
  }
}

TEST(Change, HasNoRatioFromZeroAndSaturatesItsDelta) {
  const CountChange from_zero{0, 5};
  EXPECT_EQ(from_zero.delta(), 5);
  EXPECT_EQ(from_zero.ratio(), std::nullopt);
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ((CountChange{-max, max}.delta()), max);
  EXPECT_EQ((CountChange{max, -max}.delta()), std::numeric_limits<std::int64_t>::min());
  const RateChange half{4.0, 2.0};
  EXPECT_EQ(half.delta(), -2.0);
  EXPECT_EQ(half.ratio(), 0.5);
}

}  // namespace
}  // namespace tswap_test
