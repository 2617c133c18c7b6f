#pragma once

// Regression tests on the order of logged events, with GoogleTest:
//
//   #include <tswap/testing.h>
//   TEST(Training, SwapScheduleIsUnchanged) {
//     tswap::testing::RecordedRun run;
//     train_one_step(model);
//     const tswap::trace::Trace log = run.stop();
//     EXPECT_THAT(log, tswap::testing::SatisfiesOrderingRules());
//     EXPECT_THAT(log, tswap::testing::MatchesGoldenOrder(
//                          tswap::testing::source_relative(__FILE__, "golden/step.order")));
//   }
//
// TSWAP_UPDATE_GOLDEN=1 writes the golden files instead of comparing
// (creating their directory); TSWAP_KEEP_LOGS=1 keeps the recorded logs
// and says where.

#include <gmock/gmock.h>

#include <cstddef>
#include <string>

#include <tswap/trace/analysis.h>
#include <tswap/trace/trace.h>

namespace tswap::testing {

/// Records everything from construction to stop() into a temporary file.
/// The file is deleted with the object unless TSWAP_KEEP_LOGS is set (to
/// anything but "" or "0"); then its path is printed once, on stderr.
/// One at a time per process (one recording session at most).
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

/// No rule of trace::check_schedule is broken; lists the violations if one
/// is. Swaps the log ends before (trace::Unfinished) break no rule: they
/// are mentioned, and the match holds.
::testing::Matcher<const trace::Trace&> SatisfiesOrderingRules();

/// trace::event_order(log) equals the lines of `golden_path`; shows the
/// first difference if not. With TSWAP_UPDATE_GOLDEN=1, writes the file,
/// creating its directory (and fails, saying why, if it cannot). A relative
/// path is read from the working directory, which under ctest is the build
/// directory: name files next to the test's source with source_relative().
::testing::Matcher<const trace::Trace&> MatchesGoldenOrder(const std::string& golden_path);

/// `relative` resolved against the directory of `source_file`, meant for
/// __FILE__: source_relative(__FILE__, "golden/step.order") is the golden
/// file beside the test's source, whatever directory the test runs in.
/// (CMake hands compilers absolute source paths, so __FILE__ is one.)
std::string source_relative(const std::string& source_file, const std::string& relative);

/// How many events of `kind` the log holds.
std::size_t count(const trace::Trace& log, trace::EventKind kind);

}  // namespace tswap::testing
