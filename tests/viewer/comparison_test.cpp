// A second log on the first's time axis (gui/model/comparison.h): steps
// aligned at their starts (Note [Step alignment]), exact times; B's curves
// cut per step; trace::compare's deltas carried for the table.

#include <gtest/gtest.h>

#include <limits>

#include <tswap/trace/summary.h>

#include "compare_logs.h"
#include "comparison.h"
#include "stall_logs.h"
#include "time_mapping.h"
#include "timeline.h"

namespace tswap_test {
namespace {

using namespace tswap::viewer;
using Piece = StepAlignment::Piece;
constexpr std::uint64_t kEnd = std::numeric_limits<std::uint64_t>::max();

std::vector<StepMark> marks(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& steps) {
  std::vector<StepMark> out;
  for (const auto& [step, ns] : steps) out.push_back(StepMark{ns, step});
  return out;
}

TEST(StepAlignment, DrawsStepNOfBFromStepNOfAsStart) {
  // A's steps at 10, 20, 30 us, 10 us each; B's first two longer (12 and
  // 15 us), and a step 4 that A lacks.
  const StepAlignment al = StepAlignment::build(marks({{1, 10000}, {2, 20000}, {3, 30000}}),
                                                marks({{1, 4000}, {2, 16000}, {3, 31000}, {4, 50000}}));
  ASSERT_EQ(al.pieces.size(), 3u);
  EXPECT_EQ(al.pieces[0], (Piece{0, 16000, 6000, 1}));      // and what B did before its step 1
  EXPECT_EQ(al.pieces[1], (Piece{16000, 31000, 4000, 2}));
  EXPECT_EQ(al.pieces[2], (Piece{31000, kEnd, -1000, 3}));  // step 4 keeps step 3's shift
  EXPECT_EQ(al.steps_aligned(), 3u);
  // Each of B's step starts lands on A's.
  EXPECT_EQ(al.to_a(4000), 10000.0);
  EXPECT_EQ(al.to_a(16000), 20000.0);
  EXPECT_EQ(al.to_a(31000), 30000.0);
  // Times inside a step keep their distance from its start.
  EXPECT_EQ(al.to_a(4020), 10020.0);
  EXPECT_EQ(al.to_a(15999), 21999.0);  // past A's step 2 start: B's step 1 is longer
  EXPECT_EQ(al.to_a(100), 6100.0);
  EXPECT_EQ(al.to_a(50000), 49000.0);
}

TEST(StepAlignment, MatchesStepsByNumberAndSkipsThoseOneLogLacks) {
  // B lacks A's step 2; B's step 0 is before anything A has.
  const StepAlignment al = StepAlignment::build(marks({{1, 1000}, {2, 5000}, {3, 9000}}),
                                                marks({{0, 100}, {1, 2000}, {3, 7000}}));
  ASSERT_EQ(al.pieces.size(), 2u);
  EXPECT_EQ(al.pieces[0], (Piece{0, 7000, -1000, 1}));
  EXPECT_EQ(al.pieces[1], (Piece{7000, kEnd, 2000, 3}));
  EXPECT_EQ(al.to_a(7000), 9000.0);
  EXPECT_EQ(al.to_a(100), -900.0);  // before A's time 0: AlignedCurve drops it
}

TEST(StepAlignment, WithNoStepInCommonBKeepsItsOwnClock) {
  const StepAlignment al = StepAlignment::build(marks({{1, 1000}}), marks({{7, 3000}, {8, 6000}}));
  ASSERT_EQ(al.pieces.size(), 1u);
  EXPECT_EQ(al.pieces[0], (Piece{0, kEnd, 0, std::nullopt}));
  EXPECT_EQ(al.steps_aligned(), 0u);
  EXPECT_EQ(al.to_a(3000), 3000.0);
  // Nor any step at all.
  EXPECT_EQ(StepAlignment::build({}, {}).pieces.size(), 1u);
}

TEST(StepAlignment, AStepBeginsAtItsFirstTagsStepBegin) {
  // stall_logs.h: the outer tag begins step 1 at 100 ns, the inner at 200.
  const tswap::trace::Trace nested = stalls::nested_shared_stream_log().parse();
  EXPECT_EQ(step_marks(nested), (std::vector<StepMark>{{100, 1}}));
  // The same marks the timeline draws.
  const tswap::trace::Trace stepped = stepped_log({{1, 10000}, {2, 20000}, {5, 30000}}, 1000).parse();
  EXPECT_EQ(step_marks(stepped), Timeline::build(stepped)->step_marks);
  EXPECT_EQ(step_marks(stepped), (std::vector<StepMark>{{10000, 1}, {20000, 2}, {30000, 5}}));
}

TEST(AlignedCurve, CutsBsCurvePerStepAtAsStepStarts) {
  const tswap::trace::Trace b = stepped_log({{1, 4000}, {2, 16000}, {3, 31000}}, 2000).parse();
  const StepAlignment al = StepAlignment::build(marks({{1, 10000}, {2, 20000}, {3, 30000}}), step_marks(b));
  const MemoryModel memory = MemoryModel::build(b);
  const AlignedCurve total = AlignedCurve::build(memory.total, al, b.events().back().host_ns);
  ASSERT_EQ(total.segments.size(), 3u);
  // Step 1 of B (its time 0 to 16 us, shifted by +6 us: past A's step 2
  // start), step 2 (16 to 31 us, +4 us: past A's step 3 start), step 3
  // (from 31 us, -1 us, to B's last event at 32 us).
  EXPECT_EQ(total.segments[0].begin, 6000.0);
  EXPECT_EQ(total.segments[0].end, 22000.0);
  EXPECT_EQ(total.segments[1].begin, 20000.0);
  EXPECT_EQ(total.segments[1].end, 35000.0);
  EXPECT_EQ(total.segments[2].begin, 30000.0);
  EXPECT_EQ(total.segments[2].end, 31000.0);
  // B holds 2000 B over [t+20, t+400) and [t+610, t+1000) of each step: at
  // A's step starts + those offsets.
  for (const double a_step : {10000.0, 20000.0, 30000.0}) {
    EXPECT_EQ(total.at(a_step + 19), 0) << a_step;
    EXPECT_EQ(total.at(a_step + 20), 2000) << a_step;
    EXPECT_EQ(total.at(a_step + 399), 2000) << a_step;
    EXPECT_EQ(total.at(a_step + 400), 0) << a_step;
    EXPECT_EQ(total.at(a_step + 610), 2000) << a_step;
    EXPECT_EQ(total.at(a_step + 1000), 0) << a_step;
  }
  // Not where B's own clock would put it, and nothing before B began.
  EXPECT_EQ(total.at(16000 + 20), 0);
  EXPECT_EQ(total.at(5999), std::nullopt);
  EXPECT_EQ(total.at(35000), std::nullopt);
  // Where step 2 of B runs past A's step 3 start, step 3's segment is read.
  EXPECT_EQ(total.at(30020), 2000);
  EXPECT_EQ(total.at(34000), 0);
  // The segments' points, exactly.
  EXPECT_EQ(total.segments[0].curve.times(), (std::vector<std::uint64_t>{6000, 10020, 10400, 10610, 11000}));
  EXPECT_EQ(total.segments[0].curve.levels(), (std::vector<std::int64_t>{0, 2000, 0, 2000, 0}));
  std::uint64_t when = 0;
  EXPECT_EQ(total.peak(&when), 2000);
  EXPECT_EQ(when, 10020u);
  // Without swapping: held from the save to autograd's free, t+20 to t+1000.
  const AlignedCurve without = AlignedCurve::build(memory.without_swap, al, b.events().back().host_ns);
  EXPECT_EQ(without.at(20500), 2000);
  EXPECT_EQ(without.at(21000), 0);
}

TEST(AlignedCurve, DropsWhatLandsBeforeAsTimeZero) {
  // B's step 1 at 5 us drawn from A's at 1 us: B's first 4 us fall before 0.
  const tswap::trace::Trace b = stepped_log({{1, 5000}}, 1000).parse();
  const StepAlignment al = StepAlignment::build(marks({{1, 1000}}), step_marks(b));
  const AlignedCurve total = AlignedCurve::build(MemoryModel::build(b).total, al, b.events().back().host_ns);
  ASSERT_EQ(total.segments.size(), 1u);
  EXPECT_EQ(total.segments[0].begin, 0.0);
  EXPECT_EQ(total.at(1020), 1000);
  EXPECT_EQ(total.at(0), 0);
  EXPECT_TRUE(AlignedCurve::build(Curve{}, al, 0).empty());
}

TEST(ComparedLog, AlignsBsCurvesAndCarriesTheDeltas) {
  const tswap::trace::Trace a = stepped_log({{1, 10000}, {2, 20000}, {3, 30000}}, 1000).parse("a.tswap");
  const tswap::trace::Trace b = stepped_log({{1, 4000}, {2, 16000}, {3, 31000}}, 2000).parse("b.tswap");
  const ComparedLog c = ComparedLog::build(Timeline::build(a)->step_marks, tswap::trace::summarize(a), b, "b.tswap");
  EXPECT_EQ(c.name, "b.tswap");
  EXPECT_EQ(c.alignment.steps_aligned(), 3u);
  EXPECT_EQ(c.first, 6000u);
  EXPECT_EQ(c.last, 35000u);
  EXPECT_EQ(c.total.at(20100), 2000);
  EXPECT_TRUE(c.device_allocated.empty());  // no allocator samples
  // trace::compare's rows: one tag, one layer; 3 x 1000 B out in A, 3 x 2000 in B.
  ASSERT_EQ(c.deltas.tags.size(), 1u);
  const tswap::trace::RowComparison& tag = c.deltas.tags[0];
  EXPECT_EQ(tag.tag, "model.layer.*");
  EXPECT_EQ(tag.bytes_out.a, 3000);
  EXPECT_EQ(tag.bytes_out.b, 6000);
  EXPECT_EQ(tag.bytes_out.delta(), 3000);
  EXPECT_EQ(tag.resident_peak.delta(), 1000);
  ASSERT_EQ(c.deltas.layers.size(), 1u);
  EXPECT_EQ(c.deltas.layers[0].layer, 0);
}

TEST(Curve, ColumnsOfPartOfTheViewAreThoseOfTheWholeView) {
  const tswap::trace::Trace t = stepped_log({{1, 10000}, {2, 20000}, {3, 30000}}, 1000).parse();
  const MemoryModel memory = MemoryModel::build(t);
  for (const double ns_per_px : {0.5, 7.0, 100.0}) {  // exact, and from the pyramid
    TimeMapping m;
    m.set_width(800);
    m.set_bounds(0, 40000);
    m.show(9000, 9000 + 800 * ns_per_px);
    const std::vector<std::int64_t> all = memory.total.columns(m);
    const std::vector<std::int64_t> part = memory.total.columns(m, 100, 350);
    ASSERT_EQ(part.size(), 250u);
    EXPECT_EQ(part, std::vector<std::int64_t>(all.begin() + 100, all.begin() + 350)) << ns_per_px;
  }
}

}  // namespace
}  // namespace tswap_test
