// Ranks in logs (Note [Ranks], include/tswap/profiler.h): how a log path
// names the rank, what the header of a rank's log says, and what the
// reader makes of a run header it cannot believe. Each test runs in a
// process of its own (ctest), so environment and set_run_info() stay put.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <tswap/profiler.h>
#include <tswap/trace/trace.h>

#include "log_builder.h"

namespace {

using ::testing::HasSubstr;
using tswap::profiler::expand_log_path;
using tswap::profiler::RunInfo;

RunInfo rank(int r, int world, int local = -1) {
  RunInfo i;
  i.rank = r;
  i.world_size = world;
  i.local_rank = local;
  i.run_id = "job-7";
  return i;
}

std::string host() {
  char h[256] = {};
  ::gethostname(h, sizeof h - 1);
  return h;
}

TEST(LogPath, PlaceholdersAreReplaced) {
  tswap::profiler::set_run_info(rank(3, 8, 1));
  EXPECT_EQ(expand_log_path("run.{rank}.tswap"), "run.3.tswap");
  EXPECT_EQ(expand_log_path("logs/{host}/r{rank}-of-{world_size}-l{local_rank}.tswap"),
            "logs/" + host() + "/r3-of-8-l1.tswap");
  EXPECT_EQ(expand_log_path("run.{pid}.{rank}.tswap"),
            "run." + std::to_string(::getpid()) + ".3.tswap");
}

TEST(LogPath, OneOfSeveralRanksWithoutAPlaceholderGetsItsRankBeforeTheExtension) {
  tswap::profiler::set_run_info(rank(2, 4));
  EXPECT_EQ(expand_log_path("run.tswap"), "run.2.tswap");
  EXPECT_EQ(expand_log_path("out.d/run"), "out.d/run.2") << "a dot in a directory is no extension";
  EXPECT_EQ(expand_log_path("a/.hidden"), "a/.hidden.2");
  EXPECT_EQ(expand_log_path("run.{pid}.tswap").substr(0, 4), "run.");
  EXPECT_THAT(expand_log_path("run.{pid}.tswap"), ::testing::EndsWith(".2.tswap"));
}

TEST(LogPath, AProcessOnItsOwnKeepsItsPath) {
  tswap::profiler::set_run_info(RunInfo{});
  EXPECT_EQ(expand_log_path("run.tswap"), "run.tswap");
  tswap::profiler::set_run_info(rank(0, 1));
  EXPECT_EQ(expand_log_path("run.tswap"), "run.tswap") << "a world of one is a process on its own";
}

TEST(LogPath, MistakesAreNamed) {
  tswap::profiler::set_run_info(RunInfo{});
  try {
    expand_log_path("run.{rank}.tswap");
    FAIL() << "{rank} expanded without a rank";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("{rank} in run.{rank}.tswap, but this process has no rank"));
  }
  try {
    expand_log_path("run.{node}.tswap");
    FAIL() << "an unknown placeholder expanded";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown placeholder in run.{node}.tswap (at character 4)"));
  }
  EXPECT_THROW(tswap::profiler::set_run_info(rank(4, 4)), std::invalid_argument);
  EXPECT_THROW(tswap::profiler::set_run_info(rank(0, 2, 2)), std::invalid_argument);
}

TEST(RankedSession, TheEnvironmentNamesTheFileAndFillsTheHeader) {
  ::setenv("RANK", "1", 1);
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("TORCHELASTIC_RUN_ID", "elastic-42", 1);
  const std::string base = (std::filesystem::temp_directory_path() /
                            ("tswap-ranked-" + std::to_string(::getpid()) + ".tswap"))
                               .string();
  const std::string path = expand_log_path(base);
  EXPECT_THAT(path, ::testing::EndsWith(".1.tswap"));
  tswap::profiler::start_session(base);
  tswap::profiler::set_clock_offset(-1234, 56, 16);
  tswap::profiler::stop_session();
  const tswap::trace::Trace t = tswap::trace::Trace::load(path);
  std::filesystem::remove(path);
  const tswap::trace::RunHeader& run = t.run();
  EXPECT_EQ(t.header().version, 3u);
  EXPECT_EQ(run.flags, tswap::trace::kRunHasRank | tswap::trace::kRunClockAligned);
  EXPECT_EQ(run.rank, 1);
  EXPECT_EQ(run.world_size, 2);
  EXPECT_EQ(run.local_rank, 1);
  EXPECT_STREQ(run.run_id, "elastic-42");
  EXPECT_EQ(run.clock_offset_ns, -1234);
  EXPECT_EQ(run.clock_uncertainty_ns, 56u);
  EXPECT_EQ(run.clock_rounds, 16u);
}

TEST(RankedSession, ARankLearnedWhileRecordingIsWrittenIntoTheHeader) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("tswap-learned-" + std::to_string(::getpid()) + ".tswap"))
                               .string();
  tswap::profiler::start_session(path);  // no rank yet: the path stays as given
  tswap::profiler::set_run_info(rank(5, 6, 0));
  tswap::profiler::stop_session();
  const tswap::trace::Trace t = tswap::trace::Trace::load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(t.run().flags, tswap::trace::kRunHasRank);
  EXPECT_EQ(t.run().rank, 5);
  EXPECT_STREQ(t.run().run_id, "job-7");
}

TEST(RankedSession, ABadRankInTheEnvironmentIsRefusedNamingTheVariable) {
  ::setenv("RANK", "two", 1);
  ::setenv("WORLD_SIZE", "4", 1);
  try {
    tswap::profiler::start_session("never.tswap");
    tswap::profiler::stop_session();
    FAIL() << "a session started with RANK=two";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "tensorswap profiler: RANK=two is not a number of 0 or more");
  }
  EXPECT_FALSE(std::filesystem::exists("never.tswap"));
}

TEST(RunHeader, AnOlderLogReadsAsOneProcessOnItsOwn) {
  const tswap::trace::Trace t =
      tswap::trace::Trace::load(std::string(TSWAP_TEST_DATA) + "/v2/transformer.tswap");
  EXPECT_EQ(t.header().version, 2u);
  EXPECT_EQ(t.run().flags, 0u);
  EXPECT_EQ(t.events().size(), 849u);
}

TEST(RunHeader, ARankOutsideItsWorldIsCorruptAtTheRankField) {
  tswap::trace::RunHeader run{};
  run.flags = tswap::trace::kRunHasRank;
  run.rank = 4;
  run.world_size = 4;
  run.local_rank = -1;
  try {
    tswap_test::LogBuilder().ranked(run).standard_names().end(0).parse();
    FAIL() << "rank 4 of 4 loaded";
  } catch (const tswap::trace::TraceError& e) {
    EXPECT_EQ(e.kind(), tswap::trace::TraceError::Kind::corrupt);
    EXPECT_EQ(e.offset(), 260u);
    EXPECT_THAT(e.what(), HasSubstr("rank 4 of a world of 4 (local rank -1)"));
  }
  run.rank = 3;
  const tswap::trace::Trace t = tswap_test::LogBuilder().ranked(run).standard_names().end(0).parse();
  EXPECT_EQ(t.run().rank, 3);
  EXPECT_EQ(t.header().header_bytes, 512u);
}

}  // namespace
