// Several ranks' logs on one axis (gui/model/ranks.h): their order, the
// alignment by recorded clock offsets, the merged timeline, the maximum over
// ranks and the table's rank rows.

#include <gtest/gtest.h>

#include <tswap/trace/summary.h>

#include "rank_logs.h"
#include "ranks.h"

namespace tswap_test {
namespace {

using namespace tswap::viewer;
using tswap::trace::Trace;

// C++17: no designated initializers.
RankClock rank_clock(int rank, std::int64_t offset_ns = 0, std::uint64_t start_ns = 1000,
                std::uint64_t bytes = 1000000) {
  RankClock c;
  c.rank = rank;
  c.offset_ns = offset_ns;
  c.start_ns = start_ns;
  c.bytes = bytes;
  return c;
}
RankClock with_run(RankClock c, std::string id) {
  c.run_id = std::move(id);
  return c;
}
RankClock unaligned(RankClock c) {
  c.aligned = false;
  return c;
}

std::vector<const Trace*> ptrs(const std::vector<Trace>& t) {
  std::vector<const Trace*> p;
  for (const Trace& x : t) p.push_back(&x);
  return p;
}

tswap::trace::Record tagged_rec(tswap::trace::EventKind k, std::uint64_t ns, std::uint16_t tag) {
  tswap::trace::Record r = rec(k, ns, 0);
  r.tag = tag;
  return r;
}

const Span* first_of(const Lane& lane, SpanKind kind) {
  for (const Span& s : lane.spans)
    if (s.kind == kind) return &s;
  return nullptr;
}

TEST(RankSet, OrdersByRankThenUnrankedInArgumentOrder) {
  LogBuilder plain;  // version 2: no run header
  plain.standard_names().records(1, {rec(tswap::trace::EventKind::step_begin, 100, 0)}).end(1);
  std::vector<Trace> logs;
  logs.push_back(plain.parse("plain.tswap"));
  logs.push_back(rank_log(rank_clock(1)).parse("r1.tswap"));
  logs.push_back(rank_log(rank_clock(0)).parse("r0.tswap"));
  const RankSet set = RankSet::build(ptrs(logs), {"plain.tswap", "r1.tswap", "r0.tswap"});
  ASSERT_EQ(set.ranks.size(), 3u);
  EXPECT_EQ(set.ranks[0].label, "rank 0");
  EXPECT_EQ(set.ranks[0].input, 2u);
  EXPECT_EQ(set.ranks[1].label, "rank 1");
  EXPECT_EQ(set.ranks[2].label, "plain.tswap");
  EXPECT_FALSE(set.ranks[2].rank.has_value());
  EXPECT_EQ(set.note, "plain.tswap: clocks not aligned, drawn from their session start");
  EXPECT_EQ(set.warning, "");
}

TEST(RankSet, WarnsOfMixedRunIds) {
  std::vector<Trace> logs;
  logs.push_back(rank_log(with_run(rank_clock(0), "run-a")).parse());
  logs.push_back(rank_log(with_run(rank_clock(1), "run-b")).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"a", "b"});
  EXPECT_EQ(set.warning, "logs of different runs: run-a, run-b");
  EXPECT_EQ(set.ranks.size(), 2u);  // shown all the same
}

TEST(RankSet, AlignsByTheRecordedOffset) {
  // Rank 1's clock is 2 us behind rank 0's (offset +2000) and its session
  // started 500 ns later on its own clock: on rank 0's clock it started at
  // 1000 + 500 + 2000, 2500 ns after rank 0's session (started at 1000).
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(1, 2000, 1500)).parse());
  logs.push_back(rank_log(rank_clock(0, 0, 1000)).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r1", "r0"});
  EXPECT_EQ(set.note, "");
  EXPECT_EQ(set.ranks[0].shift, 0u);
  EXPECT_EQ(set.ranks[1].shift, 2500u);
  EXPECT_EQ(set.merged(0, kRankSave), kRankSave + 2500);
  EXPECT_EQ(set.merged(1, kRankSave), kRankSave);
}

