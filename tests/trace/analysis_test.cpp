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

TEST(OrderingRules, UsedAfterItsReleaseWithoutComingBackIsReported) {
  Schedule s;
  s.back = false;
  const auto found = tswap::trace::check_invariants(s.build());
  ASSERT_THAT(rules(found), ElementsAre("back-exactly-once"));
  EXPECT_EQ(found[0].message,
            "'model.layer.*' step 1 layer 0 tensor 0 was swapped out at 0.000010 ms, released at "
            "0.000040 ms and used in backward at 0.000090 ms but came back 0 times (expected once)");
}

/// Layer 0 (tensor 0) and layer 1 (tensor 0) swap out in forward; what
/// happens after is up to each test.
std::vector<tswap::trace::Record> forward_of_two_layers() {
  return {rec(EventKind::step_begin, 1, 0),
          rec(EventKind::swap_created, 2, 0, 0, 64),
          rec(EventKind::d2h_queued, 10, 0, 0, 64, 1),
          rec(EventKind::swap_created, 35, 1, 0, 64),
          rec(EventKind::release, 40, 0, 0, 64, 0, 0, kFreed),
          rec(EventKind::d2h_queued, 45, 1, 0, 64, 1)};
}

std::vector<tswap::trace::Record> copies_out() {
  return {rec(EventKind::d2h_start, 20, 0, 0, 64, 1), rec(EventKind::d2h_done, 30, 0, 0, 64, 1),
          rec(EventKind::d2h_start, 46, 1, 0, 64, 1), rec(EventKind::d2h_done, 50, 1, 0, 64, 1)};
}

TEST(OrderingRules, AGraphDroppedWithoutBackwardBreaksNone) {
  // A validation forward with grad on: autograd lets go of both swaps, one
  // released and one not, and neither comes back.
  std::vector<tswap::trace::Record> main = forward_of_two_layers();
  main.push_back(rec(EventKind::swap_destroyed, 60, 0, 0, 0));
  main.push_back(rec(EventKind::swap_destroyed, 61, 1, 0, 64));
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copies_out()).end(main.size() + 4);
  const tswap::trace::CheckResult r = tswap::trace::check_schedule(b.parse());
  EXPECT_THAT(rules(r.violations), ::testing::IsEmpty());
  EXPECT_THAT(r.unfinished, ::testing::IsEmpty());
}

TEST(OrderingRules, ASwapNeverReleasedAndUsedFromTheDeviceBreaksNone) {
  // Layer 1's next layer saved nothing, so it was never released: backward
  // uses it where it is, with no copy back. Layer 0 comes back as usual.
  std::vector<tswap::trace::Record> main = forward_of_two_layers();
  for (const auto& r : {rec(EventKind::unpack, 60, 1, 0),
                        rec(EventKind::h2d_queued, 61, 0, 0, 64, 2, kFlagPrefetch),
                        rec(EventKind::unpack, 90, 0, 0),
                        rec(EventKind::swap_destroyed, 91, 1, 0, 64),
                        rec(EventKind::swap_destroyed, 92, 0, 0, 64)})
    main.push_back(r);
  std::vector<tswap::trace::Record> copier = copies_out();
  copier.push_back(rec(EventKind::h2d_start, 70, 0, 0, 64, 2, kFlagPrefetch));
  copier.push_back(rec(EventKind::h2d_done, 80, 0, 0, 64, 2, kFlagPrefetch));
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  const tswap::trace::CheckResult r = tswap::trace::check_schedule(b.parse());
  EXPECT_THAT(rules(r.violations), ::testing::IsEmpty());
  EXPECT_THAT(r.unfinished, ::testing::IsEmpty());
}

