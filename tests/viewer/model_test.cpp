// The viewer's widget-free model: time mapping, lanes, level of detail,
// memory curves, range statistics, search, the forward/backward turn, layer
// colours and what each layer's swapping saved.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <limits>
#include <numeric>
#include <set>

#include <tswap/trace/summary.h>

#include "device_logs.h"
#include "filter_choices.h"
#include "hostile_logs.h"
#include "layer_palette.h"
#include "log_builder.h"
#include "memory.h"
#include "statistics.h"
#include "time_mapping.h"
#include "timeline.h"
#include "two_tags_log.h"

namespace tswap_test {
namespace {

using tswap::trace::EventKind;
using tswap::trace::kFlagPrefetch;
using tswap::trace::kFlagWaitH2D;
using namespace tswap::viewer;

constexpr std::uint8_t kFreed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
constexpr std::uint8_t kDeferred = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::deferred_held);

// ---------------------------------------------------------------- mapping

TEST(TimeMapping, MapsBothWaysAndFitsTheLog) {
  TimeMapping m;
  m.set_width(1000);
  m.set_bounds(1000, 11000);
  EXPECT_DOUBLE_EQ(m.begin(), 1000);
  EXPECT_DOUBLE_EQ(m.ns_per_px(), 10);
  EXPECT_DOUBLE_EQ(m.x(6000), 500);
  EXPECT_DOUBLE_EQ(m.ns(250), 3500);
}

TEST(TimeMapping, ZoomKeepsTheTimeUnderTheAnchor) {
  TimeMapping m;
  m.set_width(1000);
  m.set_bounds(0, 10000);
  const double under = m.ns(300);
  m.zoom(4, 300);
  EXPECT_DOUBLE_EQ(m.ns_per_px(), 2.5);
  EXPECT_NEAR(m.ns(300), under, 1e-9);
  m.zoom(0.25, 300);
  EXPECT_NEAR(m.ns(300), under, 1e-9);
}

TEST(TimeMapping, PanAndZoomStayNearTheLog) {
  TimeMapping m;
  m.set_width(100);
  m.set_bounds(0, 1000);
  m.pan(1e9);  // far right
  EXPECT_DOUBLE_EQ(m.end(), 1100) << "a tenth of the extent past the end, no more";
  m.pan(-1e9);
  EXPECT_DOUBLE_EQ(m.begin(), -100);
  m.zoom(1e-6, 50);  // far out
  EXPECT_DOUBLE_EQ(m.end() - m.begin(), 1200);
  m.zoom(1e9, 50);   // far in
  EXPECT_DOUBLE_EQ(m.ns_per_px(), 0.01);
}

TEST(TimeMapping, ShowFillsTheWidthWithARange) {
  TimeMapping m;
  m.set_width(200);
  m.set_bounds(0, 100000);
  m.show(5000, 3000);  // either order
  EXPECT_DOUBLE_EQ(m.begin(), 3000);
  EXPECT_DOUBLE_EQ(m.end(), 5000);
  m.set_width(400);    // a wider window shows the same range
  EXPECT_DOUBLE_EQ(m.begin(), 3000);
  EXPECT_DOUBLE_EQ(m.end(), 5000);
}

// ---------------------------------------------------------------- a log

/// Two steps of a two-layer schedule on streams 1 (d2h) and 2 (h2d),
/// thread 1 computing, thread 2 copying. Layer 0 swaps out 1000 bytes and
/// comes back by prefetch; compute stalls 50 ns on it.
tswap::trace::Trace two_steps() {
  std::vector<tswap::trace::Record> main, copier;
  for (std::uint32_t step = 1; step <= 2; ++step) {
    const std::uint64_t t = step * 10000;
    main.insert(main.end(), {
        rec(EventKind::step_begin, t, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::layer_enter, t + 10, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_created, t + 20, 0, 0, 1000, 0, 0, 0, step),
        rec(EventKind::d2h_queued, t + 30, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::layer_exit, t + 100, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::layer_enter, t + 110, 1, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_created, t + 120, 1, 0, 500, 0, 0, 0, step),
        rec(EventKind::release, t + 400, 0, 0, 1000, 0, 0, step == 1 ? kFreed : kDeferred, step),
        rec(EventKind::layer_exit, t + 500, 1, 0, 0, 0, 0, 0, step),
        rec(EventKind::unpack, t + 600, 1, 0, 0, 0, 0, 0, step),
        rec(EventKind::h2d_queued, t + 610, 0, 0, 1000, 2, kFlagPrefetch, 0, step),
        rec(EventKind::swap_destroyed, t + 700, 1, 0, 500, 0, 0, 0, step),
        rec(EventKind::stall, t + 900, 0, 0, 50, 0, kFlagWaitH2D, 0, step),
        rec(EventKind::unpack, t + 900, 0, 0, 0, 0, 0, 0, step),
        rec(EventKind::swap_destroyed, t + 1000, 0, 0, 1000, 0, 0, 0, step),
    });
    copier.insert(copier.end(), {
        rec(EventKind::d2h_start, t + 40, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::d2h_done, t + 240, 0, 0, 1000, 1, 0, 0, step),
        rec(EventKind::h2d_start, t + 700, 0, 0, 1000, 2, kFlagPrefetch, 0, step),
        rec(EventKind::h2d_done, t + 880, 0, 0, 1000, 2, kFlagPrefetch, 0, step),
    });
  }
  LogBuilder b;
  b.standard_names().records(1, main).records(2, copier).end(main.size() + copier.size());
  return b.parse("two_steps.tswap");
}

const Lane& lane(const Timeline& t, const std::string& name) {
  for (const Lane& l : t.lanes) {
    if (l.name == name) return l;
  }
  ADD_FAILURE() << "no lane " << name;
  static const Lane none;
  return none;
}

// ---------------------------------------------------------------- timeline

TEST(Timeline, CopiesStallsReleasesAndLayersBecomeSpansInTheirLanes) {
  const tswap::trace::Trace log = two_steps();
  const Timeline t = *Timeline::build(log);
  std::vector<std::string> names;
  for (const Lane& l : t.lanes) names.push_back(l.name);
  EXPECT_THAT(names, ::testing::ElementsAre("stream d2h", "stream h2d", "layers model.layer.*",
                                            "thread main"));
  const Lane& d2h = lane(t, "stream d2h");
  ASSERT_EQ(d2h.spans.size(), 2u);
  EXPECT_EQ(d2h.spans[0].kind, SpanKind::d2h);
  EXPECT_EQ(d2h.spans[0].begin, 10040u);
  EXPECT_EQ(d2h.spans[0].end, 10240u);
  EXPECT_EQ(d2h.spans[0].bytes, 1000u);
  EXPECT_EQ(lane(t, "stream h2d").spans[0].kind, SpanKind::prefetch);
  const Lane& layers = lane(t, "layers model.layer.*");
  ASSERT_EQ(layers.spans.size(), 4u);
  EXPECT_EQ(layers.spans[1].begin, 10110u);
  EXPECT_EQ(layers.spans[1].end, 10500u);
  EXPECT_EQ(layers.spans[1].layer, 1);
  const Lane& main = lane(t, "thread main");
  std::vector<SpanKind> kinds;
  for (const Span& s : main.spans) kinds.push_back(s.kind);
  EXPECT_THAT(kinds, ::testing::ElementsAre(SpanKind::freed, SpanKind::stall, SpanKind::deferred,
                                            SpanKind::stall));
  EXPECT_EQ(main.spans[1].begin, 10850u) << "a stall ends when it is recorded";
  EXPECT_THAT(t.step_marks, ::testing::ElementsAre(StepMark{10000u, 1}, StepMark{20000u, 2}));
  EXPECT_EQ(t.first, 10000u);
  EXPECT_EQ(t.last, 21000u);
}

TEST(Timeline, NestedTagsMarkEachStepOnce) {
  // A block's tag and its MLP's tag both begin step 1, then step 2.
  auto mlp = [](tswap::trace::Record r) {
    r.tag = 2;
    return r;
  };
  const std::vector<tswap::trace::Record> main = {
      rec(EventKind::step_begin, 10, 0, 0, 0, 0, 0, 0, 1), mlp(rec(EventKind::step_begin, 12, 0, 0, 0, 0, 0, 0, 1)),
      rec(EventKind::step_begin, 100, 0, 0, 0, 0, 0, 0, 2), mlp(rec(EventKind::step_begin, 102, 0, 0, 0, 0, 0, 0, 2))};
  LogBuilder b;
  b.standard_names().strings({{tswap::trace::StringKind::tag, 2, "model.layer.*.mlp"}}).records(1, main).end(main.size());
  const Timeline t = *Timeline::build(b.parse("nested.tswap"));
  EXPECT_THAT(t.step_marks, ::testing::ElementsAre(StepMark{10u, 1}, StepMark{100u, 2}));
}

TEST(Timeline, MarksWhereEachStepTurnsFromForwardToBackward) {
  // two_steps(): forward's last layer exit at t + 500, backward's first
  // unpack at t + 600 (before it, only the release at t + 400).
  const Timeline t = *Timeline::build(two_steps());
  EXPECT_THAT(t.turns, ::testing::ElementsAre(TurnMark{10600u, 10500u, 1}, TurnMark{20600u, 20500u, 2}));
}

TEST(Timeline, TheTurnIsTheFirstBackwardEventAfterForwardsLastLayer) {
  // A copy back queued while forward still runs (layer 1 not yet exited)
  // is not the turn; the first one after the last exit is, whether it is
  // a copy back, an unpack or a storage held again.
  const std::vector<tswap::trace::Record> main = {
      rec(EventKind::layer_enter, 100, 0), rec(EventKind::layer_exit, 200, 0),
      rec(EventKind::h2d_queued, 250, 0, 0, 64, 2), rec(EventKind::layer_enter, 300, 1),
      rec(EventKind::layer_exit, 400, 1), rec(EventKind::reuse, 450, 1, 0, 64),
      rec(EventKind::unpack, 500, 1)};
  LogBuilder b;
  b.standard_names().records(1, main).end(main.size());
  const Timeline t = *Timeline::build(b.parse("turn.tswap"));
  EXPECT_THAT(t.turns, ::testing::ElementsAre(TurnMark{450u, 400u, 1}));
}

TEST(Timeline, TurnsIgnoreTheFilterAsStepMarksDo) {
  Filter f;
  f.kinds = 1u << static_cast<unsigned>(SpanKind::d2h);
  f.step = 1;
  EXPECT_EQ(Timeline::build(two_steps(), f)->turns.size(), 2u);
}

TEST(Timeline, AStepThatNeverReachedBackwardHasNoTurn) {
  const std::vector<tswap::trace::Record> main = {rec(EventKind::layer_enter, 100, 0),
                                                  rec(EventKind::layer_exit, 200, 0)};
  LogBuilder b;
  b.standard_names().records(1, main).end(main.size());
  EXPECT_TRUE(Timeline::build(b.parse("forward.tswap"))->turns.empty());
}

TEST(Timeline, FiltersByLayerKindAndStep) {
  const tswap::trace::Trace log = two_steps();
  Filter f;
  f.step = 2;
  f.kinds = 1u << static_cast<unsigned>(SpanKind::d2h) | 1u << static_cast<unsigned>(SpanKind::layer);
  f.layer = 0;
  const Timeline t = *Timeline::build(log, f);
  ASSERT_EQ(t.lanes.size(), 2u) << "lanes left empty by the filter are dropped";
  EXPECT_EQ(t.lanes[0].spans.size(), 1u);
  EXPECT_EQ(t.lanes[0].spans[0].step, 2u);
  EXPECT_EQ(t.lanes[1].spans.size(), 1u);
  Filter other_tag;
  other_tag.tag = "another.*";
  EXPECT_TRUE(Timeline::build(log, other_tag)->lanes.empty());
}

TEST(Timeline, CopiesThatWereNeverTimedShowWhereTheyWereQueued) {
  // An accelerator runtime records only the queueing.
  LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::d2h_queued, 100, 0, 0, 64, 1)});
  const tswap::trace::Trace log = b.parse();
  const Timeline t = *Timeline::build(log);
  ASSERT_EQ(t.lanes.size(), 1u);
  EXPECT_EQ(t.lanes[0].spans[0].kind, SpanKind::queued);
}

