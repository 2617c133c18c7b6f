// tswap-viewer's costs at 1, 10, 50 and 100 million events.
//
//   BM_Load/N           File > Open to the first frame: read the log, build
//                       the timeline (lanes, level of detail); complete_ms
//                       goes on to the memory curves and the summary, which
//                       the first frame does not wait for (Note [First
//                       frame] in gui/app/loader.cpp)
//   BM_FrameTimeline/N  one frame of the timeline, 1920 px wide, all of the
//                       log in view (the worst case for level of detail)
//   BM_FrameZoomed/N    the same, zoomed to 1/1000 of the log
//   BM_FrameMemory/N    one frame of the memory view, 1920x400, all in view
//   BM_Part*/N          each part of BM_Load after reading the file, alone on
//                       one thread: where the load's time goes
//
// The logs are synthetic but shaped like the engine's (synthetic_log.h),
// written once into the build directory and read from there as File > Open
// reads them. BM_Load's counters: the log's size and the process's peak
// resident set during the load (Note [Peak per benchmark]).

#include <benchmark/benchmark.h>

#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <chrono>
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

struct KeptTrace {
  std::size_t events = 0;
  std::unique_ptr<tswap::trace::Trace> trace;
};
KeptTrace& kept_trace() {
  static KeptTrace k;
  return k;
}
void BM_Load(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string path = tswap::bench::log_path(n);  // not timed: making the file
  kept().log.reset();  // a frame benchmark's log would count in this one's peak
  kept_trace().trace.reset();  // and a part benchmark's trace
  tswap::bench::reset_peak_rss();
  using Clock = std::chrono::steady_clock;
  double complete_s = 0;
  std::shared_ptr<const LoadedLog> last;
  for (auto _ : state) {
    last.reset();
    // As Loader::load: read, then build, the timeline first (Note [First frame]).
    const auto start = Clock::now();
    Clock::time_point first;
    auto trace = std::make_shared<const tswap::trace::Trace>(tswap::trace::Trace::load(path));
    auto log = Loader::build_now(std::move(trace), [&](std::shared_ptr<const LoadedLog>) { first = Clock::now(); });
    const auto all = Clock::now();
    state.SetIterationTime(std::chrono::duration<double>(first - start).count());
    complete_s += std::chrono::duration<double>(all - start).count();
    last = std::move(log);
  }
  state.counters["complete_ms"] = 1e3 * complete_s / static_cast<double>(state.iterations());
  const double log_bytes = static_cast<double>(std::filesystem::file_size(path));
  const double peak = tswap::bench::peak_rss_bytes();
  state.counters["log_MB"] = log_bytes / 1e6;
  state.counters["peak_rss_MB"] = peak / 1e6;
  state.counters["peak_per_log"] = peak / log_bytes;  // the target: at most 2
  kept() = Kept{n, std::move(last)};  // for the frame benchmarks that follow (100 M: loading it again takes minutes)
}

/// The parts of BM_Load after the read, one by one on one thread, on the
/// trace of the last log loaded (kept).
const tswap::trace::Trace& trace_of(std::size_t events) {
  KeptTrace& k = kept_trace();
  if (k.events != events || !k.trace) {
    k.trace.reset();
    k.trace = std::make_unique<tswap::trace::Trace>(tswap::trace::Trace::load(tswap::bench::log_path(events)));
    k.events = events;
  }
  return *k.trace;
}

template <class Build>
void part(benchmark::State& state, Build build) {
  kept().log.reset();
  const tswap::trace::Trace& t = trace_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(build(t));
}
void BM_PartTimeline(benchmark::State& state) {
  part(state, [](const tswap::trace::Trace& t) { return Timeline::build(t)->lanes.size(); });
}
void BM_PartMemory(benchmark::State& state) {
  part(state, [](const tswap::trace::Trace& t) { return MemoryModel::build(t).layers.size(); });
}
void BM_PartSummary(benchmark::State& state) {
  part(state, [](const tswap::trace::Trace& t) { return tswap::trace::summarize(t).layers.size(); });
}
void BM_PartChoicesAndPalette(benchmark::State& state) {
  part(state, [](const tswap::trace::Trace& t) {
    return FilterChoices::build(t).steps.size() + LayerPalette::build(t).tags();
  });
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
BENCHMARK(BM_Load) SIZES->Iterations(1)->UseManualTime();
#define PART_SIZES ->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1)
BENCHMARK(BM_PartTimeline) PART_SIZES;
BENCHMARK(BM_PartMemory) PART_SIZES;
BENCHMARK(BM_PartSummary) PART_SIZES;
BENCHMARK(BM_PartChoicesAndPalette) PART_SIZES;
BENCHMARK(BM_FrameTimeline) SIZES;
BENCHMARK(BM_FrameZoomed) SIZES;
BENCHMARK(BM_FrameMemory) SIZES;
// The "opens at all" size (3.2 GB of log): last, alone, with frames.
#define LARGEST ->Arg(100'000'000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Load) LARGEST->Iterations(1)->UseManualTime();
BENCHMARK(BM_FrameTimeline) LARGEST;
BENCHMARK(BM_FrameMemory) LARGEST;

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