TEST(OrderingRules, ALogThatEndsBeforeBackwardIsUnfinishedNotBroken) {
  // The session stopped after forward: the swaps neither came back nor were
  // destroyed. Nothing is known to be wrong.
  LogBuilder b;
  b.standard_names().records(1, forward_of_two_layers()).records(2, copies_out()).end(10);
  const tswap::trace::CheckResult r = tswap::trace::check_schedule(b.parse());
  EXPECT_THAT(rules(r.violations), ::testing::IsEmpty());
  ASSERT_EQ(r.unfinished.size(), 1u);
  EXPECT_EQ(r.unfinished[0].tag, "model.layer.*");
  EXPECT_EQ(r.unfinished[0].step, 1u);
  EXPECT_EQ(r.unfinished[0].swaps, 2u);
  EXPECT_EQ(r.unfinished[0].host_ns, 10u);
  EXPECT_EQ(r.unfinished[0].message,
            "'model.layer.*' step 1: 2 swaps out (layers 0-1, from 0.000010 ms) neither came back "
            "nor were let go of by autograd before the log ends");
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
      ElementsAre("lane compute", "step_begin model.layer.* L0 step 1",
                  "d2h_queued model.layer.* L0 #3 step 1",
                  "h2d_queued model.layer.* L0 #3 step 1 prefetch",
                  "release model.layer.* L0 #3 step 1 freed", "lane d2h",
                  "d2h_start model.layer.* L0 #3 step 1", "d2h_done model.layer.* L0 #3 step 1"));
}

/// One step recorded by a training thread, a d2h and an h2d copy thread of
/// the given names (string ids 1, 2, 3).
tswap::trace::Trace three_threads(const std::string& main, const std::string& d2h,
                                  const std::string& h2d) {
  using K = tswap::trace::StringKind;
  LogBuilder b;
  b.strings({{K::tag, 1, "model.layer.*"}, {K::stream, 1, "sim d2h"}, {K::stream, 2, "sim h2d"},
             {K::thread, 1, main}, {K::thread, 2, d2h}, {K::thread, 3, h2d}})
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::d2h_queued, 10, 0, 0, 8, 1),
                   rec(EventKind::h2d_queued, 40, 0, 0, 8, 2), rec(EventKind::unpack, 60, 0, 0)})
      .records(2, {rec(EventKind::d2h_start, 20, 0, 0, 8, 1),
                   rec(EventKind::d2h_done, 25, 0, 0, 8, 1)})
      .records(3, {rec(EventKind::h2d_start, 45, 0, 0, 8, 2),
                   rec(EventKind::h2d_done, 50, 0, 0, 8, 2)});
  return b.parse();
}

TEST(EventOrder, NamesLanesByRoleNotByThreadOrProcessName) {
  // The same run from two test binaries whose names Linux cuts to 15
  // characters, with copy threads named otherwise: one order.
  const std::vector<std::string> a =
      tswap::trace::event_order(three_threads("tswap_core_test", "tswap-sim-d2h", "tswap-sim-h2d"));
  const std::vector<std::string> b =
      tswap::trace::event_order(three_threads("tswap-sample-re", "copy out", "worker 7"));
  EXPECT_EQ(a, b);
  EXPECT_THAT(a, ElementsAre("lane compute", "step_begin model.layer.* L0 step 1",
                             "d2h_queued model.layer.* L0 #0 step 1",
                             "h2d_queued model.layer.* L0 #0 step 1",
                             "unpack model.layer.* L0 #0 step 1", "lane d2h",
                             "d2h_start model.layer.* L0 #0 step 1",
                             "d2h_done model.layer.* L0 #0 step 1", "lane h2d",
                             "h2d_start model.layer.* L0 #0 step 1",
                             "h2d_done model.layer.* L0 #0 step 1"));
}

TEST(EventOrder, NumbersSeveralLanesOfOneRoleByTheirFirstEvent) {
  // Backward on another thread than forward (autograd's device thread).
  LogBuilder b;
  b.standard_names()
      .strings({{tswap::trace::StringKind::thread, 3, "a-backward"}})
      .records(3, {rec(EventKind::unpack, 60, 0, 0)})
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::d2h_queued, 10, 0, 0, 8, 1)});
  EXPECT_THAT(tswap::trace::event_order(b.parse()),
              ElementsAre("lane compute 1", "step_begin model.layer.* L0 step 1",
                          "d2h_queued model.layer.* L0 #0 step 1", "lane compute 2",
                          "unpack model.layer.* L0 #0 step 1"));
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
              ElementsAre("lane compute", "step_begin model.layer.* L0 step 1",
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
  EXPECT_EQ(d.a[0], "h2d_queued model.layer.* L0 #0 step 1 prefetch");
  EXPECT_EQ(d.b[0], "h2d_queued model.layer.* L1 #0 step 1 prefetch");
  EXPECT_EQ(d.line, 5u);  // "lane compute", then the fifth of its events
}

}  // namespace
}  // namespace tswap_test
