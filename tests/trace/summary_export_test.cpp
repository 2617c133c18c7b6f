// The per-layer summary's numbers, and exports that parse back.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>

#include "log_builder.h"

namespace tswap_test {
namespace {

using tswap::trace::EventKind;
using tswap::trace::kFlagPrefetch;
using tswap::trace::kFlagWaitH2D;

constexpr std::uint8_t kFreed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
constexpr std::uint8_t kDeferred =
    static_cast<std::uint8_t>(tswap::trace::ReleaseReason::deferred_held);
constexpr std::uint8_t kParameter = static_cast<std::uint8_t>(tswap::trace::KeepReason::parameter);

/// Layer 0: two swaps out (1000 and 3000 bytes), one freed, one deferred;
/// one back by prefetch (1000 bytes), the other held again; compute waited
/// 50 ns on the copy back. Layer 1: one kept tensor.
tswap::trace::Trace sample() {
  LogBuilder b;
  b.standard_names()
      .records(1, {rec(EventKind::step_begin, 1, 0), rec(EventKind::swap_created, 2, 0, 0, 1000),
                   rec(EventKind::swap_created, 3, 0, 1, 3000),
                   rec(EventKind::d2h_queued, 10, 0, 0, 1000, 1),
                   rec(EventKind::d2h_queued, 11, 0, 1, 3000, 1),
                   rec(EventKind::kept, 12, 1, 0, 77, 0, 0, kParameter),
                   rec(EventKind::release, 500, 0, 0, 1000, 0, 0, kFreed),
                   rec(EventKind::release, 501, 0, 1, 3000, 0, 0, kDeferred),
                   rec(EventKind::h2d_queued, 600, 0, 0, 1000, 2, kFlagPrefetch),
                   rec(EventKind::reuse, 601, 0, 1, 3000),
                   rec(EventKind::stall, 800, 0, 0, 50, 0, kFlagWaitH2D),
                   rec(EventKind::swap_destroyed, 900, 0, 0, 1000),
                   rec(EventKind::swap_destroyed, 901, 0, 1, 3000)})
      .records(2, {rec(EventKind::d2h_start, 100, 0, 0, 1000, 1),
                   rec(EventKind::d2h_done, 300, 0, 0, 1000, 1),  // 1000 B in 200 ns: 5 GB/s
                   rec(EventKind::d2h_start, 300, 0, 1, 3000, 1),
                   rec(EventKind::d2h_done, 400, 0, 1, 3000, 1),  // 3000 B in 100 ns
                   rec(EventKind::h2d_start, 650, 0, 0, 1000, 2, kFlagPrefetch),
                   rec(EventKind::h2d_done, 750, 0, 0, 1000, 2, kFlagPrefetch)})
      .end(19);
  return b.parse("sample.tswap");
}

TEST(Summary, CountsTimesBandwidthOverlapAndStallsPerLayer) {
  const tswap::trace::Summary s = tswap::trace::summarize(sample());
  EXPECT_EQ(s.steps, 1u);
  ASSERT_EQ(s.layers.size(), 2u);
  const tswap::trace::LayerSummary& l0 = s.layers[0];
  EXPECT_EQ(l0.tag, "model.layer.*");
  EXPECT_EQ(l0.layer, 0);
  EXPECT_EQ(l0.tensors_out, 2u);
  EXPECT_EQ(l0.bytes_out, 4000u);
  EXPECT_EQ(l0.tensors_in, 1u);
  EXPECT_EQ(l0.bytes_in, 1000u);
  EXPECT_EQ(l0.prefetched, 1u);
  EXPECT_EQ(l0.reused, 1u);
  EXPECT_EQ(l0.freed, 1u);
  EXPECT_EQ(l0.deferred, 1u);
  EXPECT_EQ(l0.d2h_ns, 300u);
  EXPECT_EQ(l0.h2d_ns, 100u);
  EXPECT_DOUBLE_EQ(l0.d2h_bandwidth().value(), 4000.0 / 300.0);
  EXPECT_DOUBLE_EQ(l0.h2d_bandwidth().value(), 10.0);
  EXPECT_EQ(l0.stalls, 1u);
  EXPECT_EQ(l0.stall_ns, 50u);
  EXPECT_EQ(l0.overlap_ns, 300u + 100u - 50u);
  EXPECT_EQ(s.layers[1].kept, 1u);
  ASSERT_EQ(s.tags.size(), 1u);
  EXPECT_EQ(s.tags[0].layer, -1);
  EXPECT_EQ(s.tags[0].bytes_out, 4000u);
  EXPECT_EQ(s.tags[0].kept, 1u);
}

TEST(Summary, ALayerWithoutCopiesHasNoBandwidthAndNoOverlap) {
  // Layer 1 (a tag's last layer) copies nothing: no figure, not 0 GB/s or 100%.
  const tswap::trace::Summary s = tswap::trace::summarize(sample());
  ASSERT_EQ(s.layers.size(), 2u);
  const tswap::trace::LayerSummary& l1 = s.layers[1];
  EXPECT_EQ(l1.d2h_bandwidth(), std::nullopt);
  EXPECT_EQ(l1.h2d_bandwidth(), std::nullopt);
  EXPECT_EQ(l1.overlap_share(), std::nullopt);
  const tswap::trace::LayerSummary& l0 = s.layers[0];
  ASSERT_TRUE(l0.overlap_share().has_value());
  EXPECT_DOUBLE_EQ(*l0.overlap_share(), 350.0 / 400.0);
  EXPECT_DOUBLE_EQ(l0.d2h_bandwidth().value_or(0), 4000.0 / 300.0);
}

TEST(Summary, CountsTrainingStepsNotTheStepBeginsOfEveryTag) {
  // A block's tag and its MLP's each begin steps 1 to 3; a head tag, made
  // later, begins two of its own. Three training steps, not eight.
  auto tagged = [](tswap::trace::Record r, std::uint16_t tag) {
    r.tag = tag;
    return r;
  };
  std::vector<tswap::trace::Record> records;
  for (std::uint32_t step = 1; step <= 3; ++step) {
    records.push_back(rec(EventKind::step_begin, 10 * step, 0, 0, 0, 0, 0, 0, step));
    records.push_back(tagged(rec(EventKind::step_begin, 10 * step + 1, 0, 0, 0, 0, 0, 0, step), 2));
    if (step > 1)
      records.push_back(tagged(rec(EventKind::step_begin, 10 * step + 2, 0, 0, 0, 0, 0, 0, step), 3));
  }
  using K = tswap::trace::StringKind;
  LogBuilder b;
  b.standard_names()
      .strings({{K::tag, 2, "model.layer.*.mlp"}, {K::tag, 3, "model.head"}})
      .records(1, records);
  const tswap::trace::Summary s = tswap::trace::summarize(b.parse());
  EXPECT_EQ(s.steps, 3u);
  EXPECT_THAT(s.steps_per_tag, ::testing::ElementsAre(::testing::Pair("model.head", 2u),
                                                      ::testing::Pair("model.layer.*", 3u),
                                                      ::testing::Pair("model.layer.*.mlp", 3u)));
}

TEST(Summary, ReplaysResidentPeaksPerLayerPerTagAndOverLog) {
  // Layer 0 holds 100 B from 1 to 3, layer 1 50 B from 2 and 70 more from
  // 4: their peaks 100 and 120 B; the tag's 150 B at 2 (not 220, the sum of
  // the peaks); a second tag's 30 B at 2 make the log's 180 B. (A layer
  // gets a row from its other records: swap_created alone makes none.)
  auto tagged = [](tswap::trace::Record r, std::uint16_t tag) {
    r.tag = tag;
    return r;
  };
  using K = tswap::trace::StringKind;
  LogBuilder b;
  b.standard_names()
      .strings({{K::tag, 2, "model.head"}})
      .records(1, {rec(EventKind::swap_created, 1, 0, 0, 100),
                   rec(EventKind::swap_created, 2, 1, 0, 50),
                   tagged(rec(EventKind::swap_created, 2, 0, 0, 30), 2),
                   rec(EventKind::release, 3, 0, 0, 100, 0, 0, kFreed),
                   tagged(rec(EventKind::release, 3, 0, 0, 30, 0, 0, kFreed), 2),
                   rec(EventKind::d2h_queued, 3, 1, 0, 50, 1),
                   rec(EventKind::swap_created, 4, 1, 1, 70)});
  const tswap::trace::Summary s = tswap::trace::summarize(b.parse());
  ASSERT_EQ(s.layers.size(), 3u);
  EXPECT_EQ(s.layers[0].tag, "model.head");
  EXPECT_EQ(s.layers[0].resident_peak, 30);
  EXPECT_EQ(s.layers[1].resident_peak, 100);
  EXPECT_EQ(s.layers[2].resident_peak, 120);
  ASSERT_EQ(s.tags.size(), 2u);
  EXPECT_EQ(s.tags[0].resident_peak, 30);
  EXPECT_EQ(s.tags[1].resident_peak, 150);
  EXPECT_EQ(s.resident_peak, 180);
}

std::string exported(tswap::trace::ExportFormat f) {
  std::ostringstream out;
  tswap::trace::export_trace(sample(), f, out);
  return out.str();
}

TEST(Export, JsonLinesHaveAHeaderThenOneEventPerLine) {
  std::istringstream in(exported(tswap::trace::ExportFormat::jsonl));
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u + 19u);
  EXPECT_EQ(lines[0]["type"], "header");
  EXPECT_EQ(lines[0]["process"], "builder");
  EXPECT_EQ(lines[0]["complete"], true);
  EXPECT_EQ(lines[1]["kind"], "step_begin");
  const auto release = std::find_if(lines.begin(), lines.end(), [](const nlohmann::json& j) {
    return j.value("kind", "") == "release" && j["index"] == 1;
  });
  ASSERT_NE(release, lines.end());
  EXPECT_EQ((*release)["reason"], "deferred: held elsewhere");
  EXPECT_EQ((*release)["value"], 3000);
  EXPECT_EQ((*release)["tag"], "model.layer.*");
  EXPECT_EQ((*release)["thread"], "main");
}

TEST(Export, CsvHasAHeaderRowAndOneRowPerEvent) {
  std::istringstream in(exported(tswap::trace::ExportFormat::csv));
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 1u + 19u);
  EXPECT_EQ(rows[0], "t_ns,kind,tag,layer,index,step,value,stream,thread,reason,prefetch,device_time");
  EXPECT_EQ(rows[1], "1,step_begin,model.layer.*,0,0,1,0,,main,,0,0");
}

