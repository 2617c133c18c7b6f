// tswap::testing on its own: what the matchers say, what golden updates
// write, what RecordedRun keeps, how a Trace prints in a failure.

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <tswap/profiler/emit.h>
#include <tswap/testing.h>

#include "log_builder.h"

namespace tswap_test {
namespace {

namespace fs = std::filesystem;
using tswap::trace::EventKind;

/// Sets an environment variable for the scope of a test.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  const char* name_;
};

/// A folder of its own under the temporary directory, removed at the end.
struct TempDir {
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("tswap-testing-" + std::to_string(::getpid()) + "-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

tswap::trace::Trace two_events() {
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::kept, 2, 0)})
      .end(2);
  return b.parse("built.tswap");
}

std::string explain(const ::testing::Matcher<const tswap::trace::Trace&>& m,
                    const tswap::trace::Trace& t, bool* matched = nullptr) {
  ::testing::StringMatchResultListener listener;
  const bool ok = m.MatchAndExplain(t, &listener);
  if (matched != nullptr) *matched = ok;
  return listener.str();
}

TEST(TestingPrint, ATraceInAFailurePrintsAsOneLineNotItsBytes) {
  EXPECT_EQ(::testing::PrintToString(two_events()),
            "the log built.tswap (2 events; tag model.layer.*; complete)");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(two_events(), tswap::testing::MatchesGoldenOrder("/nonexistent/x.order")),
      "Actual: the log built.tswap (2 events; tag model.layer.*; complete) (of type "
      "tswap::trace::Trace), cannot read "
      "/nonexistent/x.order; TSWAP_UPDATE_GOLDEN=1 writes it");
}

TEST(TestingGolden, AnUpdateCreatesTheGoldenFilesDirectory) {
  TempDir dir("update");
  const fs::path golden = dir.path / "golden" / "deeper" / "step.order";
  ScopedEnv update("TSWAP_UPDATE_GOLDEN", "1");
  bool matched = false;
  EXPECT_EQ(explain(tswap::testing::MatchesGoldenOrder(golden.string()), two_events(), &matched),
            "wrote 3 lines to " + golden.string());
  EXPECT_TRUE(matched);
  std::ifstream in(golden);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "lane compute\nstep_begin model.layer.* L0 step 1\nkept model.layer.* L0 "
                        "swapped\n");  // reason 0
}

TEST(TestingGolden, AnUpdateThatCannotCreateTheDirectoryFailsSayingSo) {
  TempDir dir("blocked");
  std::ofstream(dir.path / "file") << "a file, not a folder\n";
  const fs::path golden = dir.path / "file" / "golden" / "step.order";
  ScopedEnv update("TSWAP_UPDATE_GOLDEN", "1");
  bool matched = true;
  EXPECT_EQ(explain(tswap::testing::MatchesGoldenOrder(golden.string()), two_events(), &matched),
            "cannot create the directory " + (dir.path / "file" / "golden").string() +
                ": Not a directory (TSWAP_UPDATE_GOLDEN=1)");
  EXPECT_FALSE(matched);
  EXPECT_FALSE(fs::exists(golden));
}

TEST(TestingGolden, AMissingRelativeGoldenFileSaysWhereItWasLookedFor) {
  EXPECT_EQ(explain(tswap::testing::MatchesGoldenOrder("no-such/step.order"), two_events()),
            "cannot read no-such/step.order (relative to the working directory " +
                fs::current_path().string() +
                "; ctest runs tests in the build directory: "
                "tswap::testing::source_relative(__FILE__, ...) names it beside the test); "
                "TSWAP_UPDATE_GOLDEN=1 writes it");
}

TEST(TestingGolden, SourceRelativeNamesAFileBesideTheSource) {
  EXPECT_EQ(tswap::testing::source_relative("/src/tests/schedule_test.cpp", "golden/a.order"),
            "/src/tests/golden/a.order");
  EXPECT_EQ(tswap::testing::source_relative("/src/tests/schedule_test.cpp", "../data/a.order"),
            "/src/data/a.order");
  // This very file is found from any working directory.
  EXPECT_TRUE(fs::exists(tswap::testing::source_relative(__FILE__, "log_builder.h")));
}

TEST(TestingRules, ALogCutBeforeBackwardMatchesAndSaysItIsIncomplete) {
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::d2h_queued, 10, 0, 0, 8, 1)})
      .end(2);
  bool matched = false;
  EXPECT_EQ(explain(tswap::testing::SatisfiesOrderingRules(), b.parse(), &matched),
            "the log ends before the backward of 1 tag step (incomplete, no rule broken): "
            "'model.layer.*' step 1: 1 swap out (layer 0, from 0.000010 ms) neither came back "
            "nor was let go of by autograd before the log ends");
  EXPECT_TRUE(matched);
}

std::string record_a_run(bool* exists_after) {
  std::string path;
  {
    tswap::testing::RecordedRun run;
    path = run.path();
    tswap::profiler::Fields f;
    f.tag = tswap::profiler::intern_tag("testing.keep.*");
    tswap::profiler::emit(EventKind::step_begin, f);
    EXPECT_EQ(run.stop().events().size(), 1u);
  }
  *exists_after = fs::exists(path);
  return path;
}

TEST(TestingRecordedRun, KeepingTheLogSaysWhereItIs) {
  ScopedEnv keep("TSWAP_KEEP_LOGS", "1");
  ::testing::internal::CaptureStderr();
  bool exists = false;
  const std::string path = record_a_run(&exists);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "tswap::testing: kept the recorded log " + path + " (TSWAP_KEEP_LOGS)\n");
  EXPECT_TRUE(exists);
  fs::remove(path);
}

TEST(TestingRecordedRun, WithoutKeepingTheLogGoesQuietly) {
  ::testing::internal::CaptureStderr();
  bool exists = true;
  record_a_run(&exists);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_FALSE(exists);
}

}  // namespace
}  // namespace tswap_test
