// tswap::trace as the one owner of copy pairing and text (issue 11, part
// 1): CopyPairing on crafted version 2 logs, the text layer, and what the
// summary, the exports, check and event orders make of device-timed
// records; and a version 1 log written by the previous release.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include <tswap/trace/analysis.h>
#include <tswap/trace/copies.h>
#include <tswap/trace/device_overlap.h>
#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/text.h>

#include "log_builder.h"
#include "v2_logs.h"

namespace tswap_test {
namespace {

using tswap::trace::Copy;
using tswap::trace::CopyDirection;
using tswap::trace::EventKind;
using tswap::trace::TimeSource;
using tswap::trace::Trace;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<Copy> copies_of(const Trace& t) {
  std::vector<Copy> out;
  tswap::trace::for_each_copy(t, [&](const Copy& c) { out.push_back(c); });
  return out;
}

const Copy& find(const std::vector<Copy>& copies, CopyDirection d, std::uint16_t layer, std::uint32_t index) {
  const auto it = std::find_if(copies.begin(), copies.end(), [&](const Copy& c) {
    return c.direction == d && c.key.layer == layer && c.key.index == index;
  });
  EXPECT_NE(it, copies.end()) << "layer " << layer << " #" << index;
  return *it;
}

// ------------------------------------------------------------ pairing

TEST(CopyPairing, DeviceTimedCopiesPairBySwapDirectionAndSourceInAnyOrder) {
  const Trace t = v2::device_timed_log().parse("device.tswap");
  const std::vector<Copy> copies = copies_of(t);
  ASSERT_EQ(copies.size(), 6u);
  const Copy& first = find(copies, CopyDirection::out, 0, 0);
  ASSERT_TRUE(first.timed());
  EXPECT_EQ(first.queued->ns, 200u);
  EXPECT_EQ(first.queued->source, TimeSource::host);
  EXPECT_EQ(first.start->ns, 350u);
  EXPECT_EQ(first.start->source, TimeSource::device);
  EXPECT_EQ(first.done->ns, 800u);
  EXPECT_EQ(*first.duration_ns(), 450u);
  EXPECT_EQ(first.bytes, 4096u);
  EXPECT_EQ(first.stream, 1u);
  EXPECT_EQ(first.source(), TimeSource::device);
  EXPECT_EQ(t.events()[first.done->event].event_kind(), EventKind::d2h_done);
  EXPECT_EQ(t.events()[first.queued->event].host_ns, 200u);
  const Copy& second = find(copies, CopyDirection::out, 0, 1);
  EXPECT_EQ(second.start->ns, 300u) << "started first, done last";
  EXPECT_EQ(*second.duration_ns(), 1000u);
  EXPECT_EQ(*find(copies, CopyDirection::back, 0, 0).duration_ns(), 300u);
  EXPECT_EQ(*find(copies, CopyDirection::back, 0, 1).duration_ns(), 800u);
  EXPECT_EQ(find(copies, CopyDirection::back, 0, 1).stream, 2u);
  // Handed out at their done, in time order: L0 #0 (800) before L0 #1 (1300).
  EXPECT_EQ(copies[0].key.index, 0u);
  EXPECT_EQ(copies[1].key.index, 1u);
}

TEST(CopyPairing, ADoneWithoutStartAndAStartWithoutDoneAreNeverTimed) {
  const std::vector<Copy> copies = copies_of(v2::device_timed_log().parse());
  const Copy& done_only = find(copies, CopyDirection::out, 1, 0);
  EXPECT_FALSE(done_only.timed());
  EXPECT_FALSE(done_only.duration_ns());
  ASSERT_TRUE(done_only.queued);
  EXPECT_EQ(done_only.queued->ns, 1000u);
  EXPECT_EQ(done_only.done->ns, 1400u);
  EXPECT_FALSE(done_only.start);
  const Copy& start_only = find(copies, CopyDirection::out, 1, 1);
  EXPECT_FALSE(start_only.duration_ns());
  EXPECT_FALSE(start_only.queued);
  EXPECT_EQ(start_only.start->ns, 1450u);
  EXPECT_EQ(start_only.bytes, 1024u);
  EXPECT_EQ(copies.back().key.index, 1u) << "the log ends before it: handed out at finish()";
}

TEST(CopyPairing, AHostStartNeverPairsWithADeviceDone) {
  LogBuilder b;
  b.standard_names().records(2, {rec(EventKind::d2h_start, 100, 0, 0, 64, 1),
                                 rec(EventKind::d2h_done, 200, 0, 0, 64, 1, tswap::trace::kFlagDeviceTime)});
  const std::vector<Copy> copies = copies_of(b.parse());
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_FALSE(copies[0].timed());
  EXPECT_EQ(copies[0].done->ns, 200u);
  EXPECT_FALSE(copies[1].timed());
  EXPECT_EQ(copies[1].start->ns, 100u);
}

TEST(CopyPairing, QueuedOnlyCopiesAreHandedOutAtOnceWhereTheLogDoesNotTime) {
  const Trace t = v2::untimed_log().parse();
  tswap::trace::CopyPairing pairing(t);
  EXPECT_FALSE(pairing.timed(CopyDirection::out));
  std::vector<Copy> copies;
  for (std::size_t i = 0; i < t.events().size(); ++i) {
    pairing.take(i, [&](const Copy& c) { copies.push_back(c); });
    EXPECT_EQ(pairing.in_flight(), 0u) << "nothing held: no start will come";
  }
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_EQ(copies[2].direction, CopyDirection::back);
  EXPECT_TRUE(copies[2].prefetch);
  EXPECT_EQ(copies[2].queued->ns, 900u);
  EXPECT_EQ(copies[2].stream, 2u);
  EXPECT_FALSE(copies[0].start || copies[0].done);
  // A version 1 log says nothing of timing; one with no start or done is untimed too.
  LogBuilder v1;
  v1.standard_names().records(1, {rec(EventKind::d2h_queued, 100, 0, 0, 64, 1)});
  EXPECT_FALSE(tswap::trace::CopyPairing(v1.parse()).timed(CopyDirection::out));
}

TEST(CopyPairing, HoldsOnlyTheCopiesInFlight) {
  std::vector<tswap::trace::Record> main, copier;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const std::uint64_t t0 = 10 * static_cast<std::uint64_t>(i);
    main.push_back(rec(EventKind::d2h_queued, t0, 0, i, 64, 1));
    copier.push_back(rec(EventKind::d2h_start, t0 + 1, 0, i, 64, 1));
    copier.push_back(rec(EventKind::d2h_done, t0 + 5, 0, i, 64, 1));
  }
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier);
  const Trace t = b.parse();
  tswap::trace::CopyPairing pairing(t);
  std::size_t most = 0, timed = 0;
  for (std::size_t i = 0; i < t.events().size(); ++i) {
    pairing.take(i, [&](const Copy& c) { timed += c.timed(); });
    most = std::max(most, pairing.in_flight());
  }
  EXPECT_EQ(most, 1u);
  EXPECT_EQ(timed, 20000u);
}