TEST(Export, ChromeTraceHasCopySlicesOnStreamTracksAndAResidentCounter) {
  const nlohmann::json doc = nlohmann::json::parse(exported(tswap::trace::ExportFormat::chrome));
  ASSERT_TRUE(doc.contains("traceEvents"));
  std::vector<nlohmann::json> slices, counters, names;
  for (const nlohmann::json& e : doc["traceEvents"]) {
    if (e["ph"] == "X") slices.push_back(e);
    if (e["ph"] == "C") counters.push_back(e);
    if (e["ph"] == "M") names.push_back(e["args"]["name"]);
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("stream d2h", "stream h2d", "thread main",
                                                     "thread copier"));
  // Two copies out, one back, one stall.
  ASSERT_EQ(slices.size(), 4u);
  const auto d2h = std::find_if(slices.begin(), slices.end(),
                                [](const nlohmann::json& e) { return e["cat"] == "d2h"; });
  ASSERT_NE(d2h, slices.end());
  EXPECT_EQ((*d2h)["tid"], 1);  // the d2h stream's track
  EXPECT_DOUBLE_EQ((*d2h)["ts"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ((*d2h)["dur"].get<double>(), 0.2);
  // Resident bytes: up to 4000, back down to 0 at the end.
  ASSERT_FALSE(counters.empty());
  std::int64_t peak = 0;
  for (const auto& c : counters) peak = std::max<std::int64_t>(peak, c["args"]["bytes"]);
  EXPECT_EQ(peak, 4000);
  EXPECT_EQ(counters.back()["args"]["bytes"], 0);
}

TEST(Export, FormatNamesParse) {
  tswap::trace::ExportFormat f;
  EXPECT_TRUE(tswap::trace::parse_export_format("chrome", f));
  EXPECT_EQ(f, tswap::trace::ExportFormat::chrome);
  EXPECT_FALSE(tswap::trace::parse_export_format("xml", f));
}

}  // namespace
}  // namespace tswap_test

