#pragma once

// Regression tests on the order of logged events, with GoogleTest:
//
//   #include <tswap/testing.h>
//   TEST(Training, SwapScheduleIsUnchanged) {
//     tswap::testing::RecordedRun run;
//     train_one_step(model);
//     const tswap::trace::Trace log = run.stop();
//     EXPECT_THAT(log, tswap::testing::SatisfiesOrderingRules());
//     EXPECT_THAT(log, tswap::testing::MatchesGoldenOrder("tests/data/step.order"));
//   }
//
// TSWAP_UPDATE_GOLDEN=1 writes the golden files instead of comparing.

#include <gmock/gmock.h>

#include <cstddef>
#include <string>

#include <tswap/trace/analysis.h>
#include <tswap/trace/trace.h>

namespace tswap::testing {

/// Records everything from construction to stop() into a temporary file.
/// The file is deleted with the object unless TSWAP_KEEP_LOGS is set.
class RecordedRun {
 public:
  RecordedRun();
  ~RecordedRun();
  RecordedRun(const RecordedRun&) = delete;
  RecordedRun& operator=(const RecordedRun&) = delete;

  /// Stops the session and loads the log.
  trace::Trace stop();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool stopped_ = false;
};

/// All of trace::check_invariants' rules hold; lists the violations if not.
::testing::Matcher<const trace::Trace&> SatisfiesOrderingRules();

/// trace::event_order(log) equals the lines of `golden_path`; shows the
/// first difference if not. With TSWAP_UPDATE_GOLDEN=1, writes the file.
::testing::Matcher<const trace::Trace&> MatchesGoldenOrder(const std::string& golden_path);

/// How many events of `kind` the log holds.
std::size_t count(const trace::Trace& log, trace::EventKind kind);

}  // namespace tswap::testing
