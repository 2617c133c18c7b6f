// Stalls charged to the copies that caused them (Note [Caused stalls]), on
// the hand-built logs of stall_logs.h, and the summary's two figures.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tswap/trace/stall_blame.h>
#include <tswap/trace/summary.h>

#include "stall_logs.h"

namespace tswap_test {
namespace {

using stalls::kMs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using tswap::trace::BlamedStall;
using tswap::trace::CopyDirection;
using tswap::trace::EventKind;

constexpr std::uint16_t kOuter = 1, kInner = 2;

auto share(std::uint16_t tag, std::uint16_t layer, std::uint64_t ns) {
  return AllOf(Field(&tswap::trace::StallShare::tag, tag),
               Field(&tswap::trace::StallShare::layer, layer),
               Field(&tswap::trace::StallShare::ns, ns));
}

const tswap::trace::LayerSummary& row(const std::vector<tswap::trace::LayerSummary>& rows,
                                      const std::string& tag, int layer) {
  for (const auto& r : rows)
    if (r.tag == tag && r.layer == layer) return r;
  throw std::runtime_error("no row " + tag + " " + std::to_string(layer));
}

TEST(StallBlame, ChargesTheOuterTagsWaitsToTheInnerCopiesQueuedAheadOnTheSharedStream) {
  const std::vector<BlamedStall> b =
      tswap::trace::blame_stalls(stalls::nested_shared_stream_log().parse());
  ASSERT_EQ(b.size(), 2u);
  // The release of outer layer 0 waited 27-51 ms on its copy out #1,
  // queued at 3 ms behind the MLP's copy out (11-41 ms) on the d2h stream:
  // started when queued it would have been done at 13 ms, before the wait.
  EXPECT_EQ(b[0].stall.direction, CopyDirection::out);
  EXPECT_EQ(b[0].stall.key.tag, kOuter);
  EXPECT_EQ(b[0].stream, std::optional<std::uint8_t>(1));
  EXPECT_THAT(b[0].shares, ElementsAre(share(kInner, 0, 24 * kMs)));
  // Its unpack waited 66-100 ms on its copy back #1, queued at 61 ms behind
  // the MLP's copy back (60-90 ms) on the h2d stream: on time it would have
  // run 61-71 ms, a wait of 5 ms; the other 29 are the MLP's.
  EXPECT_EQ(b[1].stall.direction, CopyDirection::back);
  EXPECT_EQ(b[1].stream, std::optional<std::uint8_t>(2));
  EXPECT_THAT(b[1].shares, ElementsAre(share(kInner, 0, 29 * kMs), share(kOuter, 0, 5 * kMs)));
}

TEST(StallBlame, ChargesACopyQueuedAheadThatRanBeforeTheWaitBegan) {
  // Layer 1's copy back ran 0-100 and pushed layer 0's (queued at 10) to
  // 100-200: during the wait, 150-210, only layer 0's own copy ran, but on
  // time it would have been done at 110. 50 ns are layer 1's; the other 10
  // are the wake after layer 0's copy was done.
  LogBuilder log;
  log.standard_names()
      .records(1, {rec(EventKind::h2d_queued, 0, 1, 0, 100, 2),
                   rec(EventKind::h2d_queued, 10, 0, 0, 100, 2),
                   rec(EventKind::stall, 210, 0, 0, 60, 0, tswap::trace::kFlagWaitH2D)})
      .records(2, {rec(EventKind::h2d_start, 0, 1, 0, 100, 2),
                   rec(EventKind::h2d_done, 100, 1, 0, 100, 2),
                   rec(EventKind::h2d_start, 100, 0, 0, 100, 2),
                   rec(EventKind::h2d_done, 200, 0, 0, 100, 2)});
  const std::vector<BlamedStall> b = tswap::trace::blame_stalls(log.parse());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_THAT(b[0].shares, ElementsAre(share(1, 1, 50), share(1, 0, 10)));
}

TEST(StallBlame, GivesAnIdleStreamAndTheTimeAfterTheAwaitedCopyToThatCopy) {
  // 200-390 not queued yet, 390-400 queued on an idle stream, 400-700 the
  // awaited copy, 700-800 after it (a copy queued behind it runs then); a
  // copy on the h2d stream meanwhile and one on the d2h stream before the
  // wait are charged nothing.
  const std::vector<BlamedStall> b = tswap::trace::blame_stalls(stalls::idle_stream_log().parse());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].stall.begin_ns, 200u);
  EXPECT_EQ(b[0].stream, std::optional<std::uint8_t>(1));
  EXPECT_THAT(b[0].shares, ElementsAre(share(1, 0, 600)));
}