TEST(Timeline, BuildingReportsProgressAndCanBeCancelled) {
  const tswap::trace::Trace log = two_steps();
  std::vector<double> seen;
  ASSERT_TRUE(Timeline::build(log, {}, [&](double f) { return seen.push_back(f), true; }));
  EXPECT_EQ(seen.back(), 1.0);
  EXPECT_FALSE(Timeline::build(log, {}, [](double) { return false; }));
}

// ---------------------------------------------------------------- level of detail

std::vector<Span> many_spans(std::size_t n, std::uint64_t every, std::uint64_t length) {
  std::vector<Span> spans(n);
  for (std::size_t i = 0; i < n; ++i) {
    spans[i].begin = i * every;
    spans[i].end = i * every + length;
    spans[i].kind = static_cast<SpanKind>(i % 3);
  }
  return spans;
}

TEST(LevelOfDetail, FarOutAMillionSpansDrawAsAboutOneBarPerPixel) {
  const std::vector<Span> spans = many_spans(1'000'000, 1000, 400);
  Lod lod;
  lod.build(spans);
  TimeMapping m;
  m.set_width(1920);
  m.set_bounds(0, spans.back().end);
  const std::vector<DrawItem> items = visible_items(spans, lod, 400, m);
  EXPECT_LE(items.size(), 1921u);
  EXPECT_GE(items.size(), 1u);
  const std::uint64_t drawn = std::accumulate(items.begin(), items.end(), std::uint64_t{0},
                                              [](std::uint64_t n, const DrawItem& d) { return n + d.count; });
  EXPECT_EQ(drawn, spans.size()) << "every span is in some bar";
  for (std::size_t i = 1; i < items.size(); ++i) EXPECT_GE(items[i].x0, items[i - 1].x1);
  EXPECT_EQ(items[0].kinds, 0b111u) << "merged bars carry every kind they hold";
}

