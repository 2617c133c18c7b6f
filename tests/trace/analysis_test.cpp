// The ordering rules, each broken on purpose; the timing-free event order
// and its diff.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tswap/trace/analysis.h>

#include "log_builder.h"

namespace tswap_test {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using tswap::trace::EventKind;
using tswap::trace::kFlagPrefetch;
using tswap::trace::Violation;

constexpr std::uint8_t kFreed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);

/// Two layers; layer 0 (tensor 0) swaps out, is released, comes back by
/// prefetch during layer 1's backward, and is used. Times can be bent per test.
struct Schedule {
  std::uint64_t d2h_done = 30, release = 40, prefetch = 70, h2d_done = 80, use0 = 90;
  std::uint16_t h2d_layer = 0;
  bool back = true;

  tswap::trace::Trace build() const {
    std::vector<tswap::trace::Record> main = {
        rec(EventKind::step_begin, 1, 0),
        rec(EventKind::d2h_queued, 10, 0, 0, 64, 1),
        rec(EventKind::release, release, 0, 0, 64, 0, 0, kFreed),
        rec(EventKind::unpack, 60, 1, 0),
    };
    if (back)
      main.push_back(rec(EventKind::h2d_queued, prefetch, h2d_layer, 0, 64, 2, kFlagPrefetch));
    main.push_back(rec(EventKind::unpack, use0, 0, 0));
    std::vector<tswap::trace::Record> copier = {rec(EventKind::d2h_start, 20, 0, 0, 64, 1),
                                                rec(EventKind::d2h_done, d2h_done, 0, 0, 64, 1)};
    if (back) {
      copier.push_back(rec(EventKind::h2d_start, 75, h2d_layer, 0, 64, 2, kFlagPrefetch));
      copier.push_back(rec(EventKind::h2d_done, h2d_done, h2d_layer, 0, 64, 2, kFlagPrefetch));
    }
    LogBuilder b;
    b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
    return b.parse();
  }
};

std::vector<std::string> rules(const std::vector<Violation>& found) {
  std::vector<std::string> r;
  for (const Violation& v : found) r.push_back(v.rule);
  return r;
}

TEST(OrderingRules, AGoodScheduleBreaksNone) {
  EXPECT_THAT(tswap::trace::check_invariants(Schedule{}.build()), ::testing::IsEmpty());
}

TEST(OrderingRules, ReleaseBeforeTheCopyOutEnds) {
  Schedule s;
  s.release = 25;  // the copy ends at 30
  const auto found = tswap::trace::check_invariants(s.build());
  ASSERT_THAT(rules(found), ElementsAre("release-after-copy"));
  EXPECT_THAT(found[0].message,
              HasSubstr("release of 'model.layer.*' step 1 layer 0 tensor 0 at "
                        "0.000025 ms precedes the end of its copy out at 0.000030 ms"));
}

TEST(OrderingRules, UseBeforeTheCopyBackEnds) {
  Schedule s;
  s.h2d_done = 95;  // used at 90
  const auto found = tswap::trace::check_invariants(s.build());
  ASSERT_THAT(rules(found), ElementsAre("use-after-copy-back"));
  EXPECT_THAT(found[0].message, HasSubstr("before its copy back ended at 0.000095 ms"));
}

TEST(OrderingRules, PrefetchOutsideTheLayerAbovesBackward) {
  Schedule s;
  s.prefetch = 50;  // layer 1's backward starts at 60
  const auto found = tswap::trace::check_invariants(s.build());
  ASSERT_THAT(rules(found), ElementsAre("prefetch-window"));
  EXPECT_THAT(found[0].message, HasSubstr("is not within the backward of layer 1"));
}

TEST(OrderingRules, NeverComingBackIsReported) {
  Schedule s;
  s.back = false;
  const auto found = tswap::trace::check_invariants(s.build());
  ASSERT_THAT(rules(found), ElementsAre("back-exactly-once"));
  EXPECT_THAT(found[0].message, HasSubstr("came back 0 times"));
}