TEST(StallBlame, AStallOnACopyTheLogDoesNotHoldIsItsOwn) {
  // Layer 1's copy back runs on the h2d stream during the wait, but the
  // awaited copy (layer 0 #0 back) is not in the log: no stream to read.
  LogBuilder log;
  log.standard_names()
      .records(1, {rec(EventKind::h2d_queued, 5, 1, 0, 100, 2),
                   rec(EventKind::stall, 100, 0, 0, 80, 0, tswap::trace::kFlagWaitH2D)})
      .records(2, {rec(EventKind::h2d_start, 10, 1, 0, 100, 2),
                   rec(EventKind::h2d_done, 90, 1, 0, 100, 2)});
  const std::vector<BlamedStall> b = tswap::trace::blame_stalls(log.parse());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].stream, std::nullopt);
  EXPECT_THAT(b[0].shares, ElementsAre(share(1, 0, 80)));
}

TEST(StallBlame, ChargesCopiesAheadOfAnAwaitedCopyThatNeverStartedInTheLog) {
  // The awaited copy (layer 0) was queued on the h2d stream and the log
  // ends before it starts: layer 1's copy ran 10-90 of the wait 20-100.
  LogBuilder log;
  log.standard_names()
      .records(1, {rec(EventKind::h2d_queued, 5, 1, 0, 100, 2),
                   rec(EventKind::h2d_queued, 6, 0, 0, 100, 2),
                   rec(EventKind::stall, 100, 0, 0, 80, 0, tswap::trace::kFlagWaitH2D)})
      .records(2, {rec(EventKind::h2d_start, 10, 1, 0, 100, 2),
                   rec(EventKind::h2d_done, 90, 1, 0, 100, 2)});
  const std::vector<BlamedStall> b = tswap::trace::blame_stalls(log.parse());
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].stream, std::optional<std::uint8_t>(2));
  EXPECT_THAT(b[0].shares, ElementsAre(share(1, 1, 70), share(1, 0, 10)));
}

TEST(Summary, KeepsWaitedOnTheWaitingLayerAndChargesCausedToTheCopiesThatHeldTheStream) {
  // Issue 13's measured case: both tags swapped, the outer showed 58 ms of
  // stall and the inner 0 ms. Caused reverses the blame: 5 ms are the
  // outer's own (its copy back late on its own), 53 the inner's.
  const tswap::trace::Summary s =
      tswap::trace::summarize(stalls::nested_shared_stream_log().parse());
  const auto& outer = row(s.layers, "model.layer.*", 0);
  const auto& inner = row(s.layers, "model.layer.*.mlp", 0);
  EXPECT_EQ(outer.stall_ns, 58 * kMs);
  EXPECT_EQ(outer.stalls, 2u);
  EXPECT_EQ(inner.stall_ns, 0u);
  EXPECT_EQ(inner.caused_stall_ns, 53 * kMs);
  EXPECT_EQ(outer.caused_stall_ns, 5 * kMs);
  EXPECT_EQ(row(s.tags, "model.layer.*", -1).caused_stall_ns, 5 * kMs);
  EXPECT_EQ(row(s.tags, "model.layer.*.mlp", -1).caused_stall_ns, 53 * kMs);
  // Overlap still reads the waits: outer 40 ms copying less 58 waited.
  EXPECT_EQ(outer.overlap_ns, 0u);
  EXPECT_EQ(inner.overlap_ns, 60 * kMs);
}

TEST(Summary, CausedAndWaitedSumToTheSameTotal) {
  for (const LogBuilder& log : {stalls::nested_shared_stream_log(), stalls::idle_stream_log()}) {
    const tswap::trace::Summary s = tswap::trace::summarize(log.parse());
    std::uint64_t waited = 0, caused = 0;
    for (const auto& l : s.layers) waited += l.stall_ns, caused += l.caused_stall_ns;
    EXPECT_GT(waited, 0u);
    EXPECT_EQ(caused, waited);
  }
  const tswap::trace::Summary idle = tswap::trace::summarize(stalls::idle_stream_log().parse());
  EXPECT_EQ(row(idle.layers, "model.layer.*", 0).caused_stall_ns, 600u);
  EXPECT_EQ(row(idle.layers, "model.layer.*", 1).caused_stall_ns, 0u);
  EXPECT_EQ(row(idle.layers, "model.layer.*", 2).caused_stall_ns, 0u);
}

}  // namespace
}  // namespace tswap_test