TEST(LevelOfDetail, CloseInEachSpanIsItsOwnBar) {
  const std::vector<Span> spans = many_spans(1'000'000, 1000, 400);
  Lod lod;
  lod.build(spans);
  TimeMapping m;
  m.set_width(1000);
  m.set_bounds(0, spans.back().end);
  m.show(500'000, 510'000);  // 10 ns per pixel: spans 40 px wide, 100 px apart
  const std::vector<DrawItem> items = visible_items(spans, lod, 400, m);
  ASSERT_EQ(items.size(), 11u);  // spans 500 .. 510, the first cut at the left edge
  EXPECT_EQ(items[1].count, 1u);
  EXPECT_EQ(items[1].span, 501u);
  EXPECT_DOUBLE_EQ(items[1].x0, 100);
  EXPECT_DOUBLE_EQ(items[1].x1, 140);
}

TEST(LevelOfDetail, ALongSpanBeganBeforeTheViewStillShows) {
  std::vector<Span> spans = many_spans(10, 100, 10);
  spans.insert(spans.begin(), Span{0, 1'000'000, 0, SpanKind::layer});
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  Lod lod;
  lod.build(spans);
  TimeMapping m;
  m.set_width(100);
  m.set_bounds(0, 1'000'000);
  m.show(500'000, 600'000);
  const std::vector<DrawItem> items = visible_items(spans, lod, 1'000'000, m);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_DOUBLE_EQ(items[0].x0, 0);
  EXPECT_DOUBLE_EQ(items[0].x1, 100);
}

// ---------------------------------------------------------------- memory

TEST(Memory, CurvesReplayResidentBytesPerLayerAndWithoutSwapping) {
  const MemoryModel m = MemoryModel::build(two_steps());
  EXPECT_THAT(m.labels, ::testing::ElementsAre("model.layer.* L0", "model.layer.* L1"));
  // Step 1: L0 +1000 at 20, L1 +500 at 120, L0 -1000 at 400 (freed),
  // +1000 back at 610, L1 -500 at 700, L0 -1000 at 1000.
  EXPECT_EQ(m.total.at(10130), 1500);
  EXPECT_EQ(m.total.at(10450), 500);
  EXPECT_EQ(m.total.at(10650), 1500);
  EXPECT_EQ(m.total.at(10750), 1000);
  EXPECT_EQ(m.total.at(11500), 0);
  EXPECT_EQ(m.layers[0].at(10450), 0);
  EXPECT_EQ(m.layers[1].at(10450), 500);
  std::uint64_t when = 0;
  EXPECT_EQ(m.total.peak(&when), 1500);
  EXPECT_EQ(when, 10120u);
  // Without swapping nothing is released before autograd lets go.
  EXPECT_EQ(m.without_swap.at(10450), 1500);
  EXPECT_EQ(m.without_swap.at(10750), 1000);
  EXPECT_EQ(m.without_swap.at(11500), 0);
}

