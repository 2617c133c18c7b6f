// Recording sessions: what is emitted is what the reader returns, field by
// field; misuse gets a clear error; a full buffer drops and counts; a
// process that dies leaves a readable log.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/trace.h>

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using tswap::trace::EventKind;
using tswap::trace::Trace;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tswap-recorder-" + std::to_string(::getpid()) + "-" + name + ".tswap"))
      .string();
}

/// Deletes the file when the test ends.
struct TempLog {
  explicit TempLog(const std::string& name) : path(temp_path(name)) {}
  ~TempLog() { std::remove(path.c_str()); }
  std::string path;
};

tswap::profiler::Fields fields(std::uint16_t tag, std::uint16_t layer, std::uint32_t index,
                               std::uint64_t value, std::uint8_t stream = 0) {
  tswap::profiler::Fields f;
  f.tag = tag;
  f.layer = layer;
  f.index = index;
  f.step = 7;
  f.value = value;
  f.stream = stream;
  f.reason = 2;
  f.flags = 1;
  return f;
}

// A process that makes runtimes by the hundred names more streams than a
// log has ids for (255): past 254 the names share the last id, named as
// such, instead of an exception from a runtime's constructor. In a child:
// the names are the process's for good.
TEST(Recorder, StreamNamesPastTheIdsShareTheLastOneNamedAsSuch) {
  TempLog log("names");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int bad = 0;
    std::uint8_t first_shared = 0, last_own = 0;
    for (int i = 0; i < 300; ++i) {
      const std::uint8_t id = tswap::profiler::intern_stream("rec names " + std::to_string(i));
      if (id == 255 && first_shared == 0) first_shared = static_cast<std::uint8_t>(i);
      if (id != 255) last_own = id;
      if (tswap::profiler::intern_stream("rec names " + std::to_string(i)) != id) ++bad;
    }
    if (first_shared == 0 || last_own != 254) ++bad;
    tswap::profiler::SessionOptions options;
    options.path = log.path;
    tswap::profiler::start_session(options);
    tswap::profiler::emit(EventKind::d2h_queued, fields(1, 0, 0, 1, 255));
    tswap::profiler::emit(EventKind::d2h_queued, fields(1, 0, 1, 1, 254));
    tswap::profiler::stop_session();
    const Trace t = Trace::load(log.path);
    if (t.streams().at(255) != "(more names than a log has ids for)") ++bad;
    if (t.streams().at(254).rfind("rec names ", 0) != 0) ++bad;
    ::_exit(bad == 0 ? 0 : 10 + bad);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 + the number of checks the child failed";
}

TEST(Recorder, WhatIsEmittedIsWhatIsReadFieldByField) {
  TempLog log("roundtrip");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  options.device = "cpu (test)";
  tswap::profiler::start_session(options);
  ASSERT_TRUE(tswap::profiler::session_active());
  // Names made during the session are defined in the log before use.
  const std::uint16_t tag = tswap::profiler::intern_tag("rec.roundtrip.*");
  const std::uint8_t stream = tswap::profiler::intern_stream("rec stream");
  for (std::uint32_t i = 0; i < 1000; ++i) {
    tswap::profiler::emit(EventKind::d2h_queued,
                          fields(tag, static_cast<std::uint16_t>(i % 7), i, 1000000 + i, stream));
  }
  std::thread([&] {
    tswap::profiler::name_this_thread("rec-helper");
    tswap::profiler::emit(EventKind::stall, fields(tag, 3, 99, 12345));
  }).join();
  tswap::profiler::stop_session();
  EXPECT_FALSE(tswap::profiler::session_active());
  EXPECT_EQ(tswap::profiler::session_stats().records_written, 1001u);

  const Trace t = Trace::load(log.path);
  EXPECT_TRUE(t.completeness().clean_end);
  EXPECT_EQ(t.completeness().records_written, 1001u);
  EXPECT_EQ(t.completeness().records_dropped, 0u);
  EXPECT_STREQ(t.header().device, "cpu (test)");
  EXPECT_EQ(t.header().pid, static_cast<std::uint32_t>(::getpid()));
  ASSERT_EQ(t.events().size(), 1001u);
  std::uint32_t next = 0;
  std::uint64_t last_ns = 0;
  for (const tswap::trace::Event& e : t.events()) {
    EXPECT_GE(e.host_ns, last_ns);
    last_ns = e.host_ns;
    EXPECT_EQ(t.tag(e.tag), "rec.roundtrip.*");
    EXPECT_EQ(e.step, 7u);
    EXPECT_EQ(e.reason, 2);
    EXPECT_EQ(e.flags, 1);
    if (e.event_kind() == EventKind::stall) {
      EXPECT_EQ(t.thread(e.thread), "rec-helper");
      EXPECT_EQ(e.layer, 3);
      EXPECT_EQ(e.index, 99u);
      EXPECT_EQ(e.value, 12345u);
      continue;
    }
    ASSERT_EQ(e.event_kind(), EventKind::d2h_queued);
    EXPECT_EQ(e.index, next);
    EXPECT_EQ(e.layer, next % 7);
    EXPECT_EQ(e.value, 1000000u + next);
    EXPECT_EQ(t.stream(e.stream), "rec stream");
    ++next;
  }
  EXPECT_EQ(next, 1000u);
}

TEST(Recorder, NothingIsRecordedOutsideASession) {
  TempLog log("outside");
  const std::uint16_t tag = tswap::profiler::intern_tag("rec.outside.*");
  tswap::profiler::emit(EventKind::kept, fields(tag, 0, 0, 1));  // before: dropped
  tswap::profiler::start_session(log.path);
  tswap::profiler::emit(EventKind::kept, fields(tag, 1, 0, 1));
  tswap::profiler::stop_session();
  tswap::profiler::emit(EventKind::kept, fields(tag, 2, 0, 1));  // after: dropped
  tswap::profiler::stop_session();                               // a second stop: nothing
  const Trace t = Trace::load(log.path);
  ASSERT_EQ(t.events().size(), 1u);
  EXPECT_EQ(t.events()[0].layer, 1);
}