TEST(CopyPairing, StallsComeWithTheirWait) {
  LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::stall, 100, 2, 3, 40, 0, tswap::trace::kFlagWaitH2D),
                                 rec(EventKind::stall, 120, 2, 4, 500)});
  std::vector<tswap::trace::Stall> stalls;
  tswap::trace::for_each_copy(b.parse(), [](const Copy&) {}, [&](const tswap::trace::Stall& s) { stalls.push_back(s); });
  ASSERT_EQ(stalls.size(), 2u);
  EXPECT_EQ(stalls[0].begin_ns, 60u);
  EXPECT_EQ(stalls[0].direction, CopyDirection::back);
  EXPECT_EQ(stalls[0].key.index, 3u);
  EXPECT_EQ(stalls[1].begin_ns, 0u) << "never before the start of the log";
  EXPECT_EQ(stalls[1].waited_ns, 500u);
  EXPECT_EQ(stalls[1].direction, CopyDirection::out);
}

TEST(SwapKey, IsHashableAndOrdered) {
  std::unordered_map<tswap::trace::SwapKey, int> m;
  m[{1, 2, 3, 4}] = 7;
  EXPECT_EQ(m.at(tswap::trace::SwapKey{1, 2, 3, 4}), 7);
  EXPECT_EQ(m.count(tswap::trace::SwapKey{1, 2, 3, 5}), 0u);
  EXPECT_TRUE((tswap::trace::SwapKey{1, 2, 3, 4} < tswap::trace::SwapKey{1, 3, 0, 0}));
}

