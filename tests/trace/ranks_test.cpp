// Several ranks' logs read as one run (tswap::trace::rank_logs), on the
// hand-built ranks of rank_logs.h.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include <tswap/trace/ranks.h>

#include "rank_logs.h"

namespace {

using ::testing::HasSubstr;
using tswap::trace::RankedLogs;
using tswap::trace::RanksError;
using tswap::trace::Trace;
namespace ranks = tswap_test::ranks;
constexpr std::int64_t kMs = 1000000;

TEST(RankLogs, RanksAreSortedAndTotalledFromTheirHeaders) {
  const RankedLogs r = tswap::trace::rank_logs(
      std::vector<Trace>{ranks::rank2().parse("run.2.tswap"), ranks::rank0().parse("run.0.tswap"),
                         ranks::rank1().parse("run.1.tswap")});
  ASSERT_EQ(r.ranks.size(), 3u);
  EXPECT_EQ(r.ranks[0].rank, 0);
  EXPECT_EQ(r.ranks[0].file, "run.0.tswap");
  EXPECT_EQ(r.ranks[2].file, "run.2.tswap");
  const tswap::trace::RankFigures& one = r.ranks[1];
  EXPECT_TRUE(one.rank_in_header);
  EXPECT_EQ(one.run_id, "job-7");
  EXPECT_EQ(one.steps, 1u);
  EXPECT_EQ(one.events, 11u);
  EXPECT_EQ(one.resident_peak, 3000000);
  EXPECT_EQ(one.bytes_out, 3000000u);
  EXPECT_EQ(one.d2h_ns, 30u * kMs);
  EXPECT_EQ(one.h2d_ns, 20u * kMs);
  EXPECT_EQ(one.stall_ns, 0u);
  EXPECT_TRUE(one.clock_aligned);
  EXPECT_EQ(one.clock_offset_ns, -1234);
  EXPECT_EQ(one.clock_uncertainty_ns, 56u);
  EXPECT_EQ(r.ranks[2].stall_ns, 30u * kMs);
  EXPECT_EQ(r.run_ids, std::vector<std::string>{"job-7"});
  EXPECT_TRUE(r.notes.empty());
}

TEST(RankLogs, SpreadNamesTheWorstRankPerTagAndLayer) {
  const RankedLogs r = tswap::trace::rank_logs(
      std::vector<Trace>{ranks::rank0().parse(), ranks::rank1().parse(), ranks::rank2().parse()});
  ASSERT_EQ(r.tags.size(), 1u);
  ASSERT_EQ(r.layers.size(), 1u);
  for (const tswap::trace::RankSpread& s : {r.tags[0], r.layers[0]}) {
    EXPECT_EQ(s.tag, "model.layer.*");
    EXPECT_EQ(s.resident_peak.min, 1000000);
    EXPECT_EQ(s.resident_peak.median, 2000000);
    EXPECT_EQ(s.resident_peak.max, 3000000);
    EXPECT_EQ(s.resident_peak.worst_rank, 1);
    EXPECT_EQ(s.copy_ns.min, 20 * kMs);
    EXPECT_EQ(s.copy_ns.median, 30 * kMs);
    EXPECT_EQ(s.copy_ns.max, 50 * kMs);
    EXPECT_EQ(s.copy_ns.worst_rank, 1);
    EXPECT_EQ(s.stall_ns.min, 0);
    EXPECT_EQ(s.stall_ns.median, 2 * kMs);
    EXPECT_EQ(s.stall_ns.max, 30 * kMs);
    EXPECT_EQ(s.stall_ns.worst_rank, 2);
  }
  EXPECT_EQ(r.tags[0].layer, -1);
  EXPECT_EQ(r.layers[0].layer, 0);
}

TEST(RankLogs, SpreadTakesTheLowerMiddleAndTheLowestRankOnATie) {
  const tswap::trace::Spread s = tswap::trace::spread_of({5, 9, 1, 9}, {3, 1, 0, 2});
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.median, 5);
  EXPECT_EQ(s.max, 9);
  EXPECT_EQ(s.worst_rank, 1);
}

TEST(RankLogs, ALogWithoutARankTakesItsPlaceAndIsNoted) {
  const RankedLogs r = tswap::trace::rank_logs(std::vector<Trace>{
      ranks::rank0().parse("run.0.tswap"), ranks::unranked().parse("old.tswap")});
  ASSERT_EQ(r.ranks.size(), 2u);
  EXPECT_EQ(r.ranks[1].rank, 1);
  EXPECT_FALSE(r.ranks[1].rank_in_header);
  EXPECT_FALSE(r.ranks[1].clock_aligned);
  EXPECT_THAT(r.notes, ::testing::ElementsAre(
                           "old.tswap has no rank in its header: read as rank 1, its place "
                           "among the logs"));
}

TEST(RankLogs, MixedRunsAreRefusedUnlessAllowed) {
  const std::vector<Trace> logs{ranks::rank0().parse("a.tswap"),
                                ranks::rank1("job-8").parse("b.tswap")};
  try {
    tswap::trace::rank_logs(logs);
    FAIL() << "two runs read as one";
  } catch (const RanksError& e) {
    EXPECT_EQ(e.kind(), RanksError::Kind::mixed_runs);
    EXPECT_STREQ(e.what(),
                 "logs of different runs: a.tswap is of run 'job-7', b.tswap of run 'job-8'");
  }
  const RankedLogs r = tswap::trace::rank_logs(logs, {/*allow_mixed=*/true});
  EXPECT_EQ(r.run_ids, (std::vector<std::string>{"job-7", "job-8"}));
  EXPECT_THAT(r.notes, ::testing::ElementsAre(HasSubstr("logs of 2 different runs")));
}

TEST(RankLogs, TwoLogsOfOneRankAreRefused) {
  try {
    tswap::trace::rank_logs(
        std::vector<Trace>{ranks::rank1().parse("a.tswap"), ranks::rank1().parse("b.tswap")},
        {true});
    FAIL() << "rank 1 twice";
  } catch (const RanksError& e) {
    EXPECT_EQ(e.kind(), RanksError::Kind::duplicate_rank);
    EXPECT_STREQ(e.what(), "a.tswap and b.tswap both claim rank 1");
  }
  // A log without a rank takes its place, which may be a rank another claims.
  EXPECT_THROW(tswap::trace::rank_logs(std::vector<Trace>{ranks::rank1().parse("a.tswap"),
                                                          ranks::unranked().parse("b.tswap")}),
               RanksError);
  EXPECT_THROW(tswap::trace::rank_logs(std::vector<Trace>{}), RanksError);
}

TEST(RankLogs, ARankWithoutARowCountsAsZero) {
  tswap_test::LogBuilder idle;
  idle.ranked(ranks::run_header(1, 2, "job-7", 0, 0)).standard_names().end(0);
  const RankedLogs r =
      tswap::trace::rank_logs(std::vector<Trace>{ranks::rank2().parse(), idle.parse()});
  ASSERT_EQ(r.tags.size(), 1u);
  EXPECT_EQ(r.tags[0].copy_ns.min, 0);
  EXPECT_EQ(r.tags[0].copy_ns.median, 0);
  EXPECT_EQ(r.tags[0].copy_ns.max, 30 * kMs);
  EXPECT_EQ(r.tags[0].copy_ns.worst_rank, 2);
}

}  // namespace