TEST(Memory, PerTagCurvesAreTheSumOfTheirLayers) {
  // Tag 1 ("model.layer.*") has layers 0 and 1; tag 2 ("model.head") one
  // layer 0 of its own, which must not be confused with tag 1's layer 0.
  auto tagged = [](tswap::trace::Record r, std::uint16_t tag) {
    r.tag = tag;
    return r;
  };
  const std::vector<tswap::trace::Record> main = {
      rec(EventKind::swap_created, 10, 0, 0, 1000),
      rec(EventKind::swap_created, 20, 1, 0, 500),
      tagged(rec(EventKind::swap_created, 30, 0, 0, 300), 2),
      rec(EventKind::release, 40, 0, 0, 1000, 0, 0, kFreed),
      tagged(rec(EventKind::swap_destroyed, 50, 0, 0, 300), 2),
      rec(EventKind::swap_destroyed, 60, 1, 0, 500),
  };
  LogBuilder b;
  b.standard_names().strings({{tswap::trace::StringKind::tag, 2, "model.head"}}).records(1, main).end(main.size());
  const MemoryModel m = MemoryModel::build(b.parse("tags.tswap"));
  EXPECT_THAT(m.labels, ::testing::ElementsAre("model.head L0", "model.layer.* L0", "model.layer.* L1"));
  EXPECT_THAT(m.tag_labels, ::testing::ElementsAre("model.head", "model.layer.*"));
  ASSERT_EQ(m.tags.size(), 2u);
  EXPECT_EQ(m.tags[0].at(35), 300);
  EXPECT_EQ(m.tags[1].at(35), 1500);
  EXPECT_EQ(m.tags[1].at(45), 500);
  EXPECT_EQ(m.tags[0].at(55), 0);
  for (double t : {5.0, 15.0, 25.0, 35.0, 45.0, 55.0, 65.0}) {
    std::int64_t layers = 0, tags = 0;
    for (const Curve& c : m.layers) layers += c.at(t);
    for (const Curve& c : m.tags) tags += c.at(t);
    EXPECT_EQ(tags, layers) << "at " << t;
    EXPECT_EQ(tags, m.total.at(t)) << "at " << t;
  }
}

TEST(Memory, SavingsArePeakResidentAndBytesFreedPerLayerAndTag) {
  // two_steps(): layer 0 frees its 1000 bytes in step 1 only (step 2's
  // release is deferred: saves nothing); layer 1 never releases.
  const MemoryModel m = MemoryModel::build(two_steps());
  const Savings l0 = m.savings("model.layer.*", 0), l1 = m.savings("model.layer.*", 1);
  EXPECT_EQ(l0.bytes_saved, 1000u);
  EXPECT_EQ(l0.peak_resident, 1000);
  EXPECT_EQ(l1.bytes_saved, 0u);
  EXPECT_EQ(l1.peak_resident, 500);
  const Savings tag = m.savings("model.layer.*", -1);
  EXPECT_EQ(tag.bytes_saved, 1000u);
  EXPECT_EQ(tag.peak_resident, 1500) << "both layers resident at t + 120";
  EXPECT_EQ(m.savings("another.*", 0).bytes_saved, 0u);
}

TEST(Memory, CloseInColumnsHoldExactlyTheirHighestLevel) {
  const MemoryModel m = MemoryModel::build(two_steps());
  TimeMapping map;
  map.set_width(22);
  map.set_bounds(10000, 21100);
  map.show(10000, 11100);  // 50 ns per column: finer than any bucket, exact
  const std::vector<std::int64_t> c = m.total.columns(map);
  ASSERT_EQ(c.size(), 22u);
  EXPECT_EQ(c[2], 1500) << "[10100, 10150): layer 1 saved at 10120";
  EXPECT_EQ(c[7], 1500) << "[10350, 10400): before the release at 10400";
  EXPECT_EQ(c[8], 500) << "[10400, 10450): from the release on";
  EXPECT_EQ(c[12], 1500) << "[10600, 10650): copied back at 10610";
  EXPECT_EQ(c[21], 0) << "[11050, 11100): all freed at 11000";
}

TEST(Memory, ColumnsAreBoundedByExactMaximaAtAnyZoom) {
  Curve c;
  for (std::uint64_t i = 0; i < 200000; ++i) c.append(i * 37, static_cast<std::int64_t>((i * 7919) % 1000));
  c.seal();
  TimeMapping m;
  m.set_width(500);
  m.set_bounds(0, 200000 * 37);
  for (double zoom : {1.0, 7.0, 90.0, 3000.0}) {
    m.fit();
    m.zoom(zoom, 123);
    const std::vector<std::int64_t> cols = c.columns(m);
    for (int x = 0; x < m.width(); ++x) {
      const double t0 = m.ns(x), t1 = m.ns(x + 1);
      // At least the exact maximum of the column; at most that of the column
      // widened by a column on each side.
      EXPECT_GE(cols[x], c.max_in(t0, t1)) << "zoom " << zoom << " column " << x;
      EXPECT_LE(cols[x], c.max_in(t0 - m.ns_per_px(), t1 + m.ns_per_px()))
          << "zoom " << zoom << " column " << x;
    }
  }
}

TEST(Memory, BlockMaximaAgreeWithAScan) {
  Curve c;
  for (std::uint64_t i = 0; i < 10000; ++i) c.append(i * 10, static_cast<std::int64_t>((i * 7919) % 1000));
  c.seal();
  for (double t0 : {0.0, 5.0, 2555.0, 40000.0}) {
    for (double t1 : {t0 + 1, t0 + 2560, t0 + 30000, 1e9}) {
      std::int64_t want = c.at(t0);
      for (std::uint64_t i = 0; i < 10000; ++i) {
        if (i * 10 > t0 && i * 10 < t1) want = std::max(want, static_cast<std::int64_t>((i * 7919) % 1000));
      }
      EXPECT_EQ(c.max_in(t0, t1), want) << t0 << " " << t1;
    }
  }
}

// ---------------------------------------------------------------- statistics

