// A table row's highlight picked from the built timeline (highlight.h): the
// same spans, lanes and level of detail as the timeline that was built from
// the trace with the row's filter before.

#include <gtest/gtest.h>

#include <tswap/trace/trace.h>

#include "device_logs.h"
#include "highlight.h"
#include "lod.h"
#include "time_mapping.h"
#include "timeline.h"
#include "two_tags_log.h"

namespace tswap_test {
namespace {

using namespace tswap::viewer;

void expect_same_span(const Span& a, const Span& b, const std::string& where) {
  EXPECT_EQ(a.begin, b.begin) << where;
  EXPECT_EQ(a.end, b.end) << where;
  EXPECT_EQ(a.event, b.event) << where;
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.device, b.device) << where;
  EXPECT_EQ(a.tag, b.tag) << where;
  EXPECT_EQ(a.layer, b.layer) << where;
  EXPECT_EQ(a.index, b.index) << where;
  EXPECT_EQ(a.step, b.step) << where;
  EXPECT_EQ(a.bytes, b.bytes) << where;
}

/// What a rebuild with `filter` held, lane by lane, against what is picked
/// from the whole timeline: the picked timeline's non-empty lanes, in
/// order, and what either draws at two scales.
void expect_picked_as_built(const tswap::trace::Trace& trace, const Filter& filter, const std::string& row) {
  const Timeline whole = *Timeline::build(trace);
  const Timeline built = *Timeline::build(trace, filter);
  const Timeline picked = pick_spans(whole, filter, [&](std::size_t) -> const tswap::trace::Trace& { return trace; });
  ASSERT_EQ(picked.lanes.size(), whole.lanes.size()) << row << ": one lane per lane of the timeline";
  std::vector<const Lane*> shown;
  for (std::size_t i = 0; i < picked.lanes.size(); ++i) {
    EXPECT_EQ(picked.lanes[i].name, whole.lanes[i].name) << row;
    if (!picked.lanes[i].spans.empty()) shown.push_back(&picked.lanes[i]);
  }
  ASSERT_EQ(shown.size(), built.lanes.size()) << row;
  for (std::size_t i = 0; i < built.lanes.size(); ++i) {
    const Lane& b = built.lanes[i];
    const Lane& p = *shown[i];
    const std::string where = row + ", lane " + b.name;
    EXPECT_EQ(p.name, b.name) << where;
    EXPECT_EQ(p.type, b.type) << where;
    EXPECT_EQ(p.launches, b.launches) << where;
    EXPECT_EQ(p.longest, b.longest) << where;
    ASSERT_EQ(p.spans.size(), b.spans.size()) << where;
    for (std::size_t s = 0; s < b.spans.size(); ++s) expect_same_span(p.spans[s], b.spans[s], where);
    for (const double zoom : {1.0, 50.0}) {
      TimeMapping m;
      m.set_width(800);
      m.set_bounds(whole.first, whole.last);
      if (zoom > 1) m.zoom(zoom, 400);
      const std::vector<DrawItem> pi = visible_items(p.spans, p.lod, p.longest, m);
      const std::vector<DrawItem> bi = visible_items(b.spans, b.lod, b.longest, m);
      ASSERT_EQ(pi.size(), bi.size()) << where << " at zoom " << zoom;
      for (std::size_t k = 0; k < bi.size(); ++k) {
        EXPECT_EQ(pi[k].x0, bi[k].x0) << where;
        EXPECT_EQ(pi[k].x1, bi[k].x1) << where;
        EXPECT_EQ(pi[k].kinds, bi[k].kinds) << where;
        EXPECT_EQ(pi[k].count, bi[k].count) << where;
      }
    }
  }
}

TEST(PickSpans, ARowShowsWhatATimelineBuiltWithItsFilterShowed) {
  const tswap::trace::Trace trace = two_tags_log().parse();
  for (const char* tag : {"model.layer.*", "model.layer.*.mlp"}) {
    Filter whole_tag;
    whole_tag.tag = tag;
    expect_picked_as_built(trace, whole_tag, std::string(tag) + " (all layers)");
    for (int layer : {0, 3, 5}) {
      Filter f = whole_tag;
      f.layer = layer;
      expect_picked_as_built(trace, f, std::string(tag) + " L" + std::to_string(layer));
    }
  }
}

TEST(PickSpans, DeviceTimedLayersAndTheirHostLaunchesKeepTheirLanes) {
  // A device-timed log: a tag's layers on the device's lane and the host's
  // launches on a lane of their own (" (host)").
  const tswap::trace::Trace trace = device_log().parse();
  Filter f;
  f.tag = "model.layer.*";
  expect_picked_as_built(trace, f, "device log");
  f.layer = 1;
  expect_picked_as_built(trace, f, "device log L1");
}

TEST(PickSpans, AnUnknownTagPicksNothing) {
  const tswap::trace::Trace trace = two_tags_log().parse();
  Filter f;
  f.tag = "no such tag";
  const Timeline picked = pick_spans(*Timeline::build(trace), f,
                                     [&](std::size_t) -> const tswap::trace::Trace& { return trace; });
  for (const Lane& l : picked.lanes) EXPECT_TRUE(l.spans.empty()) << l.name;
}

TEST(PickSpans, OnlyTheLanesOfTheRangeGiveSpans) {
  const tswap::trace::Trace trace = two_tags_log().parse();
  const Timeline whole = *Timeline::build(trace);
  ASSERT_GE(whole.lanes.size(), 2u);
  Filter f;
  f.tag = "model.layer.*";
  const Timeline picked = pick_spans(whole, f, [&](std::size_t) -> const tswap::trace::Trace& { return trace; },
                                     {1, 2});
  std::size_t total = 0;
  for (std::size_t i = 0; i < picked.lanes.size(); ++i) {
    if (i != 1) EXPECT_TRUE(picked.lanes[i].spans.empty()) << picked.lanes[i].name;
    total += picked.lanes[i].spans.size();
  }
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace tswap_test
