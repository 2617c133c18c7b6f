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
// The logs are synthetic but shaped like the engine's (synthetic_log.h),
// written once into the build directory and read from there as File > Open
// reads them. BM_Load's counters: the log's size and the process's peak
// resident set during the load (Note [Peak per benchmark]).

#include <benchmark/benchmark.h>

#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <filesystem>
#include <memory>

#include "loader.h"
#include "painters.h"
#include "synthetic_log.h"

namespace {

using namespace tswap::viewer;

/// What File > Open does: read the file, then the same code as the app.
std::shared_ptr<const LoadedLog> load(std::size_t events) {
  return Loader::load_now(QString::fromStdString(tswap::bench::log_path(events)));
}

/// The last loaded log, kept for the frame benchmarks.
struct Kept {
  std::size_t events = 0;
  std::shared_ptr<const LoadedLog> log;
};
Kept& kept() {
  static Kept k;
  return k;
}
std::shared_ptr<const LoadedLog> loaded(std::size_t events) {
  Kept& k = kept();
  if (k.events != events || !k.log) {
    k.log.reset();
    k.log = load(events);
    k.events = events;
  }
  return k.log;
}

void BM_Load(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string path = tswap::bench::log_path(n);  // not timed: making the file
  kept().log.reset();  // a frame benchmark's log would count in this one's peak
  tswap::bench::reset_peak_rss();
  for (auto _ : state) benchmark::DoNotOptimize(load(n).get());
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
  const double log_bytes = static_cast<double>(std::filesystem::file_size(path));
  const double peak = tswap::bench::peak_rss_bytes();
  state.counters["log_MB"] = log_bytes / 1e6;
  state.counters["peak_rss_MB"] = peak / 1e6;
  state.counters["peak_per_log"] = peak / log_bytes;  // the target: at most 2
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