TEST(RangeStats, CountsKindsAndBusyTimeInsideTheRange) {
  const tswap::trace::Trace log = two_steps();
  const Timeline t = *Timeline::build(log);
  const RangeStats r = range_stats(t, 10000, 10500);  // step 1, forward
  const auto& d2h = r.kinds[static_cast<std::size_t>(SpanKind::d2h)];
  EXPECT_EQ(d2h.count, 1u);
  EXPECT_EQ(d2h.bytes, 1000u);
  EXPECT_DOUBLE_EQ(d2h.busy_ns, 200);
  EXPECT_EQ(r.kinds[static_cast<std::size_t>(SpanKind::freed)].count, 1u);
  const auto layers = std::find_if(r.lanes.begin(), r.lanes.end(),
                                   [](const auto& l) { return l.name == "layers model.layer.*"; });
  ASSERT_NE(layers, r.lanes.end());
  EXPECT_DOUBLE_EQ(layers->busy_ns, 90 + 390);
}

TEST(Search, FindsTheNextMatchAndWrapsAround) {
  const tswap::trace::Trace log = two_steps();
  const Timeline t = *Timeline::build(log);
  const auto first = find_next(log, t, "PREFETCH", 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(t.lanes[first->lane].spans[first->span].begin, 10700u);
  const auto second = find_next(log, t, "prefetch", 10700);
  ASSERT_TRUE(second);
  EXPECT_EQ(t.lanes[second->lane].spans[second->span].begin, 20700u);
  const auto wrapped = find_next(log, t, "prefetch", 20700);
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(*wrapped, *first);
  EXPECT_FALSE(find_next(log, t, "no such thing", 0));
}

TEST(Describe, SaysWhatHowMuchAndHowFast) {
  const tswap::trace::Trace log = two_steps();
  const Timeline t = *Timeline::build(log);
  EXPECT_EQ(describe(log, lane(t, "stream d2h").spans[0]),
            "copy out (D2H) model.layer.* L0 #0 step 1: 1000 B in 200 ns (5.00 GB/s), host time");
  EXPECT_THAT(details(log, lane(t, "stream d2h").spans[0]),
              ::testing::HasSubstr("stream: d2h\nthread: copier\n"));
  EXPECT_EQ(format_bytes(4.0 * 1024 * 1024), "4.0 MiB");
  EXPECT_EQ(format_duration(12345), "12.3 us");
}

// ---------------------------------------------------------------- colours

/// The colours of two_tags_log()'s twelve layers, tag by tag, in order.
std::vector<Rgb> twelve_layers(bool dark) {
  const LayerPalette p = LayerPalette::build(two_tags_log().parse());
  std::vector<Rgb> out;
  for (std::uint16_t tag = 1; tag <= 2; ++tag) {
    for (std::uint16_t layer = 0; layer < 6; ++layer) out.push_back(p.layer(tag, layer, dark));
  }
  return out;
}

TEST(LayerPalette, TwelveLayersOfTwoTagsAllLookDifferent) {
  for (bool dark : {true, false}) {
    const std::vector<Rgb> c = twelve_layers(dark);
    for (std::size_t i = 0; i < c.size(); ++i) {
      for (std::size_t j = i + 1; j < c.size(); ++j) {
        EXPECT_GT(colour_difference(c[i], c[j]), 15) << "layers " << i << " and " << j << (dark ? " (dark)" : " (light)");
        if (i / 6 != j / 6) {
          EXPECT_GT(colour_difference(c[i], c[j]), 30) << "tags differ: " << i << ", " << j;
        }
      }
    }
  }
}

TEST(LayerPalette, NeighbouringLayersStandFurtherApart) {
  // Neighbours in a stack or a lane touch: the lightness steps (Note
  // [Layer colours]) keep them further apart than any two layers must be.
  for (bool dark : {true, false}) {
    const std::vector<Rgb> c = twelve_layers(dark);
    for (std::size_t i = 0; i + 1 < c.size(); ++i) {
      EXPECT_GT(colour_difference(c[i], c[i + 1]), 19) << "layers " << i << " and " << i + 1;
    }
  }
}

TEST(LayerPalette, ColoursDependOnNamesNotIdsAndUnknownsFallBack) {
  // A tag keeps its colour whatever id a recording gave it: ranked by name.
  LayerPalette a, b;
  a.add(1, "alpha", 0);
  a.add(2, "beta", 0);
  b.add(7, "beta", 0);
  b.add(3, "alpha", 0);
  a.seal();
  b.seal();
  EXPECT_EQ(a.layer(1, 0, true), b.layer(3, 0, true));
  EXPECT_EQ(a.layer(2, 0, true), b.layer(7, 0, true));
  EXPECT_EQ(a.layer(1, 9, true), a.tag(1, true)) << "an unknown layer takes its tag's colour";
  EXPECT_EQ(a.layer(9, 0, true), (Rgb{128, 128, 128})) << "an unknown tag is grey";
  EXPECT_NEAR(colour_difference(Rgb{255, 255, 255}, Rgb{0, 0, 0}), 100, 0.5);
}

// ------------------------------------------ hostile values (issue 10)

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;  // KiB on Linux
}

TEST(FilterChoices, OffersTheStepsThatOccurNotEveryNumberUpToTheLargest) {
  // Recorded mid-training: three steps, not twenty million combo items.
  const FilterChoices mid = FilterChoices::build(steps_log(20000000, 3).parse());
  EXPECT_THAT(mid.steps, ::testing::ElementsAre(20000000u, 20000001u, 20000002u));
  EXPECT_THAT(mid.layers, ::testing::ElementsAre(0u, 1u, 2u));
  EXPECT_THAT(mid.tags, ::testing::ElementsAre("model.layer.*"));
  // Up to 2^32 - 1: a loop to the largest step wrapped there and never ended.
  const FilterChoices last = FilterChoices::build(steps_log(4294967293u, 3).parse());
  EXPECT_THAT(last.steps, ::testing::ElementsAre(4294967293u, 4294967294u, 4294967295u));
  EXPECT_LT(peak_rss_mib(), 200) << "memory by the values that occur";
}

TEST(FilterChoices, TakesIdsBeyondTheStringTables) {
  const FilterChoices c = FilterChoices::build(out_of_range_log().parse());
  EXPECT_THAT(c.layers, ::testing::ElementsAre(65535u));
  EXPECT_THAT(c.steps, ::testing::ElementsAre(1u, 4294967295u));
}