TEST(RankSet, NegativeOffsetsShiftTheOthers) {
  // Rank 1 started 3 us before rank 0 on rank 0's clock: it is drawn at 0
  // and rank 0 3 us later, never at a negative time.
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(0)).parse());
  logs.push_back(rank_log(rank_clock(1, -3000)).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r0", "r1"});
  EXPECT_EQ(set.ranks[0].shift, 3000u);
  EXPECT_EQ(set.ranks[1].shift, 0u);
}

TEST(RankSet, UnalignedLogsStartAtTheirSessionStart) {
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(0)).parse());
  logs.push_back(rank_log(unaligned(rank_clock(1, 7000))).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r0", "r1"});
  EXPECT_EQ(set.ranks[1].shift, 0u);
  EXPECT_EQ(set.note, "rank 1: clocks not aligned, drawn from their session start");
}

TEST(MergedTimeline, PutsEachRanksEventsAtTheirMergedTimes) {
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(1, 2000, 1500)).parse());
  logs.push_back(rank_log(rank_clock(0)).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r1", "r0"});
  std::vector<Timeline> own;
  for (const Trace& t : logs) own.push_back(*Timeline::build(t));
  const MergedTimeline m = MergedTimeline::build(set, own, ptrs(logs));
  ASSERT_EQ(m.groups.size(), 2u);
  EXPECT_EQ(m.groups[0].header, "rank 0");
  EXPECT_EQ(m.groups[0].input, 1u);
  EXPECT_EQ(m.groups[1].header, "rank 1");
  // Each rank's lanes under a header lane named by the rank.
  EXPECT_EQ(m.timeline.lanes.size(), own[0].lanes.size() + own[1].lanes.size() + 2);
  EXPECT_TRUE(m.timeline.lanes[0].group_header);
  EXPECT_EQ(m.timeline.lanes[0].name, "rank 0");
  EXPECT_EQ(m.timeline.lanes[m.groups[1].header_lane].name, "rank 1");
  EXPECT_EQ(m.groups[1].first_lane, m.groups[1].header_lane + 1);
  for (const MergedTimeline::Group& g : m.groups) {
    const std::uint64_t shift = g.header == "rank 1" ? 2500 : 0;
    bool copy = false;
    for (std::size_t l = g.first_lane; l < g.first_lane + g.lanes; ++l) {
      EXPECT_EQ(&m.group_of(l), &g);
      if (const Span* s = first_of(m.timeline.lanes[l], SpanKind::d2h)) {
        EXPECT_EQ(s->begin, kRankSave + 20 + shift) << g.header;
        EXPECT_EQ(s->end, kRankCopyEnd + shift) << g.header;
        copy = true;
      }
    }
    EXPECT_TRUE(copy) << g.header;
  }
  EXPECT_EQ(m.timeline.first, kRankStep);
  EXPECT_EQ(m.timeline.last, kRankDestroy + 2500);
}

