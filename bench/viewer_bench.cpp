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
// The logs are synthetic but shaped like the engine's: 32 layers a step,
// each swap 10 events (created, queued, start, done, release, queued, start,
// done, unpack, destroyed) on two copy streams and a compute thread.

#include <benchmark/benchmark.h>

#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <map>
#include <memory>

#include <tswap/trace/encode.h>

#include "loader.h"
#include "painters.h"

namespace {

using tswap::trace::EventKind;
using tswap::trace::Record;
using namespace tswap::viewer;

/// A log of about `events` events, in memory.
std::vector<std::uint8_t> make_log(std::size_t events) {
  std::vector<std::uint8_t> bytes(sizeof(tswap::trace::FileHeader));
  tswap::trace::FileHeader h{};
  std::memcpy(h.magic, tswap::trace::kMagic, sizeof h.magic);
  h.version = 2;  // crafted with the 256-byte header of version 2 (3 adds a RunHeader): byte offsets stay put
  h.header_bytes = sizeof h;
  h.record_bytes = sizeof(Record);
  std::memcpy(bytes.data(), &h, sizeof h);
  using K = tswap::trace::StringKind;
  const auto names = tswap::trace::encode_strings({{K::tag, 1, "model.layer.*"}, {K::stream, 1, "d2h"},
                                                   {K::stream, 2, "h2d"}, {K::thread, 1, "main"},
                                                   {K::thread, 2, "d2h"}, {K::thread, 3, "h2d"}});
  std::uint64_t seq = 0;
  tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::strings, 0, 6, names.data(), names.size(), seq++);
  std::vector<Record> main, out, in;
  auto flush = [&](std::vector<Record>& r, std::uint16_t thread) {
    tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::records, thread,
                               static_cast<std::uint32_t>(r.size()), r.data(), r.size() * sizeof(Record), seq++);
    r.clear();
  };
  auto rec = [](EventKind k, std::uint64_t t, std::uint16_t layer, std::uint32_t index, std::uint32_t step,
                std::uint8_t stream, std::uint8_t flags = 0) {
    Record r{};
    r.host_ns = t, r.value = 1 << 20, r.index = index, r.step = step, r.tag = 1, r.layer = layer;
    r.kind = static_cast<std::uint8_t>(k), r.stream = stream, r.flags = flags;
    return r;
  };
  std::uint64_t t = 0;
  std::size_t made = 0;
  for (std::uint32_t step = 1; made < events; ++step) {
    for (std::uint16_t layer = 0; layer < 32 && made < events; ++layer) {
      for (std::uint32_t i = 0; i < 8 && made < events; ++i, made += 10, t += 1000) {
        main.push_back(rec(EventKind::swap_created, t, layer, i, step, 0));
        main.push_back(rec(EventKind::d2h_queued, t + 10, layer, i, step, 1));
        out.push_back(rec(EventKind::d2h_start, t + 20, layer, i, step, 1));
        out.push_back(rec(EventKind::d2h_done, t + 600, layer, i, step, 1));
        main.push_back(rec(EventKind::release, t + 700, layer, i, step, 0));
        main.push_back(rec(EventKind::h2d_queued, t + 710, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        in.push_back(rec(EventKind::h2d_start, t + 720, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        in.push_back(rec(EventKind::h2d_done, t + 900, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        main.push_back(rec(EventKind::unpack, t + 950, layer, i, step, 0));
        main.push_back(rec(EventKind::swap_destroyed, t + 990, layer, i, step, 0));
        if (main.size() >= 8192) flush(main, 1), flush(out, 2), flush(in, 3);
      }
    }
  }
  if (!main.empty()) flush(main, 1), flush(out, 2), flush(in, 3);
  return bytes;
}

const std::vector<std::uint8_t>& log_of(std::size_t events) {
  static std::map<std::size_t, std::vector<std::uint8_t>> logs;
  auto& log = logs[events];
  if (log.empty()) log = make_log(events);
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