namespace tswap_test {
namespace {

TEST(Export, NamesThatAreNotUtf8AreExportedWithReplacementCharacters) {
  // Found by fuzzing: nlohmann::json refuses to write invalid UTF-8.
  LogBuilder b;
  b.strings({{tswap::trace::StringKind::tag, 1, std::string("bad\xff\xfe", 5)},
             {tswap::trace::StringKind::thread, 1, "main"}})
      .records(1, {rec(EventKind::kept, 1, 0)});
  const tswap::trace::Trace t = b.parse();
  for (const auto f : {tswap::trace::ExportFormat::jsonl, tswap::trace::ExportFormat::chrome}) {
    std::ostringstream out;
    ASSERT_NO_THROW(tswap::trace::export_trace(t, f, out));
    EXPECT_NE(out.str().find("bad\xef\xbf\xbd"), std::string::npos) << "U+FFFD in place of the bytes";
  }
}

}  // namespace
}  // namespace tswap_test

namespace tswap_test {
namespace {

TEST(Export, ChromeTraceIsOneValidDocumentWithControlCharactersEscaped) {
  LogBuilder b;
  b.strings({{tswap::trace::StringKind::tag, 1, "evil\x1b[2J.*"},
             {tswap::trace::StringKind::thread, 1, "main\n"}})
      .records(1, {rec(EventKind::kept, 1, 0), rec(EventKind::swap_created, 2, 0, 0, 1ull << 63),
                   rec(EventKind::release, 3, 0, 0, 1ull << 63)});
  std::ostringstream out;
  tswap::trace::export_trace(b.parse(), tswap::trace::ExportFormat::chrome, out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no raw ESC in the JSON";
  EXPECT_NE(text.find("evil\\u001b[2J.*"), std::string::npos);
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["displayTimeUnit"], "ns");
  EXPECT_EQ(doc["otherData"]["events"], 3);
  ASSERT_EQ(doc["traceEvents"].size(), 1u + 3u + 2u);  // a name, 3 instants, 2 counters
  EXPECT_EQ(doc["traceEvents"][0]["args"]["name"], "thread main\n");
  EXPECT_EQ(doc["traceEvents"][1]["args"]["tag"], "evil\x1b[2J.*");
  EXPECT_EQ(doc["traceEvents"].back()["args"]["bytes"], 0) << "2^63 in and out: wraps back to 0";
}

}  // namespace
}  // namespace tswap_test