TEST(Recorder, StartingASecondSessionNamesTheFirst) {
  TempLog a("first"), b("second");
  tswap::profiler::ScopedSession session(a.path);
  try {
    tswap::profiler::start_session(b.path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("a session is already recording to " + a.path));
  }
}

TEST(Recorder, AFileThatCannotBeCreatedIsRefused) {
  try {
    tswap::profiler::start_session("/nonexistent-dir/run.tswap");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot create /nonexistent-dir/run.tswap"));
  }
  EXPECT_FALSE(tswap::profiler::session_active());
}

TEST(Recorder, AFullDiskIsRefusedAtStart) {
  try {
    tswap::profiler::start_session("/dev/full");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::EndsWith("cannot write /dev/full: No space left on device"))
        << "not a regular file: not removed";
  }
  EXPECT_FALSE(tswap::profiler::session_active());
  EXPECT_TRUE(std::filesystem::exists("/dev/full"));
}

TEST(Recorder, AFullThreadBufferDropsAndCountsNeverBlocks) {
  TempLog log("drops");
  tswap::profiler::SessionOptions options;
  options.path = log.path;
  options.thread_buffer_records = 16;  // for threads that start recording now
  options.flush_interval = 10s;        // the writer will not drain before stop
  tswap::profiler::start_session(options);
  const std::uint16_t tag = tswap::profiler::intern_tag("rec.drops.*");
  std::thread([&] {
    for (std::uint32_t i = 0; i < 100; ++i)
      tswap::profiler::emit(EventKind::kept, fields(tag, 0, i, 1));
  }).join();
  tswap::profiler::stop_session();
  const Trace t = Trace::load(log.path);
  EXPECT_EQ(t.events().size(), 16u) << "the first 16 fit";
  EXPECT_EQ(t.completeness().records_dropped, 84u);
  EXPECT_EQ(tswap::profiler::session_stats().records_dropped, 84u);
  EXPECT_EQ(t.events().back().index, 15u);
}

TEST(Recorder, AProcessThatDiesLeavesALogReadableUpToItsLastFlush) {
  TempLog log("crash");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    tswap::profiler::SessionOptions options;
    options.path = log.path;
    options.flush_interval = 5ms;
    tswap::profiler::start_session(options);
    const std::uint16_t tag = tswap::profiler::intern_tag("rec.crash.*");
    for (std::uint32_t i = 0; i < 500; ++i)
      tswap::profiler::emit(EventKind::kept, fields(tag, 0, i, 1));
    std::this_thread::sleep_for(200ms);  // flushed by now
    for (std::uint32_t i = 500; i < 600; ++i)
      tswap::profiler::emit(EventKind::kept, fields(tag, 0, i, 1));
    ::_exit(3);  // dies: no stop, no end chunk, no static destructors
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 3);
  const Trace t = Trace::load(log.path);
  EXPECT_FALSE(t.completeness().clean_end);
  EXPECT_GE(t.events().size(), 500u);
  EXPECT_LE(t.events().size(), 600u);
  for (std::size_t i = 0; i < t.events().size(); ++i) EXPECT_EQ(t.events()[i].index, i);
}

TEST(Recorder, ASessionWithoutADeviceGetsTheOneTheProgramNames) {
  // TSWAP_LOG and start_session(path) give no device: the engine names it
  // with set_device(), before or while the session records.
  TempLog before("device-before"), during("device-during"), own("device-own");
  tswap::profiler::set_device("cpu (simulated)");
  tswap::profiler::start_session(before.path);
  tswap::profiler::stop_session();
  tswap::profiler::set_device("");
  tswap::profiler::start_session(during.path);
  tswap::profiler::emit(EventKind::kept, fields(tswap::profiler::intern_tag("rec.device.*"), 0, 0, 1));
  tswap::profiler::set_device("cuda:0 NVIDIA H200");
  tswap::profiler::stop_session();
  tswap::profiler::SessionOptions options;
  options.path = own.path;
  options.device = "given";
  tswap::profiler::start_session(options);
  tswap::profiler::set_device("cuda:1");  // the session's own device stays
  tswap::profiler::stop_session();
  tswap::profiler::set_device("");

  EXPECT_STREQ(Trace::load(before.path).header().device, "cpu (simulated)");
  const Trace t = Trace::load(during.path);
  EXPECT_STREQ(t.header().device, "cuda:0 NVIDIA H200");
  EXPECT_EQ(t.events().size(), 1u);  // the header rewrite left the chunks alone
  EXPECT_STREQ(Trace::load(own.path).header().device, "given");
}

TEST(Recorder, TheEnginesSuggestionNeverOverwritesTheProgramsDevice) {
  TempLog mine("device-mine"), suggested("device-suggested");
  tswap::profiler::set_device("privateuse1:0 (my board)");
  tswap::profiler::start_session(mine.path);
  tswap::profiler::suggest_device("cpu (accelerator privateuseone:0)");  // the engine's first swap
  tswap::profiler::stop_session();
  tswap::profiler::set_device("");
  tswap::profiler::start_session(suggested.path);
  tswap::profiler::suggest_device("cuda:0 (accelerator cuda:0)");
  tswap::profiler::stop_session();
  tswap::profiler::set_device("");
  EXPECT_STREQ(Trace::load(mine.path).header().device, "privateuse1:0 (my board)");
  EXPECT_STREQ(Trace::load(suggested.path).header().device, "cuda:0 (accelerator cuda:0)");
}

}  // namespace
