// The profiler's costs.
//
// Recording, per event, on the thread that records:
//   BM_ClockRead_Steady     std::chrono::steady_clock::now() alone
//   BM_ClockRead_Rdtsc      rdtsc alone (x86-64)
//   BM_Emit_NoSession       emit() with no session active (a relaxed load)
//   BM_Emit_Session         emit() into an active session (the writer drains to /dev/null),
//                           tsc:0 on steady_clock, tsc:1 on the TSC clock, zstd:0 plain
//                           chunks, zstd:1 compressed at level 1; from one and from two
//                           threads at once; counters: dropped, and bytes written per event
//   BM_NvtxPushPop_NoTool   an NVTX push and pop with no tool attached
//   BM_MutexVector          the obvious alternative: a timestamp, a mutex and a vector push_back
// The writer thread, per record:
//   BM_WriterDrain          stop_session() with 2^20 records waiting in the ring: the writer
//                           converts, checksums (zstd:1 compresses) and writes them to /dev/null
// Reading a 10-million-event log (written once to $TMPDIR):
//   BM_ReadLog              tswap::trace::Trace::load (validate, decode, sort by time)
//   BM_PlainRead            reading the same file into memory, nothing else
// An engine-shaped 10-million-event log (engine_shaped_log.h), plain and zstd:
//   BM_EngineLogBytes       bytes per event on disk at zstd level 0 (plain), 1, 3
//   BM_ReadEngineLog        Trace::load of it, plain and zstd level 1

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/encode.h>
#include <tswap/trace/trace.h>

#include "engine_shaped_log.h"

#if TSWAP_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace {

using tswap::trace::EventKind;

tswap::profiler::Fields some_fields(std::uint32_t i) {
  tswap::profiler::Fields f;
  f.tag = 1;
  f.layer = static_cast<std::uint16_t>(i & 31);
  f.index = i;
  f.step = 3;
  f.value = 4096;
  return f;
}

void BM_ClockRead_Steady(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}

#if defined(__x86_64__)
void BM_ClockRead_Rdtsc(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(__rdtsc());
}
BENCHMARK(BM_ClockRead_Rdtsc);
#endif

void BM_Emit_NoSession(benchmark::State& state) {
  std::uint32_t i = 0;
  for (auto _ : state) tswap::profiler::emit(EventKind::d2h_queued, some_fields(i++));
}

/// range(0): 1 for the TSC clock, 0 for steady_clock; range(1): 1 for zstd.
void start_session(const benchmark::State& state) {
  if (state.range(0) != 0 && !tswap::profiler::tsc_available()) return;  // skipped
  if (state.range(1) != 0 && !tswap::trace::zstd_available()) return;    // skipped
  tswap::profiler::SessionOptions options;
  options.path = "/dev/null";
  options.thread_buffer_records = 1 << 22;  // the writer drains every 5 ms: no drops
  options.flush_interval = std::chrono::milliseconds(5);
  options.clock = state.range(0) != 0 ? tswap::profiler::ClockSource::tsc
                                      : tswap::profiler::ClockSource::steady;
  if (state.range(1) != 0) options.compression = tswap::profiler::Compression::zstd;
  tswap::profiler::start_session(options);
}

void stop_session(const benchmark::State&) {
  tswap::profiler::stop_session();
}

void BM_Emit_Session(benchmark::State& state) {
  if (state.range(0) != 0 && !tswap::profiler::tsc_available()) {
    state.SkipWithError("no invariant TSC on this CPU");
    return;
  }
  if (state.range(1) != 0 && !tswap::trace::zstd_available()) {
    state.SkipWithError("this build has no zstd");
    return;
  }
  std::uint32_t i = 0;
  for (auto _ : state) tswap::profiler::emit(EventKind::d2h_queued, some_fields(i++));
  if (state.thread_index() == 0) {
    // Drops so far; the writer catches up on the rest at the stop (a drop
    // happens only while recording, so this is the run's count).
    const tswap::profiler::SessionStats s = tswap::profiler::session_stats();
    state.counters["dropped"] = static_cast<double>(s.records_dropped);
    state.counters["written"] = static_cast<double>(s.records_written);
  }
}

#if TSWAP_HAVE_NVTX
void BM_NvtxPushPop_NoTool(benchmark::State& state) {
  for (auto _ : state) {
    nvtxRangePushA("d2h_queued model.layer.* L3");
    nvtxRangePop();
  }
}
BENCHMARK(BM_NvtxPushPop_NoTool);
#endif

void BM_MutexVector(benchmark::State& state) {
  // Shared by the benchmark's threads, as one recorder would be.
  static std::mutex mu;
  static std::vector<tswap::trace::Record> records;
  if (state.thread_index() == 0) {
    std::lock_guard<std::mutex> lock(mu);
    records.reserve(1 << 20);
  }
  std::uint32_t i = 0;
  for (auto _ : state) {
    tswap::trace::Record r{};
    r.host_ns =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    r.index = i++;
    std::lock_guard<std::mutex> lock(mu);
    if (records.size() == records.capacity()) records.clear();  // a writer took them
    records.push_back(r);
  }
}

