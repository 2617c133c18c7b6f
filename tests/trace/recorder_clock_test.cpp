// The recorder's clocks (Note [TSC clock] in profiler/recorder/tsc_clock.h):
// a TSC session's times are CLOCK_MONOTONIC ns, in order per thread and
// within a few µs of steady_clock readings taken beside them; emit_at()
// keeps its exact time; without an invariant TSC the session falls back
// to steady_clock, or refuses where the TSC was asked for; at full speed
// nothing is dropped.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/trace.h>

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using tswap::profiler::ClockSource;
using tswap::trace::EventKind;
using tswap::trace::Trace;

struct TempLog {
  explicit TempLog(const std::string& name)
      : path((std::filesystem::temp_directory_path() /
              ("tswap-clock-" + std::to_string(::getpid()) + "-" + name + ".tswap"))
                 .string()) {}
  ~TempLog() { std::remove(path.c_str()); }
  std::string path;
};

/// While alive, the recorder sees no invariant TSC.
struct NoTsc {
  NoTsc() { tswap::profiler::set_tsc_unavailable_for_testing(true); }
  ~NoTsc() { tswap::profiler::set_tsc_unavailable_for_testing(false); }
};

/// Each event's value: clock_ns() read just before emitting it.
tswap::profiler::Fields stamped(std::uint32_t index) {
  tswap::profiler::Fields f;
  f.index = index;
  f.value = static_cast<std::uint64_t>(tswap::profiler::clock_ns());
  return f;
}

/// Bursts of events with pauses between, so that the writer drains (and
/// reads anchors) many times, over segments long and short.
void record_bursts(std::uint16_t layer) {
  std::uint32_t index = 0;
  for (int burst = 0; burst < 12; ++burst) {
    for (int i = 0; i < 2000; ++i) {
      tswap::profiler::Fields f = stamped(index++);
      f.layer = layer;
      tswap::profiler::emit(EventKind::kept, f);
    }
    std::this_thread::sleep_for(burst % 3 == 0 ? 15ms : 2ms);
  }
}

/// A session with `options` in which this thread and another record bursts.
void record_two_threads(tswap::profiler::SessionOptions options) {
  options.flush_interval = 5ms;
  tswap::profiler::start_session(options);
  std::thread other([] { record_bursts(2); });
  record_bursts(1);
  other.join();
  tswap::profiler::stop_session();
}

/// Every event's time lies between the steady_clock reading before it and
/// the one before the thread's next event, give or take `slack_ns`; per
/// thread, in file order, times never go back.
void expect_times_match_steady_clock(const Trace& t, std::int64_t slack_ns) {
  const auto start = static_cast<std::int64_t>(t.header().monotonic_start_ns);
  std::map<std::uint16_t, std::vector<const tswap::trace::Event*>> by_layer;
  for (const tswap::trace::Event& e : t.events()) by_layer[e.layer].push_back(&e);
  ASSERT_EQ(by_layer.size(), 2u);
  for (auto& [layer, events] : by_layer) {
    // Trace sorts by time, stably: a thread's own order is index order.
    std::sort(events.begin(), events.end(),
              [](const auto* a, const auto* b) { return a->index < b->index; });
    ASSERT_EQ(events.size(), 24000u) << "layer " << layer;
    std::int64_t worst = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const std::int64_t at = start + static_cast<std::int64_t>(events[i]->host_ns);
      const auto before = static_cast<std::int64_t>(events[i]->value);
      if (i > 0) {
        ASSERT_GE(events[i]->host_ns, events[i - 1]->host_ns) << "event " << i;
      }
      worst = std::max(worst, before - at);
      if (i + 1 < events.size()) {
        worst = std::max(worst, at - static_cast<std::int64_t>(events[i + 1]->value));
      }
    }
    EXPECT_LE(worst, slack_ns) << "layer " << layer << ": ns outside the steady_clock readings";
  }
}