TEST(HostileLogs, EveryModelPartBuildsFromIdsBeyondTheTables) {
  const auto t = out_of_range_log().parse();
  const auto tl = Timeline::build(t);
  ASSERT_TRUE(tl);
  EXPECT_EQ(tl->last, std::numeric_limits<std::uint64_t>::max());
  const MemoryModel m = MemoryModel::build(t);
  const LayerPalette p = LayerPalette::build(t);
  EXPECT_EQ(m.savings("", 65535).bytes_saved, std::numeric_limits<std::uint64_t>::max())
      << "tag 65535 has no name; its release of 2^64-1 bytes is a sum, not a size";
  (void)p.layer(65535, 65535, true);
  TimeMapping map;
  map.set_width(1400);
  map.set_bounds(tl->first, tl->last);
  for (const Lane& lane : tl->lanes) (void)visible_items(lane.spans, lane.lod, lane.longest, map);
  (void)m.total.columns(map);
  EXPECT_LE(time_ticks(map, 90).size(), 1400 / 90 + 2u);
  EXPECT_LT(peak_rss_mib(), 200);
}

TEST(TimeMapping, HoldsASingleInstantAtTheEndOfTime) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  TimeMapping m;
  m.set_width(1000);
  m.set_bounds(kMax, kMax);  // first + 1 wrapped to 0 here
  EXPECT_LT(m.first(), m.last());
  EXPECT_EQ(m.last(), kMax);
  EXPECT_TRUE(std::isfinite(m.x(static_cast<double>(kMax))));
  EXPECT_EQ(to_ns(m.end()), kMax) << "a view's end past 2^64 - 1 clamps, not wraps";
  EXPECT_EQ(to_ns(-5), 0u);
  EXPECT_EQ(to_ns(std::nan("")), 0u);
}

TEST(TimeMapping, NeverZoomsPastWhatADoubleTellsApart) {
  TimeMapping m;
  m.set_width(1000);
  const std::uint64_t base = std::uint64_t{1} << 63;
  m.set_bounds(base, base + 5000);
  m.zoom(1e12, 500);
  EXPECT_GE(m.ns_per_px(), 2048) << "doubles near 2^63 are 2048 ns apart";
  EXPECT_GT(m.ns(1), m.ns(0));
  m.set_bounds(0, 5000);
  m.zoom(1e12, 500);
  EXPECT_DOUBLE_EQ(m.ns_per_px(), 0.01) << "small times keep 100 pixels per ns";
}

TEST(TimeTicks, AreComputedBoundedAndApartAtAnyTime) {
  // `ns += step` stood still once the step was below the spacing of
  // doubles at that time, and the ruler spun forever.
  for (const std::uint64_t base : {std::uint64_t{0}, std::uint64_t{1} << 53, std::uint64_t{1} << 63, kLatestBase}) {
    for (const double zoom : {1.0, 1e3, 1e12}) {
      TimeMapping m;
      m.set_width(1400);
      m.set_bounds(base, base + 5000);
      m.zoom(zoom, 700);
      const std::vector<Tick> ticks = time_ticks(m, 90);
      ASSERT_FALSE(ticks.empty()) << base << " x" << zoom;
      EXPECT_LE(ticks.size(), 1400 / 90 + 2u);
      std::set<std::string> labels;
      for (std::size_t i = 0; i < ticks.size(); ++i) {
        labels.insert(ticks[i].label);
        if (i > 0) {
          EXPECT_GT(ticks[i].x, ticks[i - 1].x + 80) << base << " x" << zoom;
        }
      }
      EXPECT_EQ(labels.size(), ticks.size()) << "every label its own: " << ticks.front().label;
    }
  }
}

TEST(TimeTicks, LabelsCarryTheDigitsTheStepNeeds) {
  const std::uint64_t at = std::uint64_t{1} << 63;  // 9223372036.854775808 s
  EXPECT_EQ(format_tick(at, 10000), "9223372036.85477 s");
  EXPECT_EQ(format_tick(at, 1000000000), "9223372036.854 s") << "at least format_duration's digits";
  EXPECT_EQ(format_tick(std::numeric_limits<std::uint64_t>::max(), 1), "18446744073.709551615 s");
  EXPECT_EQ(format_tick(std::uint64_t{2500000}, 10000), "2.50 ms");
  EXPECT_EQ(format_tick(std::uint64_t{2501000}, 1000), "2.501 ms");
  EXPECT_EQ(format_tick(std::uint64_t{500}, 100), "500 ns");
  EXPECT_EQ(format_tick(-100.0, 50.0), format_duration(-100));
}

TEST(HostileLogs, ManyTagsAreNotQuadratic) {
  // 8,192 tags of 16 layers: a scan of every tag or layer per row or per
  // bar (the palette's ranks, savings()) took minutes at 65,535 tags.
  const auto t = many_tags_log(8192, 16).parse();
  const MemoryModel m = MemoryModel::build(t);
  const LayerPalette p = LayerPalette::build(t);
  const tswap::trace::Summary summary = tswap::trace::summarize(t);
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t saved = 0;
  for (const auto& l : summary.layers) saved += m.savings(l.tag, l.layer).bytes_saved;
  for (const auto& l : summary.tags) saved += m.savings(l.tag, -1).bytes_saved;
  for (const MemoryModel::LayerKey& k : m.layer_keys) (void)p.layer(k.tag, k.layer, true);
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_EQ(saved, 2 * 8192u * 16 * 4096) << "each layer's and each tag's";
  EXPECT_EQ(p.tags(), 8192u);
  // A frame stacks the 256 highest areas, not 131,072.
  const std::vector<std::size_t> drawn = m.stacked(false, 256);
  ASSERT_EQ(drawn.size(), 256u);
  EXPECT_TRUE(std::is_sorted(drawn.begin(), drawn.end()));
  EXPECT_EQ(m.stacked(true, 100000).size(), 8192u) << "all of them when they are few enough";
}