BENCHMARK(BM_ClockRead_Steady);
BENCHMARK(BM_Emit_NoSession);
BENCHMARK(BM_Emit_Session)
    ->ArgNames({"tsc", "zstd"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Setup(start_session)
    ->Teardown(stop_session)
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_MutexVector)->Threads(1)->Threads(2);

void BM_WriterDrain(benchmark::State& state) {
  if (state.range(0) != 0 && !tswap::trace::zstd_available()) {
    state.SkipWithError("this build has no zstd");
    return;
  }
  constexpr std::uint32_t kRecords = 1u << 20;
  for (auto _ : state) {
    state.PauseTiming();
    tswap::profiler::SessionOptions options;
    options.path = "/dev/null";
    options.thread_buffer_records = kRecords;
    options.flush_interval = std::chrono::hours(1);  // nothing drained before the stop
    if (state.range(0) != 0) options.compression = tswap::profiler::Compression::zstd;
    tswap::profiler::start_session(options);
    for (std::uint32_t i = 0; i < kRecords; ++i) {
      tswap::profiler::emit(EventKind::d2h_queued, some_fields(i));
    }
    state.ResumeTiming();
    tswap::profiler::stop_session();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kRecords);
  state.counters["dropped"] = static_cast<double>(tswap::profiler::session_stats().records_dropped);
}
BENCHMARK(BM_WriterDrain)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr std::size_t kEvents = 10'000'000;

/// A 10-million-event log: 4 threads' chunks of 8192 records, interleaved.
const std::string& big_log() {
  static const std::string path = [] {
    const std::string p =
        (std::filesystem::temp_directory_path() / "tswap-bench-10M.tswap").string();
    tswap::trace::FileHeader h{};
    std::memcpy(h.magic, tswap::trace::kMagic, sizeof h.magic);
    h.version = 2;  // crafted with the 256-byte header of version 2 (3 adds a RunHeader): byte offsets stay put
    h.header_bytes = sizeof h;
    h.record_bytes = sizeof(tswap::trace::Record);
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&h), sizeof h);
    std::vector<std::uint8_t> bytes;
    const std::vector<tswap::trace::NamedString> names = {
        {tswap::trace::StringKind::tag, 1, "model.layer.*"},
        {tswap::trace::StringKind::thread, 1, "t"}};
    const auto payload = tswap::trace::encode_strings(names);
    std::uint64_t seq = 0;
    tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::strings, 0, 2, payload.data(),
                               payload.size(), seq++);
    std::vector<tswap::trace::Record> chunk(8192);
    for (std::size_t written = 0; written < kEvents; written += chunk.size()) {
      const std::size_t n = std::min(chunk.size(), kEvents - written);
      for (std::size_t i = 0; i < n; ++i) {
        tswap::trace::Record& r = chunk[i];
        r = {};
        r.host_ns = (written + i) * 100 + (written / 8192) % 4;  // threads interleave in time
        r.kind = static_cast<std::uint8_t>(EventKind::d2h_queued);
        r.tag = 1;
        r.index = static_cast<std::uint32_t>(i);
      }
      tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::records,
                                 static_cast<std::uint16_t>(1 + (written / 8192) % 4),
                                 static_cast<std::uint32_t>(n), chunk.data(),
                                 n * sizeof(tswap::trace::Record), seq++);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      bytes.clear();
    }
    return p;
  }();
  return path;
}

void report(benchmark::State& state) {
  const double bytes = static_cast<double>(std::filesystem::file_size(big_log()));
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(kEvents), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB_per_s"] =
      benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ReadLog(benchmark::State& state) {
  big_log();
  for (auto _ : state) {
    const tswap::trace::Trace t = tswap::trace::Trace::load(big_log());
    benchmark::DoNotOptimize(t.events().data());
  }
  report(state);
}

void BM_PlainRead(benchmark::State& state) {
  big_log();
  for (auto _ : state) {
    std::ifstream in(big_log(), std::ios::binary | std::ios::ate);
    std::vector<char> bytes(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    benchmark::DoNotOptimize(bytes.data());
  }
  report(state);
}

/// The engine-shaped log at zstd `level` (0: plain), written once to $TMPDIR.
const std::string& engine_log(int level) {
  static std::map<int, std::string> paths;
  std::string& p = paths[level];
  if (p.empty()) {
    p = (std::filesystem::temp_directory_path() /
         ("tswap-bench-engine-10M-zstd" + std::to_string(level) + ".tswap"))
            .string();
    const std::vector<std::uint8_t> bytes = tswap_bench::engine_shaped_log(kEvents, level);
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  return p;
}

void BM_EngineLogBytes(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  if (level != 0 && !tswap::trace::zstd_available()) {
    state.SkipWithError("this build has no zstd");
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) bytes = tswap_bench::engine_shaped_log(kEvents, level).size();
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / kEvents;
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_ReadEngineLog(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  if (level != 0 && !tswap::trace::zstd_available()) {
    state.SkipWithError("this build has no zstd");
    return;
  }
  const std::string& path = engine_log(level);
  std::size_t events = 0;
  for (auto _ : state) {
    const tswap::trace::Trace t = tswap::trace::Trace::load(path);
    events = t.events().size();
    benchmark::DoNotOptimize(t.events().data());
  }
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

BENCHMARK(BM_ReadLog)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_EngineLogBytes)->ArgName("zstd")->Arg(0)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_ReadEngineLog)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_PlainRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