TEST(RecorderClock, TscTimesAreInOrderPerThreadAndWithinMicrosecondsOfSteadyClock) {
  if (!tswap::profiler::tsc_available()) GTEST_SKIP() << "no invariant TSC on this CPU";
  TempLog log("tsc");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  options.clock = ClockSource::tsc;
  record_two_threads(options);
  EXPECT_EQ(tswap::profiler::session_stats().clock, ClockSource::tsc);
  EXPECT_EQ(tswap::profiler::session_stats().records_dropped, 0u);
  const Trace t = Trace::load(log.path);
  EXPECT_EQ(t.header().host_clock, static_cast<std::uint8_t>(tswap::trace::HostClock::tsc));
  expect_times_match_steady_clock(t, 3000);
}

TEST(RecorderClock, AutomaticReadsTheTscWhereItIsInvariant) {
  TempLog log("auto");
  tswap::profiler::start_session(log.path);
  tswap::profiler::stop_session();
  EXPECT_EQ(tswap::profiler::session_stats().clock, tswap::profiler::tsc_available()
                                                        ? ClockSource::tsc
                                                        : ClockSource::steady);
}

TEST(RecorderClock, EmitAtKeepsItsExactTimeInATscSession) {
  if (!tswap::profiler::tsc_available()) GTEST_SKIP() << "no invariant TSC on this CPU";
  TempLog log("emit-at");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  options.clock = ClockSource::tsc;
  tswap::profiler::start_session(options);
  const std::int64_t when = tswap::profiler::clock_ns() + 12345;
  tswap::profiler::emit_at(EventKind::d2h_done, {}, when);
  tswap::profiler::emit_at(EventKind::d2h_done, {}, 1);  // before the start: at the start
  tswap::profiler::stop_session();
  const Trace t = Trace::load(log.path);
  ASSERT_EQ(t.events().size(), 2u);
  EXPECT_EQ(t.events()[0].host_ns, 0u);
  EXPECT_EQ(static_cast<std::int64_t>(t.header().monotonic_start_ns + t.events()[1].host_ns), when);
}

TEST(RecorderClock, WithoutAnInvariantTscAutomaticFallsBackToSteadyClock) {
  NoTsc no_tsc;
  EXPECT_FALSE(tswap::profiler::tsc_available());
  TempLog log("fallback");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  record_two_threads(options);
  EXPECT_EQ(tswap::profiler::session_stats().clock, ClockSource::steady);
  const Trace t = Trace::load(log.path);
  EXPECT_EQ(t.header().host_clock, static_cast<std::uint8_t>(tswap::trace::HostClock::steady));
  // steady_clock itself: each time lies between the readings around it.
  expect_times_match_steady_clock(t, 0);
}

TEST(RecorderClock, AskingForATscThatIsNotThereIsRefused) {
  NoTsc no_tsc;
  TempLog log("refused");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  options.clock = ClockSource::tsc;
  try {
    tswap::profiler::start_session(options);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("clock tsc asked for, but this CPU has no invariant TSC"));
  }
  EXPECT_FALSE(tswap::profiler::session_active());
}

TEST(RecorderClock, NothingIsDroppedAtFullSpeed) {
  // From a tight loop, an eighth more events than the ring holds: the
  // writer must drain while the thread records at full speed, and the ring
  // wraps. (Twice the ring failed now and then on a 2-core machine shared
  // with two builds, where the writer gets a third of a core: what the
  // writer sustains is measured in bench/recorder_bench.cpp, not here.)
  constexpr std::uint32_t kRing = 1u << 21;
  constexpr std::uint32_t kEvents = kRing + kRing / 8;
  for (const ClockSource clock : {ClockSource::steady, ClockSource::automatic}) {
    tswap::profiler::SessionOptions options;
    options.path = "/dev/null";
    options.clock = clock;
    options.thread_buffer_records = kRing;
    options.flush_interval = 2ms;
    std::thread([&] {  // a new thread: a ring of the size asked for
      tswap::profiler::start_session(options);
      tswap::profiler::Fields f;
      for (std::uint32_t i = 0; i < kEvents; ++i) {
        f.index = i;
        tswap::profiler::emit(EventKind::d2h_queued, f);
      }
      tswap::profiler::stop_session();
    }).join();
    const tswap::profiler::SessionStats stats = tswap::profiler::session_stats();
    EXPECT_EQ(stats.records_dropped, 0u) << "clock " << static_cast<int>(clock);
    EXPECT_EQ(stats.records_written, kEvents) << "clock " << static_cast<int>(clock);
  }
}

}  // namespace