// ------------------------------------------------------------ text

TEST(Text, BytesDurationsTimesAndReasonsReadAlikeEverywhere) {
  using namespace tswap::trace;
  EXPECT_EQ(format_bytes(1000), "1000 B");
  EXPECT_EQ(format_bytes(1153434), "1.1 MiB");
  EXPECT_EQ(format_ms(12345000), "12.345");
  EXPECT_EQ(format_duration_ms(12345000), "12.345 ms");
  EXPECT_EQ(format_duration_ms(std::nullopt), "-");
  EXPECT_EQ(format_time(12345678), "12.345678 ms");
  EXPECT_EQ(format_duration(12345), "12.3 us");
  Event kept{};
  kept.kind = static_cast<std::uint8_t>(EventKind::kept);
  kept.reason = static_cast<std::uint8_t>(KeepReason::min_bytes);
  EXPECT_EQ(reason_of(kept), "below min_bytes");
  Event release = kept;
  release.kind = static_cast<std::uint8_t>(EventKind::release);
  release.reason = static_cast<std::uint8_t>(ReleaseReason::deferred_held);
  EXPECT_EQ(reason_of(release), "deferred: held elsewhere");
  release.kind = static_cast<std::uint8_t>(EventKind::unpack);
  EXPECT_EQ(reason_of(release), "");
  EXPECT_STREQ(copy_timing_text(CopyTiming::host), "copies timed on the host");
  EXPECT_STREQ(copy_timing_text(CopyTiming::device), "copies timed on the device");
  EXPECT_STREQ(copy_timing_text(CopyTiming::none), "copies not timed on this device");
  EXPECT_STREQ(copy_timing_text(CopyTiming::unknown), "copy timing not recorded");
  EXPECT_STREQ(copy_timing_text(static_cast<CopyTiming>(7)), "copy timing byte not known to this reader");
  // A crafted size at the top of the range still reads as one.
  EXPECT_EQ(format_bytes(18446744073709551615.0), "16.0 EiB");
  EXPECT_EQ(format_bytes(1024.0 * 1024 * 1024 * 1024 * 1024), "1.0 PiB");
}

// ------------------------------------------------------------ consumers

TEST(DeviceSummary, CopyTimesSayWhoTimedThem) {
  const tswap::trace::Summary s = tswap::trace::summarize(v2::device_timed_log().parse());
  ASSERT_EQ(s.layers.size(), 2u);
  const tswap::trace::LayerSummary& l0 = s.layers[0];
  EXPECT_EQ(l0.d2h_ns, 1450u);
  EXPECT_EQ(l0.h2d_ns, 1100u);
  EXPECT_EQ(l0.d2h_timed_device, 2u);
  EXPECT_EQ(l0.h2d_timed_device, 2u);
  EXPECT_EQ(l0.d2h_timed_host + l0.h2d_timed_host, 0u);
  const tswap::trace::LayerSummary& l1 = s.layers[1];
  EXPECT_EQ(l1.tensors_out, 1u);
  EXPECT_EQ(l1.d2h_ns, 0u) << "a done without start is not timed";
  EXPECT_EQ(l1.d2h_timed_device, 0u);
  EXPECT_FALSE(l1.d2h_bandwidth());
}

TEST(DeviceOverlap, CopiesAgainstTheUnionOfDeviceLayerSpans) {
  // Device layer spans 150-700 (forward) and 2650-3050 (backward). Timed
  // copies: D2H 350-800 (350 inside), 300-1300 (400), H2D 2200-2500 (0),
  // 2300-3100 (400): 1150 of 2550 ns. The host's layer spans do not count.
  const tswap::trace::DeviceOverlap o = tswap::trace::device_overlap(v2::device_timed_log().parse());
  EXPECT_EQ(o.copies, 4u);
  EXPECT_EQ(o.copy_ns, 2550u);
  EXPECT_EQ(o.overlapped_ns, 1150u);
  EXPECT_EQ(o.layer_spans, 2u);
  EXPECT_EQ(o.compute_ns, 550u + 400u);
  ASSERT_TRUE(o.share());
  EXPECT_DOUBLE_EQ(*o.share(), 1150.0 / 2550.0);
}

