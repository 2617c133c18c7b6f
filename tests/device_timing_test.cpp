// Device-timed logs on a machine without an accelerator: the accelerator
// runtime on a fake PrivateUse1 device (support/counting_guard.h, which
// counts stream synchronizations), with a fake timing backend whose device
// clock the test sets (support/fake_device_timer.h) and a fake allocator.
// Its own executable: the first swap of a process names the log's copy
// timing, and here that is the fake device's.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <tswap/accelerator_runtime.h>
#include <tswap/profiler.h>
#include <tswap/testing.h>
#include <tswap/trace/trace.h>
#include <tswap/tswap.h>

#include "support/counting_guard.h"
#include "support/fake_device_timer.h"

namespace tswap_test {
namespace {

using ::testing::ElementsAreArray;
using tswap::trace::Event;
using tswap::trace::EventKind;

constexpr c10::DeviceType kFake = kFakeDevice;

struct Rig {
  std::shared_ptr<FakeDeviceTimer> timer = std::make_shared<FakeDeviceTimer>(1000);
  std::shared_ptr<tswap::AcceleratorRuntime> runtime;
  std::atomic<int> memory_reads{0};

  explicit Rig(std::int64_t reanchor_ns = std::int64_t{1} << 60) {
    tswap::AcceleratorOptions o;
    o.host_allocator = [](std::size_t n) {
      return at::empty({static_cast<int64_t>(n)}, at::kByte);
    };
    o.timer = timer;
    // The k-th read (from 1): k * 100 bytes allocated, k * 1000 reserved.
    o.memory_probe = [this]() -> std::optional<tswap::DeviceMemory> {
      const auto k = static_cast<std::uint64_t>(++memory_reads);
      return tswap::DeviceMemory{k * 100, k * 1000};
    };
    o.reanchor_ns = reanchor_ns;
    runtime = std::make_shared<tswap::AcceleratorRuntime>(c10::Device(kFake, 0), o);
    timer->set_anchor_stream(*runtime->anchor_stream());
  }
};

std::string log_path(const std::string& name) {
  return ::testing::TempDir() + "device_timing_" + name + ".tswap";
}

/// A session whose writer never flushes on its own: the test resolves
/// timing events itself (the writer's flush hook would do the same), so
/// what is resolved when, and through which anchor, is known.
void start(const std::string& path) {
  tswap::profiler::SessionOptions s;
  s.path = path;
  s.flush_interval = std::chrono::hours(1);
  tswap::profiler::start_session(s);
}

/// One step of three layers that each save one tensor (tests/accelerator_runtime_test.cpp's
/// model): layer 0 and 1 swap out; backward prefetches 1 then 0.
void train_step(const std::string& tag, const std::shared_ptr<tswap::AcceleratorRuntime>& rt,
                std::vector<std::unique_ptr<tswap::SwapContext>>& layers, const torch::Tensor& w) {
  if (layers.empty()) {
    tswap::SwapOptions options;
    options.min_bytes = 0;  // the test tensors are a few KiB
    options.runtime = rt;
    for (int i = 0; i < 3; ++i)
      layers.push_back(std::make_unique<tswap::SwapContext>(tag, options));
  }
  torch::Tensor h = torch::randn({64}) * w;
  for (auto& layer : layers) {
    tswap::SwapScope s(*layer);
    h = h.sin();
  }
  h.sum().backward();
}

bool device_timed(const Event& e) {
  return (e.flags & tswap::trace::kFlagDeviceTime) != 0;
}

std::vector<const Event*> of_kind(const tswap::trace::Trace& t, EventKind kind) {
  std::vector<const Event*> out;
  for (const Event& e : t.events()) {
    if (e.event_kind() == kind) out.push_back(&e);
  }
  return out;
}

std::string line(const tswap::trace::Trace& t, const Event& e) {
  return std::string(to_string(e.event_kind())) + " L" + std::to_string(e.layer) + " on " +
         std::string(t.stream(e.stream));
}

TEST(DeviceTiming, CopiesAndLayersLandAtTheirDeviceTimesWithoutTheHotPathWaiting) {
  Rig rig;
  const std::string path = log_path("exact");
  start(path);
  rig.runtime->resolve_timing();  // the session's first anchor, before training
  const std::thread::id me = std::this_thread::get_id();
  const std::uint64_t waits_before = rig.timer->waits_on(me);
  const int syncs_before = stream_syncs().load();
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  train_step("dt.exact.*", rig.runtime, layers, torch::randn({64}, torch::requires_grad()));
  EXPECT_EQ(rig.timer->waits_on(me), waits_before)
      << "the training thread waited on a timing event";
  EXPECT_EQ(stream_syncs().load(), syncs_before) << "a stream was synchronized";
  rig.runtime->resolve_timing();
  EXPECT_EQ(rig.timer->waits_on(me), waits_before) << "resolving waits only for anchors";
  tswap::profiler::stop_session();
  const auto trace = tswap::trace::Trace::load(path);

  EXPECT_EQ(trace.header().copy_timing,
            static_cast<std::uint8_t>(tswap::trace::CopyTiming::device));
  const auto anchors = of_kind(trace, EventKind::clock_anchor);
  ASSERT_EQ(anchors.size(), 1u);
  EXPECT_EQ(anchors[0]->value, 0u);
  EXPECT_EQ(anchors[0]->index, 0u);

  // Every mark, in the order the host queued them, and its device stamp.
  std::vector<FakeDeviceTimer::Recorded> marks, anchor_marks;
  for (const auto& r : rig.timer->recorded()) (r.anchor ? anchor_marks : marks).push_back(r);
  ASSERT_EQ(anchor_marks.size(), 1u);
  std::vector<const Event*> timed;
  for (const Event& e : trace.events()) {
    if (device_timed(e)) timed.push_back(&e);
  }
  ASSERT_EQ(timed.size(), marks.size());
  const std::string d2h = std::string(trace.stream(timed[1]->stream));
  const std::string compute = "privateuseone:0 compute (stream 0)";
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < timed.size(); ++i) {
    lines.push_back(line(trace, *timed[i]));
    // Log time = the anchor's host time + device time since the anchor, to the ns.
    EXPECT_EQ(timed[i]->host_ns, anchors[0]->host_ns + static_cast<std::uint64_t>(
                                                           marks[i].stamp - anchor_marks[0].stamp))
        << "record " << i << ": " << lines.back();
  }
  const std::string h2d = [&] {
    for (const Event* e : timed) {
      if (e->event_kind() == EventKind::h2d_start) return std::string(trace.stream(e->stream));
    }
    return std::string();
  }();
  const std::vector<std::string> expected = {
      "layer_enter L0 on " + compute, "d2h_start L0 on " + d2h, "d2h_done L0 on " + d2h,
      "layer_exit L0 on " + compute, "layer_enter L1 on " + compute, "d2h_start L1 on " + d2h,
      "d2h_done L1 on " + d2h, "layer_exit L1 on " + compute, "layer_enter L2 on " + compute,
      "layer_exit L2 on " + compute,
      // backward: layer 2 prefetches layer 1, layer 1 prefetches layer 0
      "backward_enter L2 on " + compute, "h2d_start L1 on " + h2d, "h2d_done L1 on " + h2d,
      "backward_exit L2 on " + compute, "backward_enter L1 on " + compute, "h2d_start L0 on " + h2d,
      "h2d_done L0 on " + h2d, "backward_exit L1 on " + compute, "backward_enter L0 on " + compute,
      "backward_exit L0 on " + compute};
  EXPECT_THAT(lines, ElementsAreArray(expected));
  EXPECT_THAT(d2h, ::testing::StartsWith("privateuseone:0 d2h (stream "));
  EXPECT_THAT(h2d, ::testing::StartsWith("privateuseone:0 h2d (stream "));

