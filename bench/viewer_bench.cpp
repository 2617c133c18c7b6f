// tswap-viewer's costs at 1, 10 and 50 million events.
//
//   BM_Load/N           parse the log, build the timeline (lanes, level of
//                       detail), the memory curves and the summary: what
//                       happens between File > Open and the first frame
//   BM_FrameTimeline/N  one frame of the timeline, 1920 px wide, all of the
//                       log in view (the worst case for level of detail)
//   BM_FrameZoomed/N    the same, zoomed to 1/1000 of the log
//   BM_FrameMemory/N    one frame of the memory view, 1920x400, all in view
//
// The logs are synthetic but shaped like the engine's (engine_shaped_log.h,
// shared with recorder_bench).

#include <benchmark/benchmark.h>

#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <map>
#include <memory>

#include "engine_shaped_log.h"
#include "loader.h"
#include "painters.h"

namespace {

using namespace tswap::viewer;

const std::vector<std::uint8_t>& log_of(std::size_t events) {
  static std::map<std::size_t, std::vector<std::uint8_t>> logs;
  auto& log = logs[events];
  if (log.empty()) log = tswap_bench::engine_shaped_log(events);
  return log;
}

/// What File > Open does after reading the file: the same code.
std::shared_ptr<const LoadedLog> load(std::size_t events) {
  const auto& bytes = log_of(events);
  return Loader::build_now(std::make_shared<const tswap::trace::Trace>(
      tswap::trace::Trace::parse(bytes.data(), bytes.size(), "bench.tswap")));
}

/// The last loaded log, kept for the frame benchmarks.
std::shared_ptr<const LoadedLog>& loaded(std::size_t events) {
  static std::size_t which = 0;
  static std::shared_ptr<const LoadedLog> log;
  if (which != events) {
    log.reset();
    log = load(events);
    which = events;
  }
  return log;
}

void BM_Load(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  log_of(n);  // not timed: making the synthetic bytes
  for (auto _ : state) benchmark::DoNotOptimize(load(n).get());
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void frame(benchmark::State& state, bool timeline, double zoom) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto log = loaded(n);
  const Theme theme = Theme::of(true);
  ViewState view;
  const QSize size(1920, timeline ? Layout::timeline_height(log->timeline.lanes.size()) : 400);
  view.mapping.set_width(Layout::plot_width(size.width()));
  view.mapping.set_bounds(log->timeline.first, log->timeline.last);
  if (zoom > 1) view.mapping.zoom(zoom, view.mapping.width() / 2.0);
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  for (auto _ : state) {
    QPainter p(&image);
    timeline ? paint_timeline(p, size, *log, view, theme) : paint_memory(p, size, *log, view, theme);
  }
}

void BM_FrameTimeline(benchmark::State& state) { frame(state, true, 1); }
void BM_FrameZoomed(benchmark::State& state) { frame(state, true, 1000); }
void BM_FrameMemory(benchmark::State& state) { frame(state, false, 1); }

#define SIZES ->Arg(1'000'000)->Arg(10'000'000)->Arg(50'000'000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Load) SIZES->Iterations(1);
BENCHMARK(BM_FrameTimeline) SIZES;
BENCHMARK(BM_FrameZoomed) SIZES;
BENCHMARK(BM_FrameMemory) SIZES;

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");  // painting into images: no display needed
  QGuiApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