TEST(DeviceOverlap, NoneWithoutDeviceTimes) {
  EXPECT_FALSE(tswap::trace::device_overlap(v2::untimed_log().parse()).share());
  LogBuilder host;  // host-timed copies and layers only
  host.standard_names().records(
      1, {rec(tswap::trace::EventKind::layer_enter, 10, 0), rec(tswap::trace::EventKind::layer_exit, 90, 0)});
  host.records(2, {rec(tswap::trace::EventKind::d2h_start, 20, 0, 0, 64, 1),
                   rec(tswap::trace::EventKind::d2h_done, 60, 0, 0, 64, 1)});
  const tswap::trace::DeviceOverlap o = tswap::trace::device_overlap(host.parse());
  EXPECT_EQ(o.copies, 0u);
  EXPECT_EQ(o.layer_spans, 0u);
  EXPECT_FALSE(o.share());
}

TEST(DeviceSummary, AllocatorPeaksPerStepBesideTheEngines) {
  const tswap::trace::Summary s = tswap::trace::summarize(v2::device_timed_log().parse());
  ASSERT_EQ(s.memory.size(), 2u);
  EXPECT_EQ(s.memory[0].step, 1u);
  EXPECT_EQ(s.memory[0].allocated_peak, 7000u);
  EXPECT_EQ(s.memory[0].reserved_peak, 8192u);
  EXPECT_EQ(s.memory[0].resident_peak, 12288);
  EXPECT_EQ(s.memory[1].step, 2u);
  EXPECT_EQ(s.memory[1].allocated_peak, 6000u);
  EXPECT_EQ(s.memory[1].reserved_peak, 8192u);
  EXPECT_EQ(s.memory[1].resident_peak, 1000);
  EXPECT_TRUE(tswap::trace::summarize(v2::untimed_log().parse()).memory.empty());
}

std::string exported(const Trace& t, tswap::trace::ExportFormat f) {
  std::ostringstream out;
  tswap::trace::export_trace(t, f, out);
  return out.str();
}

TEST(DeviceExport, JsonLinesAndCsvCarryTheDeviceTimeFlag) {
  const Trace t = v2::device_timed_log().parse();
  std::istringstream jsonl(exported(t, tswap::trace::ExportFormat::jsonl));
  std::size_t device = 0, lines = 0;
  std::string header_line;
  std::getline(jsonl, header_line);
  EXPECT_EQ(nlohmann::json::parse(header_line)["copy_timing"], "device");
  for (std::string line; std::getline(jsonl, line); ++lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.value("device_time", false)) ++device;
  }
  EXPECT_EQ(lines, t.events().size());
  EXPECT_EQ(device, 14u) << "10 copy records and 4 layer records the device timed";
  std::istringstream csv(exported(t, tswap::trace::ExportFormat::csv));
  std::size_t flagged = 0;
  for (std::string line; std::getline(csv, line);) flagged += line.size() > 2 && line.substr(line.size() - 2) == ",1";
  EXPECT_EQ(flagged, 14u);
}