  // Device-timed copies carry what their queued record says.
  for (const Event* e : timed) {
    if (e->event_kind() == EventKind::d2h_start || e->event_kind() == EventKind::h2d_done) {
      EXPECT_EQ(e->value, 64u * 4) << line(trace, *e);
      EXPECT_EQ(e->step, timed[0]->step);
    }
    if (e->event_kind() == EventKind::h2d_start) {
      EXPECT_TRUE(e->flags & tswap::trace::kFlagPrefetch);
    }
  }

  // The host's side is there too: queued copies and host-timed backward spans.
  EXPECT_EQ(of_kind(trace, EventKind::d2h_queued).size(), 2u);
  EXPECT_EQ(of_kind(trace, EventKind::backward_enter).size(), 6u);  // 3 host + 3 device

  // The allocator at each of the 12 boundaries (6 forward, 6 backward), in order.
  const auto allocated = of_kind(trace, EventKind::device_allocated);
  const auto reserved = of_kind(trace, EventKind::device_reserved);
  ASSERT_EQ(allocated.size(), 12u);
  ASSERT_EQ(reserved.size(), 12u);
  for (std::size_t k = 0; k < allocated.size(); ++k) {
    EXPECT_EQ(allocated[k]->value, (k + 1) * 100);
    EXPECT_EQ(reserved[k]->value, (k + 1) * 1000);
  }
  EXPECT_EQ(allocated[0]->layer, 0u);
  EXPECT_EQ(allocated[11]->layer, 0u);  // layer 0's backward exit
  // Host release and use precede the device's copy ends: no rule is broken.
  EXPECT_THAT(trace, tswap::testing::SatisfiesOrderingRules());
  // Kept for tswap-log and the viewer (tests/CMakeLists.txt: engine.device_log_*).
  if (const char* keep = std::getenv("TSWAP_KEEP_DEVICE_LOG")) {
    ASSERT_EQ(std::rename(path.c_str(), keep), 0) << "cannot move the log to " << keep;
  }
  std::remove(path.c_str());
}

TEST(DeviceTiming, MarksCompletingInAnyOrderAreEachWrittenOnceAtTheirOwnTime) {
  Rig rig;
  const std::string path = log_path("any_order");
  start(path);
  rig.runtime->resolve_timing();
  rig.timer->hold(true);
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  train_step("dt.order.*", rig.runtime, layers, torch::randn({64}, torch::requires_grad()));
  const auto recorded = rig.timer->recorded();
  std::vector<std::size_t> slots;
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (!recorded[i].anchor) slots.push_back(i);
  }
  ASSERT_EQ(slots.size(), 20u);
  rig.runtime->resolve_timing();
  EXPECT_EQ(rig.runtime->timing_counters().resolved, 0u) << "nothing completed yet";
  EXPECT_EQ(rig.runtime->timing_counters().pending, 20u);
  // Last queued first, then every other one, then the rest.
  std::vector<std::size_t> order;
  for (std::size_t i = slots.size(); i-- > 0;) {
    if (i % 2 == 1) order.push_back(slots[i]);
  }
  for (std::size_t i = 0; i < slots.size(); i += 2) order.push_back(slots[i]);
  std::uint64_t done = 0;
  for (std::size_t slot : order) {
    rig.timer->complete(slot);
    rig.runtime->resolve_timing();
    EXPECT_EQ(rig.runtime->timing_counters().resolved, ++done);
  }
  EXPECT_EQ(rig.runtime->timing_counters().pending, 0u);
  tswap::profiler::stop_session();
  const auto trace = tswap::trace::Trace::load(path);
  const auto anchors = of_kind(trace, EventKind::clock_anchor);
  ASSERT_EQ(anchors.size(), 1u);
  std::int64_t anchor_stamp = 0;
  for (const auto& r : recorded) {
    if (r.anchor) anchor_stamp = r.stamp;
  }
  std::vector<std::uint64_t> times, expected;
  for (const Event& e : trace.events()) {
    if (device_timed(e)) times.push_back(e.host_ns);
  }
  for (std::size_t slot : slots) {
    expected.push_back(anchors[0]->host_ns +
                       static_cast<std::uint64_t>(recorded[slot].stamp - anchor_stamp));
  }
  EXPECT_THAT(times, ElementsAreArray(expected))
      << "sorted by device time, whatever the completion order";
  std::remove(path.c_str());
}