// ---------------------------------------------------------------- device time (issue 11)

/// The spans of `lane` of `kind`, as (layer, begin, end), by begin.
std::vector<DeviceSpan> spans_of(const Lane& l, SpanKind kind, bool device) {
  std::vector<DeviceSpan> out;
  for (const Span& s : l.spans) {
    if (s.kind != kind) continue;
    EXPECT_EQ(s.device, device) << to_string(kind) << " L" << s.layer << " at " << s.begin;
    out.push_back({s.layer, s.begin, s.end});
  }
  return out;
}

MATCHER_P(SameSpans, want, "") {
  if (arg.size() != want.size()) return false;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    if (arg[i].layer != want[i].layer || arg[i].begin != want[i].begin || arg[i].end != want[i].end) {
      *result_listener << "span " << i << " is L" << arg[i].layer << " " << arg[i].begin << "-" << arg[i].end;
      return false;
    }
  }
  return true;
}

TEST(DeviceTime, TimedCopiesGoOnTheirStreamLanesFromStartToDone) {
  const tswap::trace::Trace log = device_log().parse("device.tswap");
  const Timeline t = *Timeline::build(log);
  std::vector<std::string> names;
  for (const Lane& l : t.lanes) names.push_back(l.name);
  EXPECT_THAT(names, ::testing::ElementsAre("stream cuda:0 d2h (stream 1)", "stream cuda:0 h2d (stream 2)",
                                            "layers model.layer.*", "layers model.layer.* (host)",
                                            "thread autograd", "thread main"))
      << "copies on their streams, not on the writer thread that wrote them";
  EXPECT_THAT(spans_of(lane(t, "stream cuda:0 d2h (stream 1)"), SpanKind::d2h, true), SameSpans(kDeviceD2H));
  EXPECT_THAT(spans_of(lane(t, "stream cuda:0 h2d (stream 2)"), SpanKind::prefetch, true), SameSpans(kDeviceH2D));
  for (const Lane& l : t.lanes) {
    for (const Span& s : l.spans) EXPECT_NE(s.kind, SpanKind::queued) << "every queued copy was timed";
  }
  EXPECT_FALSE(t.copies_untimed);
  EXPECT_EQ(lane(t, "stream cuda:0 d2h (stream 1)").spans[0].bytes, 4000u);
}

TEST(DeviceTime, DeviceLayerSpansAreTheLayersAndHostOnesTheirLaunches) {
  const Timeline t = *Timeline::build(device_log().parse("device.tswap"));
  const Lane& device = lane(t, "layers model.layer.*");
  EXPECT_FALSE(device.launches);
  EXPECT_THAT(spans_of(device, SpanKind::layer, true), SameSpans(kDeviceForward));
  EXPECT_THAT(spans_of(device, SpanKind::backward, true), SameSpans(kDeviceBackward));
  EXPECT_EQ(device.spans.size(), 6u);
  const Lane& host = lane(t, "layers model.layer.* (host)");
  EXPECT_TRUE(host.launches);
  EXPECT_THAT(spans_of(host, SpanKind::layer, false), SameSpans(kHostForward)) << "host paired with host";
  EXPECT_THAT(spans_of(host, SpanKind::backward, false), SameSpans(kHostBackward));
  EXPECT_EQ(host.spans.size(), 6u);
  // Forward's last host exit is at 2500 and backward's first unpack at
  // 3000; the device's later exits (3600) are not forward going on.
  EXPECT_THAT(t.turns, ::testing::ElementsAre(TurnMark{3000u, 2500u, 1}));
}

TEST(DeviceTime, FiltersTellForwardFromBackward) {
  const tswap::trace::Trace log = device_log().parse("device.tswap");
  Filter f;
  f.kinds = 1u << static_cast<unsigned>(SpanKind::backward);
  f.layer = 1;
  const Timeline t = *Timeline::build(log, f);
  EXPECT_THAT(spans_of(lane(t, "layers model.layer.*"), SpanKind::backward, true),
              SameSpans(std::vector<DeviceSpan>{{1, 4000, 4400}}));
  EXPECT_THAT(spans_of(lane(t, "layers model.layer.* (host)"), SpanKind::backward, false),
              SameSpans(std::vector<DeviceSpan>{{1, 3400, 3700}}));
}

TEST(DeviceTime, WithoutDeviceTimesBackwardSpansAreTheHosts) {
  // The simulated runtime, and an accelerator that cannot time, write host
  // backward spans only: they are the layer lane's spans, beside forward's.
  const tswap::trace::Trace log = untimed_log().parse("untimed.tswap");
  const Timeline t = *Timeline::build(log);
  const Lane& layers = lane(t, "layers model.layer.*");
  EXPECT_FALSE(layers.launches);
  EXPECT_THAT(spans_of(layers, SpanKind::layer, false), SameSpans(kHostForward));
  EXPECT_THAT(spans_of(layers, SpanKind::backward, false), SameSpans(kHostBackward));
  for (const Lane& l : t.lanes) EXPECT_NE(l.name, "layers model.layer.* (host)");
}

TEST(DeviceTime, CopiesOnADeviceThatCannotTimeAreSaidToBeUntimed) {
  const tswap::trace::Trace log = untimed_log().parse("untimed.tswap");
  const Timeline t = *Timeline::build(log);
  EXPECT_TRUE(t.copies_untimed);
  // The queued marks stay on their streams.
  EXPECT_EQ(lane(t, "stream cuda:0 d2h (stream 1)").spans.size(), 2u);
  EXPECT_EQ(lane(t, "stream cuda:0 h2d (stream 2)").spans[0].kind, SpanKind::queued);
  // Timed copies are not untimed, whoever timed them.
  EXPECT_FALSE(Timeline::build(two_steps())->copies_untimed);
  EXPECT_FALSE(Timeline::build(device_log().parse())->copies_untimed);
  // Filtering copies away does not make them timed.
  Filter f;
  f.kinds = 1u << static_cast<unsigned>(SpanKind::layer);
  EXPECT_TRUE(Timeline::build(log, f)->copies_untimed);
}

