#include <tswap/testing.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <tswap/profiler.h>

namespace tswap::testing {
namespace {

std::string temporary_log_path() {
  static std::atomic<int> n{0};
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  return (dir / ("tswap-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".tswap"))
      .string();
}

class OrderingRulesMatcher : public ::testing::MatcherInterface<const trace::Trace&> {
 public:
  bool MatchAndExplain(const trace::Trace& log,
                       ::testing::MatchResultListener* listener) const override {
    const std::vector<trace::Violation> found = trace::check_invariants(log);
    for (const trace::Violation& v : found) *listener << "\n  " << v.rule << ": " << v.message;
    return found.empty();
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "satisfies the swap schedule's ordering rules";
  }
  void DescribeNegationTo(std::ostream* os) const override { *os << "breaks an ordering rule"; }
};

class GoldenOrderMatcher : public ::testing::MatcherInterface<const trace::Trace&> {
 public:
  explicit GoldenOrderMatcher(std::string path) : path_(std::move(path)) {}

  bool MatchAndExplain(const trace::Trace& log,
                       ::testing::MatchResultListener* listener) const override {
    const std::vector<std::string> got = trace::event_order(log);
    const char* update = std::getenv("TSWAP_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
      std::ofstream out(path_);
      for (const std::string& line : got) out << line << "\n";
      *listener << "wrote " << got.size() << " lines to " << path_;
      return static_cast<bool>(out);
    }
    std::ifstream in(path_);
    if (!in) {
      *listener << "cannot read " << path_ << " (TSWAP_UPDATE_GOLDEN=1 writes it)";
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
  if (std::getenv("TSWAP_KEEP_LOGS") == nullptr) std::remove(path_.c_str());
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

std::size_t count(const trace::Trace& log, trace::EventKind kind) {
  std::size_t n = 0;
  for (const trace::Event& e : log.events()) n += e.event_kind() == kind ? 1 : 0;
  return n;
}

}  // namespace tswap::testing
