#include <tswap/testing.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <tswap/profiler.h>

namespace tswap::testing {
namespace {

namespace fs = std::filesystem;

std::string temporary_log_path() {
  static std::atomic<int> n{0};
  const fs::path dir = fs::temp_directory_path();
  return (dir / ("tswap-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".tswap"))
      .string();
}

/// The variable is set to something other than "" and "0".
bool flag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

class OrderingRulesMatcher : public ::testing::MatcherInterface<const trace::Trace&> {
 public:
  bool MatchAndExplain(const trace::Trace& log,
                       ::testing::MatchResultListener* listener) const override {
    const trace::CheckResult r = trace::check_schedule(log);
    for (const trace::Violation& v : r.violations) *listener << "\n  " << v.rule << ": " << v.message;
    if (!r.unfinished.empty()) {
      *listener << (r.violations.empty() ? "" : "\n  ") << "the log ends before the backward of "
                << r.unfinished.size() << " tag step" << (r.unfinished.size() == 1 ? "" : "s")
                << " (incomplete, no rule broken): " << r.unfinished.front().message;
    }
    return r.violations.empty();
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "satisfies the swap schedule's ordering rules";
  }
  void DescribeNegationTo(std::ostream* os) const override { *os << "breaks an ordering rule"; }
};

/// Writes `lines` to `path`, creating its directory; false with why if not.
bool write_golden(const std::string& path, const std::vector<std::string>& lines,
                  std::string& why) {
  const fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      why = "cannot create the directory " + dir.string() + ": " + ec.message();
      return false;
    }
  }
  std::ofstream out(path);
  for (const std::string& line : lines) out << line << "\n";
  out.close();
  if (!out) {
    why = "cannot write " + path;
    return false;
  }
  return true;
}

class GoldenOrderMatcher : public ::testing::MatcherInterface<const trace::Trace&> {
 public:
  explicit GoldenOrderMatcher(std::string path) : path_(std::move(path)) {}

  bool MatchAndExplain(const trace::Trace& log,
                       ::testing::MatchResultListener* listener) const override {
    const std::vector<std::string> got = trace::event_order(log);
    const char* update = std::getenv("TSWAP_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
      std::string why;
      if (!write_golden(path_, got, why)) {
        *listener << why << " (TSWAP_UPDATE_GOLDEN=1)";
        return false;
      }
      *listener << "wrote " << got.size() << " lines to " << path_;
      return true;
    }
    std::ifstream in(path_);
    if (!in) {
      *listener << "cannot read " << path_;
      if (fs::path(path_).is_relative()) {
        std::error_code ec;
        *listener << " (relative to the working directory " << fs::current_path(ec).string()
                  << "; ctest runs tests in the build directory: "
                     "tswap::testing::source_relative(__FILE__, ...) names it beside the test)";
      }
      *listener << "; TSWAP_UPDATE_GOLDEN=1 writes it";
      return false;
    }
    std::vector<std::string> want;
    for (std::string line; std::getline(in, line);) want.push_back(line);
    for (std::size_t i = 0; i < got.size() || i < want.size(); ++i) {
      const std::string g = i < got.size() ? got[i] : "(end)";
      const std::string w = i < want.size() ? want[i] : "(end)";
      if (g != w) {
        *listener << "line " << i + 1 << " of " << path_ << ":\n  expected: " << w
                  << "\n  recorded: " << g << "\n(" << want.size() << " lines expected, "
                  << got.size() << " recorded; TSWAP_UPDATE_GOLDEN=1 rewrites the file)";
        return false;
      }
    }
    return true;
  }
  void DescribeTo(std::ostream* os) const override { *os << "has the event order in " << path_; }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "does not have the event order in " << path_;
  }

 private:
  std::string path_;
};

}  // namespace

RecordedRun::RecordedRun() : path_(temporary_log_path()) {
  profiler::start_session(path_);
}

RecordedRun::~RecordedRun() {
  if (!stopped_) profiler::stop_session();
  if (flag("TSWAP_KEEP_LOGS")) {
    std::fprintf(stderr, "tswap::testing: kept the recorded log %s (TSWAP_KEEP_LOGS)\n",
                 path_.c_str());
  } else {
    std::remove(path_.c_str());
  }
}

trace::Trace RecordedRun::stop() {
  if (!stopped_) profiler::stop_session();
  stopped_ = true;
  return trace::Trace::load(path_);
}

::testing::Matcher<const trace::Trace&> SatisfiesOrderingRules() {
  return ::testing::MakeMatcher(new OrderingRulesMatcher());
}

::testing::Matcher<const trace::Trace&> MatchesGoldenOrder(const std::string& golden_path) {
  return ::testing::MakeMatcher(new GoldenOrderMatcher(golden_path));
}

std::string source_relative(const std::string& source_file, const std::string& relative) {
  return (fs::path(source_file).parent_path() / relative).lexically_normal().string();
}

std::size_t count(const trace::Trace& log, trace::EventKind kind) {
  std::size_t n = 0;
  for (const trace::Event& e : log.events()) n += e.event_kind() == kind ? 1 : 0;
  return n;
}

}  // namespace tswap::testing