TEST(MergedTimeline, NamesEveryRanksTagsByTheFirstRanksIds) {
  // Rank 1 numbered its tags the other way round: its spans of "b" (its id
  // 1) take the first rank's id of "b" (2), so one trace names them all.
  using K = tswap::trace::StringKind;
  using tswap::trace::EventKind;
  auto log = [](int rank, std::uint16_t a, std::uint16_t b) {
    tswap::trace::RunHeader run{};
    run.flags = tswap::trace::kRunHasRank | tswap::trace::kRunClockAligned;
    run.rank = rank;
    run.world_size = 2;
    LogBuilder l;
    l.ranked(run)
        .strings({{K::tag, a, "a"}, {K::tag, b, "b"}, {K::thread, 1, "main"}})
        .records(1, {rec(EventKind::step_begin, 10, 0), tagged_rec(EventKind::layer_enter, 20, b),
                     tagged_rec(EventKind::layer_exit, 30, b)})
        .end(3);
    return l;
  };
  std::vector<Trace> logs;
  logs.push_back(log(0, 1, 2).parse());
  logs.push_back(log(1, 2, 1).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r0", "r1"});
  std::vector<Timeline> own;
  for (const Trace& t : logs) own.push_back(*Timeline::build(t));
  const MergedTimeline m = MergedTimeline::build(set, own, ptrs(logs));
  int layers = 0;
  for (const Lane& lane : m.timeline.lanes)
    for (const Span& s : lane.spans)
      if (s.kind == SpanKind::layer) {
        EXPECT_EQ(logs[0].tag(s.tag), "b") << lane.name;
        ++layers;
      }
  EXPECT_EQ(layers, 2);
}

TEST(PointwiseMax, EqualsTheHighestCurveEverywhere) {
  Curve a, b, c;
  a.append(0, 5), a.append(10, 1), a.append(30, 0);
  b.append(5, 3), b.append(20, 9), b.append(25, 2);
  c.append(10, 1), c.append(10, 4), c.append(40, 0);  // two points at one time: the last counts
  for (Curve* x : {&a, &b, &c}) x->seal();
  const Curve m = pointwise_max({a, b, c});
  for (std::uint64_t t = 0; t < 50; ++t) {
    const double ns = static_cast<double>(t);
    EXPECT_EQ(m.at(ns), std::max({a.at(ns), b.at(ns), c.at(ns)})) << "at " << t;
  }
  EXPECT_EQ(m.peak(), 9);
  EXPECT_EQ(pointwise_max({}).points(), 0u);
}

TEST(RankMemory, MaxOverRanksOfShiftedTotals) {
  // Rank 0 swaps 1 MB, rank 1 2 MB, 2.5 us later: both hold theirs from
  // their save to their release; the maximum is their pointwise maximum.
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(0, 0, 1000, 1000000)).parse());
  logs.push_back(rank_log(rank_clock(1, 2000, 1500, 2000000)).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r0", "r1"});
  std::vector<MemoryModel> own;
  for (const Trace& t : logs) own.push_back(MemoryModel::build(t));
  const RankMemory m = RankMemory::build(set, own);
  ASSERT_EQ(m.totals.size(), 2u);
  EXPECT_EQ(m.labels[1], "rank 1");
  std::uint64_t when = 0;
  EXPECT_EQ(m.totals[1].peak(&when), 2000000);
  EXPECT_EQ(when, kRankSave + 2500);  // where rank 1's save lands
  for (std::uint64_t t = 0; t < kRankDestroy + 5000; t += 100) {
    const double ns = static_cast<double>(t);
    EXPECT_EQ(m.max_total.at(ns), std::max(m.totals[0].at(ns), m.totals[1].at(ns))) << "at " << t;
  }
  EXPECT_EQ(m.max_total.peak(), 2000000);
}

TEST(RankRows, OneRowPerRankTagAndLayer) {
  std::vector<Trace> logs;
  logs.push_back(rank_log(rank_clock(1, 0, 1000, 2000000)).parse());
  logs.push_back(rank_log(rank_clock(0, 0, 1000, 1000000)).parse());
  const RankSet set = RankSet::build(ptrs(logs), {"r1", "r0"});
  std::vector<tswap::trace::Summary> own;
  for (const Trace& t : logs) own.push_back(tswap::trace::summarize(t));
  const std::vector<RankRow> rows = rank_rows(set, own);
  // Per rank: layer 0 of the one tag, then the tag's total.
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].rank, "rank 0");
  EXPECT_EQ(rows[0].row.layer, 0);
  EXPECT_EQ(rows[0].row.bytes_out, 1000000u);
  EXPECT_EQ(rows[1].rank, "rank 0");
  EXPECT_EQ(rows[1].row.layer, -1);
  EXPECT_EQ(rows[2].rank, "rank 1");
  EXPECT_EQ(rows[2].position, 1u);
  EXPECT_EQ(rows[2].row.bytes_out, 2000000u);
  EXPECT_EQ(rows[3].row.tag, "model.layer.*");
}

}  // namespace
}  // namespace tswap_test