TEST(OrderingRules, LayersSwapOutAscendingAndComeBackDescending) {
  LogBuilder b;
  b.standard_names().records(
      1, {rec(EventKind::d2h_queued, 10, 1, 0, 8, 1), rec(EventKind::d2h_queued, 20, 0, 0, 8, 1),
          rec(EventKind::h2d_queued, 30, 0, 0, 8, 2), rec(EventKind::h2d_queued, 40, 1, 0, 8, 2)});
  const auto found = tswap::trace::check_invariants(b.parse());
  EXPECT_THAT(rules(found),
              ::testing::UnorderedElementsAre("swap-out-ascending", "swap-in-descending"));
}

TEST(OrderingRules, ComingBackTwiceIsReported) {
  LogBuilder b;
  b.standard_names().records(
      1, {rec(EventKind::d2h_queued, 10, 0, 0, 8, 1), rec(EventKind::h2d_queued, 30, 0, 0, 8, 2),
          rec(EventKind::reuse, 40, 0, 0, 8)});
  EXPECT_THAT(rules(tswap::trace::check_invariants(b.parse())), ElementsAre("back-exactly-once"));
}

TEST(EventOrder, ListsEachThreadsEventsWithoutTimesOrStalls) {
  LogBuilder b;
  b.standard_names()
      .records(
          2, {rec(EventKind::d2h_start, 20, 0, 3, 8, 1), rec(EventKind::d2h_done, 25, 0, 3, 8, 1)})
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::d2h_queued, 10, 0, 3, 8, 1),
                   rec(EventKind::stall, 30, 0, 3, 5),
                   rec(EventKind::h2d_queued, 40, 0, 3, 8, 2, kFlagPrefetch),
                   rec(EventKind::release, 50, 0, 3, 8, 0, 0, kFreed)});
  EXPECT_THAT(
      tswap::trace::event_order(b.parse()),
      ElementsAre("thread copier", "d2h_start model.layer.* L0 #3 step 1",
                  "d2h_done model.layer.* L0 #3 step 1", "thread main",
                  "step_begin model.layer.* L0 step 1", "d2h_queued model.layer.* L0 #3 step 1",
                  "h2d_queued model.layer.* L0 #3 step 1 prefetch",
                  "release model.layer.* L0 #3 step 1 freed"));
}

TEST(EventOrder, StepsCountFromEachTagsFirstStepInTheLog) {
  // Recorded from step 41 on (a session begun mid-training, or a second
  // test in one process): it reads as steps 1 and 2. Tag 2 begins later.
  auto tagged = [](tswap::trace::Record r, std::uint16_t tag) {
    r.tag = tag;
    return r;
  };
  LogBuilder b;
  b.standard_names()
      .strings({{tswap::trace::StringKind::tag, 2, "model.head"}})
      .records(1, {rec(EventKind::step_begin, 1, 0, 0, 0, 0, 0, 0, 41),
                   rec(EventKind::d2h_queued, 10, 0, 3, 8, 1, 0, 0, 41),
                   tagged(rec(EventKind::step_begin, 15, 0, 0, 0, 0, 0, 0, 7), 2),
                   rec(EventKind::step_begin, 20, 0, 0, 0, 0, 0, 0, 42)});
  EXPECT_THAT(tswap::trace::event_order(b.parse()),
              ElementsAre("thread main", "step_begin model.layer.* L0 step 1",
                          "d2h_queued model.layer.* L0 #3 step 1", "step_begin model.head L0 step 1",
                          "step_begin model.layer.* L0 step 2"));
}

TEST(EventOrder, DiffFindsTheFirstDifferenceAndIgnoresTimes) {
  Schedule a;
  Schedule later = a;
  later.release = 45;  // another time, same order
  EXPECT_TRUE(tswap::trace::diff_order(a.build(), later.build()).same);
  Schedule other = a;
  other.h2d_layer = 1;  // layer 1 comes back instead
  const tswap::trace::OrderDiff d = tswap::trace::diff_order(a.build(), other.build());
  EXPECT_FALSE(d.same);
  ASSERT_FALSE(d.a.empty());
  ASSERT_FALSE(d.b.empty());
  EXPECT_EQ(d.a[0], "h2d_start model.layer.* L0 #0 step 1 prefetch");
  EXPECT_EQ(d.b[0], "h2d_start model.layer.* L1 #0 step 1 prefetch");
  EXPECT_EQ(d.line, 3u);
}

}  // namespace
}  // namespace tswap_test