TEST(DeviceExport, ChromeTracksForDeviceCopiesLayersBackwardAnchorsAndAllocator) {
  const nlohmann::json doc =
      nlohmann::json::parse(exported(v2::device_timed_log().parse(), tswap::trace::ExportFormat::chrome));
  std::vector<nlohmann::json> copies, backward, layers, anchors, allocated, reserved;
  for (const nlohmann::json& e : doc["traceEvents"]) {
    const std::string ph = e["ph"], cat = e.value("cat", ""), name = e.value("name", "");
    if (ph == "X" && (cat == "d2h" || cat == "h2d")) copies.push_back(e);
    if (cat == "backward") backward.push_back(e);
    if (cat == "layer") layers.push_back(e);
    if (cat == "clock_anchor") anchors.push_back(e);
    if (ph == "C" && name == "device allocated bytes") allocated.push_back(e);
    if (ph == "C" && name == "device reserved bytes") reserved.push_back(e);
  }
  ASSERT_EQ(copies.size(), 4u);
  EXPECT_EQ(copies[0]["name"], "D2H model.layer.* L0");
  EXPECT_DOUBLE_EQ(copies[0]["ts"].get<double>(), 0.35);
  EXPECT_DOUBLE_EQ(copies[0]["dur"].get<double>(), 0.45);
  EXPECT_EQ(copies[0]["tid"], 1) << "on its stream's track";
  EXPECT_EQ(copies[0]["args"]["timed_on"], "device");
  ASSERT_EQ(backward.size(), 4u);
  EXPECT_EQ(backward[0]["ph"], "B");
  EXPECT_EQ(backward[0]["tid"], 1001) << "the host's on its thread";
  EXPECT_EQ(backward[1]["tid"], 3) << "the device's on the compute stream";
  EXPECT_EQ(backward[1]["name"], "model.layer.* L0 backward");
  ASSERT_EQ(layers.size(), 6u);
  EXPECT_EQ(layers[1]["tid"], 3);
  EXPECT_DOUBLE_EQ(layers[1]["ts"].get<double>(), 0.15);
  ASSERT_EQ(anchors.size(), 3u);
  EXPECT_EQ(anchors[2]["name"], "clock anchor #2");
  EXPECT_EQ(anchors[2]["args"]["device_ns"], 2999750);
  ASSERT_EQ(allocated.size(), 6u);
  EXPECT_EQ(allocated[2]["args"]["bytes"], 7000);
  ASSERT_EQ(reserved.size(), 6u);
  EXPECT_EQ(reserved[0]["args"]["bytes"], 2048);
}

TEST(DeviceCheck, AHostUseBeforeADeviceTimedCopyBackEndsIsNoViolation) {
  // Backward uses L0 #1 at 3000 (host), its copy back ends at 3100 (device):
  // on an accelerator the compute stream waits for the copy on the device,
  // so the host's use is only the queueing of work that waits.
  const Trace t = v2::device_timed_log().parse();
  EXPECT_THAT(tswap::trace::check_invariants(t), ::testing::IsEmpty());
  // The same times from the host's clock (the simulated runtime) are one.
  LogBuilder host;
  host.standard_names().records(
      1, {rec(tswap::trace::EventKind::d2h_queued, 100, 0, 0, 64, 1),
          rec(tswap::trace::EventKind::release, 400, 0, 0, 64),
          rec(tswap::trace::EventKind::h2d_queued, 2000, 0, 0, 64, 2),
          rec(tswap::trace::EventKind::unpack, 3000, 0, 0)});
  host.records(2, {rec(tswap::trace::EventKind::d2h_start, 150, 0, 0, 64, 1),
                   rec(tswap::trace::EventKind::d2h_done, 300, 0, 0, 64, 1),
                   rec(tswap::trace::EventKind::h2d_start, 2200, 0, 0, 64, 2),
                   rec(tswap::trace::EventKind::h2d_done, 3100, 0, 0, 64, 2)});
  const std::vector<tswap::trace::Violation> v = tswap::trace::check_invariants(host.parse());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "use-after-copy-back");
  EXPECT_EQ(v[0].message,
            "backward used 'model.layer.*' step 1 layer 0 tensor 0 at 0.003000 ms before its copy back ended "
            "at 0.003100 ms");
}