TEST(DeviceTime, AVersionOneLogThatOnlyQueuedCopiesIsUntimed) {
  // Before version 2 an accelerator logged only the queueing, and the
  // header had no copy_timing to say so.
  LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::d2h_queued, 100, 0, 0, 64, 1)});
  EXPECT_TRUE(Timeline::build(b.parse())->copies_untimed);
}

TEST(DeviceTime, VersionOneLogsStillOpen) {
  const tswap::trace::Trace log = tswap::trace::Trace::load(TSWAP_TEST_DATA "/v1/transformer.tswap");
  ASSERT_EQ(log.header().version, 1u);
  const Timeline t = *Timeline::build(log);
  EXPECT_FALSE(t.copies_untimed) << "the simulated runtime timed its copies";
  std::size_t copies = 0, layers = 0;
  for (const Lane& l : t.lanes) {
    EXPECT_FALSE(l.launches);
    for (const Span& s : l.spans) {
      EXPECT_FALSE(s.device);
      copies += s.kind == SpanKind::d2h || s.kind == SpanKind::h2d || s.kind == SpanKind::prefetch;
      layers += s.kind == SpanKind::layer;
      EXPECT_NE(s.kind, SpanKind::backward) << "version 1 has no backward spans";
    }
  }
  EXPECT_GT(copies, 0u);
  EXPECT_GT(layers, 0u);
  const MemoryModel m = MemoryModel::build(log);
  EXPECT_EQ(m.device_allocated.points(), 0u);
  EXPECT_GT(m.total.peak(), 0);
}

TEST(DeviceTime, AllocatorSamplesMakeTwoCurvesWithTheirPeaks) {
  const MemoryModel m = MemoryModel::build(device_log().parse());
  std::uint64_t at = 0;
  EXPECT_EQ(m.device_allocated.peak(&at), static_cast<std::int64_t>(kAllocatedPeak));
  EXPECT_EQ(at, kAllocatorPeakAt);
  EXPECT_EQ(m.device_reserved.peak(&at), static_cast<std::int64_t>(kReservedPeak));
  EXPECT_EQ(at, kAllocatorPeakAt);
  EXPECT_EQ(m.device_allocated.at(1200), 10000) << "a level, not a sum of samples";
  EXPECT_EQ(m.device_reserved.at(2200), 20480);
  EXPECT_EQ(m.device_allocated.at(4300), 10000);
  // The engine's curves are unchanged by them.
  EXPECT_EQ(m.total.peak(), 8000);
  EXPECT_EQ(m.without_swap.peak(), 10000);
  // A log without samples has no allocator curves.
  const MemoryModel none = MemoryModel::build(two_steps());
  EXPECT_EQ(none.device_allocated.points(), 0u);
  EXPECT_EQ(none.device_reserved.points(), 0u);
}

TEST(HostileLogs, DeviceTimedRecordsAtTheirExtremes) {
  const tswap::trace::Trace log = device_extremes_log().parse("device_extremes.tswap");
  const Timeline t = *Timeline::build(log);
  std::vector<DeviceSpan> spans;
  for (const Lane& l : t.lanes) {
    for (const Span& s : l.spans) {
      if (s.kind == SpanKind::layer || s.kind == SpanKind::backward) spans.push_back({s.layer, s.begin, s.end});
    }
  }
  // Enter 0 / exit 2^64-1 pair; the exit at 20 of layer 3 has no enter.
  EXPECT_THAT(spans, SameSpans(std::vector<DeviceSpan>{{65535, 0, ~std::uint64_t{0}}, {7, 1, ~std::uint64_t{0}}}));
  const MemoryModel m = MemoryModel::build(log);
  EXPECT_EQ(m.device_allocated.points(), 2u);
  TimeMapping map;
  map.set_width(1400);
  map.set_bounds(t.first, t.last);
  for (const Lane& lane : t.lanes) (void)visible_items(lane.spans, lane.lod, lane.longest, map);
  EXPECT_EQ(m.device_allocated.columns(map).size(), 1400u);
  EXPECT_EQ(m.device_reserved.columns(map).size(), 1400u);
  for (const Lane& lane : t.lanes) {
    for (const Span& s : lane.spans) (void)describe(log, s), (void)details(log, s);
  }
}

TEST(DeviceTime, TooltipsSayWhoTimedASpan) {
  const tswap::trace::Trace log = device_log().parse("device.tswap");
  const Timeline t = *Timeline::build(log);
  const Span& copy = lane(t, "stream cuda:0 d2h (stream 1)").spans[0];
  EXPECT_EQ(describe(log, copy),
            "copy out (D2H) model.layer.* L0 #0 step 1: 3.9 KiB in 400 ns (10.00 GB/s), device time");
  EXPECT_THAT(details(log, copy), ::testing::HasSubstr("timed by: the device (stream cuda:0 d2h (stream 1))\n"));
  const Span& launch = lane(t, "layers model.layer.* (host)").spans[0];
  EXPECT_EQ(describe(log, launch), "layer model.layer.* L0 step 1: 500 ns, host time");
  EXPECT_THAT(details(log, launch), ::testing::HasSubstr("timed by: the host (thread main)\n"));
  const Span& back = lane(t, "layers model.layer.*").spans[3];
  EXPECT_EQ(describe(log, back), "layer backward model.layer.* L2 step 1: 350 ns, device time");
  // Search finds them by it.
  const auto hit = find_next(log, t, "backward model.layer.* L1", 0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(t.lanes[hit->lane].spans[hit->span].begin, 3400u) << "the host's, which begins first";
}

}  // namespace
}  // namespace tswap_test
