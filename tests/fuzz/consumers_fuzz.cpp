// libFuzzer target: mutations that reach what reads a loaded log. The
// input is repaired before it is parsed (repair.h): the file header's fixed
// fields, every chunk's magic, sequence number, length and checksum, event
// and string kinds. Nearly every input then loads, and its events go to the
// summary, the schedule checks, the event order, an export (each format
// in turn, by the input's size) and
// the viewer's model (the timeline, with and without a filter, the memory
// curves, the layer colours, range statistics, search, what the painters
// ask for), as tswap-log and gui/app/loader.cpp do. Anything but a clean
// return (a crash, an out-of-bounds read, undefined behaviour, an
// exception other than a TraceError) is a bug. Built with clang when
// TSWAP_BUILD_FUZZERS=ON (tests/fuzz/README.md):
//   build-fuzz/tests/tswap-fuzz-consumers -max_len=65536 corpus-dir

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <tswap/trace/analysis.h>
#include <tswap/trace/export.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

#include "layer_palette.h"
#include "lod.h"
#include "memory.h"
#include "repair.h"
#include "statistics.h"
#include "time_mapping.h"
#include "timeline.h"

namespace {

namespace trace = tswap::trace;
namespace viewer = tswap::viewer;

void exercise_trace(const trace::Trace& t) {
  trace::summarize(t);
  trace::check_schedule(t);
  trace::check_invariants(t);
  trace::event_order(t);
  trace::diff_order(t, t);
  const std::size_t n = t.events().size();
  for (std::size_t i = 0; i < n && i < 64; ++i) trace::describe(t, t.events()[i]);
  if (n > 64) trace::describe(t, t.events().back());
  // One export per input, by its size: the JSON ones cost most of a run.
  constexpr trace::ExportFormat formats[] = {trace::ExportFormat::jsonl, trace::ExportFormat::csv,
                                             trace::ExportFormat::chrome};
  std::ostringstream out;
  trace::export_trace(t, formats[t.file_bytes() % 3], out);
}

void exercise_timeline(const trace::Trace& t, const viewer::Timeline& tl) {
  viewer::TimeMapping m;
  m.set_bounds(tl.first, tl.last);
  m.set_width(800);
  m.fit();
  for (const viewer::Lane& lane : tl.lanes) {
    viewer::visible_items(lane.spans, lane.lod, lane.longest, m);
    for (std::size_t i = 0; i < lane.spans.size() && i < 16; ++i) {
      viewer::describe(t, lane.spans[i]);
      viewer::details(t, lane.spans[i]);
    }
  }
  m.zoom(64.0, 400.0);  // the finer levels of detail
  for (const viewer::Lane& lane : tl.lanes) viewer::visible_items(lane.spans, lane.lod, lane.longest, m);
  const double first = static_cast<double>(tl.first), last = static_cast<double>(tl.last);
  viewer::range_stats(tl, first, last);
  viewer::range_stats(tl, first + (last - first) / 3, first + (last - first) / 2);
  viewer::find_next(t, tl, "L1", first - 1);
  viewer::find_next(t, tl, "d2h", (first + last) / 2);
}

void exercise_viewer(const trace::Trace& t) {
  std::optional<viewer::Timeline> tl = viewer::Timeline::build(t);
  if (tl) exercise_timeline(t, *tl);

  // A filter on what the log has, as the viewer's combo boxes offer it.
  viewer::Filter filter;
  if (!t.tags().empty()) filter.tag = t.tags().begin()->second;
  if (!t.events().empty()) {
    filter.layer = t.events().front().layer;
    filter.step = t.events().back().step;
  }
  filter.kinds = 0x155;
  if (std::optional<viewer::Timeline> f = viewer::Timeline::build(t, filter)) exercise_timeline(t, *f);

  const viewer::MemoryModel memory = viewer::MemoryModel::build(t);
  viewer::TimeMapping m;
  m.set_bounds(tl ? tl->first : 0, tl ? tl->last : 1);
  m.set_width(640);
  m.fit();
  for (const viewer::Curve& c : memory.layers) c.columns(m);
  for (const viewer::Curve& c : memory.tags) c.columns(m);
  memory.total.columns(m);
  memory.without_swap.columns(m);
  memory.total.peak();
  memory.total.max_in(m.begin(), m.end());
  memory.total.at((m.begin() + m.end()) / 2);
  for (const trace::LayerSummary& r : trace::summarize(t).layers) memory.savings(r.tag, r.layer);

  const viewer::LayerPalette palette = viewer::LayerPalette::build(t);
  for (std::size_t i = 0; i < memory.layer_keys.size() && i < 32; ++i) {
    palette.layer(memory.layer_keys[i].tag, memory.layer_keys[i].layer, i % 2 == 0);
    palette.tag(memory.layer_keys[i].tag, i % 2 == 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  tswap_fuzz::repair(bytes);
  try {
    const trace::Trace t = trace::Trace::parse(bytes.data(), bytes.size(), "fuzz.tswap");
    exercise_trace(t);
    exercise_viewer(t);
  } catch (const trace::TraceError&) {
    // Only inputs too short for a header get here (repair() fixes the rest).
  }
  return 0;
}