TEST(DeviceOrder, DeviceTimedRecordsGoInLanesByStream) {
  const std::vector<std::string> order = tswap::trace::event_order(v2::device_timed_log().parse());
  std::vector<std::string> heads;
  for (const std::string& l : order) {
    if (l.rfind("lane ", 0) == 0) heads.push_back(l);
    EXPECT_EQ(l.find("clock_anchor"), std::string::npos);
    EXPECT_EQ(l.find("device_allocated"), std::string::npos);
    EXPECT_EQ(l.find("device_reserved"), std::string::npos);
  }
  EXPECT_THAT(heads, ElementsAre("lane compute 1", "lane compute 2", "lane d2h", "lane h2d"));
  const auto d2h = std::find(order.begin(), order.end(), "lane d2h");
  ASSERT_NE(d2h, order.end());
  EXPECT_THAT(std::vector<std::string>(d2h + 1, d2h + 7),
              ElementsAre("d2h_start model.layer.* L0 #1 step 1", "d2h_start model.layer.* L0 #0 step 1",
                          "d2h_done model.layer.* L0 #0 step 1", "d2h_done model.layer.* L0 #1 step 1",
                          "d2h_done model.layer.* L1 #0 step 1", "d2h_start model.layer.* L1 #1 step 1"));
  const auto device_compute = std::find(order.begin(), order.end(), "lane compute 2");
  EXPECT_THAT(std::vector<std::string>(device_compute + 1, device_compute + 5),
              ElementsAre("layer_enter model.layer.* L0", "layer_exit model.layer.* L0",
                          "backward_enter model.layer.* L0", "backward_exit model.layer.* L0"));
}

TEST(DeviceOrder, DescribeSaysADeviceTime) {
  const Trace t = v2::device_timed_log().parse();
  const auto it = std::find_if(t.events().begin(), t.events().end(),
                               [](const tswap::trace::Event& e) { return e.event_kind() == EventKind::d2h_done; });
  EXPECT_EQ(tswap::trace::describe(t, *it),
            "0.000800 ms d2h_done model.layer.* L0 #0 step 1 (4096 bytes) on cuda:0 d2h, device time "
            "[tswap-log-writer]");
  const auto anchor = std::find_if(t.events().begin(), t.events().end(), [](const tswap::trace::Event& e) {
    return e.event_kind() == EventKind::clock_anchor && e.index == 1;
  });
  EXPECT_EQ(tswap::trace::describe(t, *anchor),
            "1.000050 ms clock_anchor model.layer.* L0 #1 step 1 device 999950 ns on cuda:0 compute "
            "[tswap-log-writer]");
}

// ------------------------------------------------------------ version 1

TEST(VersionOne, TheLastReleasesTransformerLogReadsAsBefore) {
  const Trace t = Trace::load(TSWAP_TEST_DATA "/v1/transformer.tswap");
  EXPECT_EQ(t.header().version, 1u);
  EXPECT_EQ(t.events().size(), 827u);
  EXPECT_EQ(t.duration_ns(), 404592005u);
  const tswap::trace::Summary s = tswap::trace::summarize(t);
  EXPECT_EQ(s.steps, 2u);
  ASSERT_EQ(s.tags.size(), 2u);
  EXPECT_EQ(s.tags[0].tag, "model.layer.*");
  EXPECT_EQ(s.tags[0].tensors_out, 52u);
  EXPECT_EQ(s.tags[0].d2h_ns, 52018201u);
  EXPECT_EQ(s.tags[0].d2h_timed_host, 52u);
  EXPECT_EQ(s.tags[0].d2h_timed_device, 0u);
  EXPECT_EQ(s.tags[0].stalls, 9u);
  EXPECT_EQ(s.tags[1].h2d_timed_host, 12u);
  EXPECT_TRUE(s.memory.empty()) << "no allocator samples in version 1";
  const tswap::trace::CheckResult check = tswap::trace::check_schedule(t);
  EXPECT_TRUE(check.violations.empty());
  EXPECT_TRUE(check.unfinished.empty());
  std::size_t copies = 0, timed = 0;
  tswap::trace::for_each_copy(t, [&](const Copy& c) { ++copies, timed += c.timed(); });
  EXPECT_EQ(copies, 128u);
  EXPECT_EQ(timed, 128u);
  const nlohmann::json doc = nlohmann::json::parse(exported(t, tswap::trace::ExportFormat::chrome));
  std::size_t slices = 0;
  for (const nlohmann::json& e : doc["traceEvents"]) slices += e["ph"] == "X";
  EXPECT_EQ(slices, 137u) << "128 copies and 9 stalls";
  EXPECT_FALSE(doc["otherData"].contains("copy_timing"));
  std::istringstream csv(exported(t, tswap::trace::ExportFormat::csv));
  std::size_t rows = 0;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 828u);
}

}  // namespace
}  // namespace tswap_test