TEST(DeviceTiming, AnchorsAreWrittenAndMarksMapThroughTheLatest) {
  Rig rig(/*reanchor_ns=*/0);  // a new anchor at every resolve
  const std::string path = log_path("anchors");
  start(path);
  // Host times from just after the session's start; the device clock runs
  // 1000 ns per ms slow: 999,000 device ns per host ms. Marks are stamped
  // from 1,000,000 device ns on, so through anchor 1 (device 1,999,000)
  // they land just after `base`: never after they were found complete.
  const std::int64_t base = tswap::profiler::clock_ns();
  rig.timer->set_anchor_clock([](int k) { return 1'000'000 + std::int64_t{k} * 999'000; },
                              [base](int k) { return base + std::int64_t{k} * 1'000'000; });
  rig.runtime->resolve_timing();  // anchor 0
  rig.timer->hold(true);
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  train_step("dt.anchor.*", rig.runtime, layers, torch::randn({64}, torch::requires_grad()));
  const auto recorded = rig.timer->recorded();
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (!recorded[i].anchor) rig.timer->complete(i);
  }
  rig.runtime->resolve_timing();    // anchor 1, then every mark through it
  tswap::profiler::stop_session();  // anchor 2 (the final flush), nothing left to map
  const auto trace = tswap::trace::Trace::load(path);
  const std::int64_t log_start = static_cast<std::int64_t>(trace.header().monotonic_start_ns);
  const auto anchors = of_kind(trace, EventKind::clock_anchor);
  ASSERT_EQ(anchors.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(anchors[k]->index, static_cast<std::uint32_t>(k));
    EXPECT_EQ(anchors[k]->value, static_cast<std::uint64_t>(k) * 999'000)
        << "device ns since anchor 0";
    EXPECT_EQ(static_cast<std::int64_t>(anchors[k]->host_ns), base - log_start + k * 1'000'000);
  }
  std::vector<std::uint64_t> times, expected;
  for (const Event& e : trace.events()) {
    if (device_timed(e)) times.push_back(e.host_ns);
  }
  for (const auto& r : recorded) {
    if (r.anchor) continue;
    // Through anchor 1: host base + 1 ms, device 1,999,000.
    expected.push_back(
        static_cast<std::uint64_t>(base + 1'000'000 + (r.stamp - 1'999'000) - log_start));
  }
  ASSERT_EQ(times.size(), 20u);
  EXPECT_THAT(times, ElementsAreArray(expected));
  std::remove(path.c_str());
}

TEST(DeviceTiming, TheEventPoolStaysFlatOverAThousandSteps) {
  Rig rig;
  const std::string path = log_path("pool");
  start(path);
  rig.runtime->resolve_timing();
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  const auto w = torch::randn({64}, torch::requires_grad());
  std::uint64_t after_ten = 0;
  for (int step = 1; step <= 1000; ++step) {
    train_step("dt.pool.*", rig.runtime, layers, w);
    rig.runtime->resolve_timing();  // what the writer does every flush
    if (step == 10) after_ten = rig.runtime->timing_counters().events_made;
  }
  const tswap::TimingCounters c = rig.runtime->timing_counters();
  tswap::profiler::stop_session();
  EXPECT_EQ(after_ten, 21u) << "20 marks a step and one anchor";
  EXPECT_EQ(c.events_made, after_ten) << "no growth over 1,000 steps";
  EXPECT_EQ(c.pending, 0u);
  EXPECT_EQ(c.resolved, 20'000u);
  EXPECT_EQ(c.dropped, 0u);
  std::remove(path.c_str());
}

TEST(DeviceTiming, NoTimingEventsWithoutASession) {
  Rig rig;
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  train_step("dt.idle.*", rig.runtime, layers, torch::randn({64}, torch::requires_grad()));
  EXPECT_TRUE(rig.timer->recorded().empty());
  EXPECT_EQ(rig.memory_reads.load(), 0);
}

TEST(DeviceTiming, ARuntimeThatCannotTimeSaysSo) {
  tswap::AcceleratorOptions o;
  o.host_allocator = [](std::size_t n) { return at::empty({static_cast<int64_t>(n)}, at::kByte); };
  o.time_device = false;
  tswap::AcceleratorRuntime rt(c10::Device(kFake, 0), o);
  EXPECT_EQ(rt.copy_timing(), tswap::trace::CopyTiming::none);
  EXPECT_FALSE(rt.anchor_stream().has_value());
  EXPECT_EQ(rt.timing_counters().events_made, 0u);
  // No CUDA here: the build's default backend has nothing for this device.
  EXPECT_EQ(tswap::default_device_timer(c10::Device(kFake, 0)), nullptr);
}

/// A timer that fails in one way, for the misuse tests.
class BrokenTimer final : public tswap::DeviceTimer {
 public:
  enum class Fault { elapsed_throws, no_event, far_future, never_completes };
  explicit BrokenTimer(Fault fault) : fault_(fault) {}
  std::string name() const override { return "broken"; }
  std::unique_ptr<tswap::TimingEvent> make_event() override {
    if (fault_ == Fault::no_event) return nullptr;
    return std::make_unique<Event>(fault_, waits_);
  }

 private:
  class Event final : public tswap::TimingEvent {
   public:
    Event(Fault fault, std::atomic<int>& waits) : fault_(fault), waits_(waits) {}
    void record(const c10::Stream&) override {}
    bool query() const override { return fault_ != Fault::never_completes; }
    std::int64_t elapsed_ns(const tswap::TimingEvent&) const override {
      if (fault_ == Fault::elapsed_throws) throw std::runtime_error("the device lost its clock");
      return std::int64_t{1} << 62;
    }
    std::int64_t wait_and_read_host_clock() override {
      // never_completes: the first anchor comes back, then the device hangs.
      if (fault_ == Fault::never_completes && ++waits_ > 1) throw std::runtime_error("the device hung");
      return tswap::profiler::clock_ns();
    }

   private:
    Fault fault_;
    std::atomic<int>& waits_;
  };
  Fault fault_;
  std::atomic<int> waits_{0};
};

std::shared_ptr<tswap::AcceleratorRuntime> runtime_with(std::shared_ptr<tswap::DeviceTimer> timer) {
  tswap::AcceleratorOptions o;  // the default host allocator: plain memory off CUDA
  o.timer = std::move(timer);
  o.sample_memory = false;
  return std::make_shared<tswap::AcceleratorRuntime>(c10::Device(kFake, 0), o);
}

/// Trains three steps through `rt` in a session that flushes on its own,
/// and returns the log and what stderr said.
std::pair<tswap::trace::Trace, std::string> train_logged(
    const std::string& name, const std::shared_ptr<tswap::AcceleratorRuntime>& rt) {
  const std::string path = log_path(name);
  ::testing::internal::CaptureStderr();
  {
    tswap::profiler::SessionOptions s;
    s.path = path;
    s.flush_interval = std::chrono::milliseconds(1);
    tswap::profiler::ScopedSession session(s);
    std::vector<std::unique_ptr<tswap::SwapContext>> layers;
    const auto w = torch::randn({64}, torch::requires_grad());
    for (int step = 0; step < 3; ++step) {
      train_step("dt." + name + ".*", rt, layers, w);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the writer flush
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  auto trace = tswap::trace::Trace::load(path);
  std::remove(path.c_str());
  return {std::move(trace), err};
}

std::size_t device_timed_records(const tswap::trace::Trace& t) {
  std::size_t n = 0;
  for (const Event& e : t.events()) n += device_timed(e);
  return n;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(DeviceTimingMisuse, ATimerThatThrowsTurnsTimingOffOnceAndTrainingGoesOn) {
  auto rt = runtime_with(std::make_shared<BrokenTimer>(BrokenTimer::Fault::elapsed_throws));
  const auto [trace, err] = train_logged("throws", rt);
  EXPECT_EQ(count_of(err, "tensorswap: device timing of accelerator privateuseone:0 (timer "
                          "'broken') failed: the device lost its clock; its copies and layers are "
                          "logged as queued only from now on"),
            1u)
      << err;
  const tswap::TimingCounters c = rt->timing_counters();
  EXPECT_TRUE(c.failed);
  EXPECT_EQ(c.pending, 0u);
  EXPECT_EQ(c.resolved, 0u);
  EXPECT_GT(c.dropped, 0u);
  EXPECT_LE(c.events_made, 21u) << "no pool growth once timing is off";
  EXPECT_EQ(device_timed_records(trace), 0u);
  EXPECT_EQ(trace.header().copy_timing, static_cast<std::uint8_t>(tswap::trace::CopyTiming::none))
      << "nothing was timed: the header must not say the device timed copies";
  EXPECT_EQ(of_kind(trace, EventKind::d2h_queued).size(), 6u) << "the queueing is still logged";
  EXPECT_EQ(rt->copy_timing(), tswap::trace::CopyTiming::none);
}

TEST(DeviceTimingMisuse, ATimerThatMakesNoEventTurnsTimingOffInsteadOfCrashing) {
  auto rt = runtime_with(std::make_shared<BrokenTimer>(BrokenTimer::Fault::no_event));
  const auto [trace, err] = train_logged("null", rt);
  EXPECT_EQ(count_of(err, "(timer 'broken') failed: make_event() returned no event"), 1u) << err;
  EXPECT_TRUE(rt->timing_counters().failed);
  EXPECT_EQ(device_timed_records(trace), 0u);
}

TEST(DeviceTimingMisuse, MarksMappedPastTheirCompletionAreLeftOutAndSaidOnce) {
  auto rt = runtime_with(std::make_shared<BrokenTimer>(BrokenTimer::Fault::far_future));
  const auto [trace, err] = train_logged("future", rt);
  EXPECT_EQ(count_of(err, "a mark mapped to"), 1u) << err;
  EXPECT_NE(err.find("the timer's clock or elapsed_ns is off"), std::string::npos) << err;
  const tswap::TimingCounters c = rt->timing_counters();
  EXPECT_EQ(c.implausible, 60u) << "20 marks a step, 3 steps";
  EXPECT_EQ(c.resolved, 0u);
  EXPECT_EQ(c.pending, 0u);
  EXPECT_EQ(device_timed_records(trace), 0u);
  for (const Event& e : trace.events()) {
    EXPECT_LT(e.host_ns, std::uint64_t{1} << 40) << to_string(e.event_kind());
  }
}

TEST(DeviceTimingMisuse, ATimerFailingInTheLastFlushOfAStopNeitherHangsNorLosesTheLog) {
  // Marks never complete; stop_session() waits for them (its final flush),
  // the wait throws, timing turns off from inside the stop.
  auto rt = runtime_with(std::make_shared<BrokenTimer>(BrokenTimer::Fault::never_completes));
  const auto [trace, err] = train_logged("hung", rt);
  EXPECT_EQ(count_of(err, "(timer 'broken') failed: the device hung"), 1u) << err;
  EXPECT_TRUE(trace.completeness().clean_end);
  EXPECT_EQ(device_timed_records(trace), 0u);
  EXPECT_EQ(rt->timing_counters().pending, 0u);
  EXPECT_EQ(rt->timing_counters().dropped, 60u);
}

TEST(DeviceTimingMisuse, MarksPastTheCapAreDroppedAndSaidOnce) {
  auto timer = std::make_shared<FakeDeviceTimer>();
  tswap::AcceleratorOptions o;
  o.timer = timer;
  o.sample_memory = false;
  o.max_pending_marks = 8;
  auto rt = std::make_shared<tswap::AcceleratorRuntime>(c10::Device(kFake, 0), o);
  timer->set_anchor_stream(*rt->anchor_stream());
  const std::string path = log_path("cap");
  start(path);
  rt->resolve_timing();  // the anchor
  timer->hold(true);     // nothing completes: marks pile up
  ::testing::internal::CaptureStderr();
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  train_step("dt.cap.*", rt, layers, torch::randn({64}, torch::requires_grad()));
  const std::string err = ::testing::internal::GetCapturedStderr();
  const tswap::TimingCounters c = rt->timing_counters();
  EXPECT_EQ(c.pending, 8u);
  EXPECT_EQ(c.dropped, 12u) << "20 marks a step, 8 kept";
  EXPECT_EQ(c.events_made, 9u) << "the pool stops at the cap (and the anchor)";
  EXPECT_EQ(count_of(err, "tensorswap: device timing of accelerator privateuseone:0 fell behind: 8 "
                          "marks wait to be written"),
            1u)
      << err;
  const auto recorded = timer->recorded();
  for (std::size_t i = 0; i < recorded.size(); ++i) timer->complete(i);
  tswap::profiler::stop_session();
  EXPECT_EQ(device_timed_records(tswap::trace::Trace::load(path)), 8u);
  std::remove(path.c_str());
}

TEST(DeviceTimingMisuse, TimeDeviceFalseWinsOverATimerGiven) {
  auto timer = std::make_shared<FakeDeviceTimer>();
  tswap::AcceleratorOptions o;
  o.timer = timer;
  o.time_device = false;
  tswap::AcceleratorRuntime rt(c10::Device(kFake, 0), o);
  EXPECT_EQ(rt.copy_timing(), tswap::trace::CopyTiming::none);
  EXPECT_FALSE(rt.anchor_stream().has_value());
}

TEST(DeviceTimingMisuse, ANegativeReanchorIntervalIsRefused) {
  tswap::AcceleratorOptions o;
  o.timer = std::make_shared<FakeDeviceTimer>();
  o.reanchor_ns = -5;
  try {
    tswap::AcceleratorRuntime rt(c10::Device(kFake, 0), o);
    ADD_FAILURE() << "accepted reanchor_ns = -5";
  } catch (const c10::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("AcceleratorOptions::reanchor_ns must be 0 (anchor "
                                               "at every flush) or more, got -5"));
  }
}

TEST(DeviceTimingMisuse, ADeviceThisLibTorchCannotRunIsNamed) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this LibTorch runs CUDA";
  try {
    tswap::AcceleratorRuntime rt(c10::Device(c10::kCUDA, 0));
    ADD_FAILURE() << "made a CUDA runtime without CUDA";
  } catch (const c10::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("AcceleratorRuntime: this LibTorch has no stream "
                                               "support for device type cuda; is it a build for "
                                               "that accelerator?"));
  }
}

}  // namespace
}  // namespace tswap_test
