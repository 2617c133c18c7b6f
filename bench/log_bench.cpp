// tswap-log summary and check at 10 and 50 million events, beside reading
// the same file into memory and nothing else (the yardstick: each
// command within twice the read):
//
//   BM_ReadFile/N   the file into a vector of bytes, as Trace::load did
//   BM_Load/N       Trace::load: read, validate every chunk, merge by time
//   BM_Summary/N    `tswap-log summary FILE`, output to a string
//   BM_Check/N      `tswap-log check FILE`, output to a string
//
// Every benchmark reports the process's peak resident set while it ran
// (Note [Peak per benchmark]) and the log's size. The logs are
// synthetic_log.h's, in the build directory; the first run writes them, so
// a figure is from a file in the page cache, as a log just recorded is.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <tswap/trace/trace.h>

#include "commands.h"
#include "synthetic_log.h"

namespace {

void report(benchmark::State& state, const std::string& path) {
  const double log_bytes = static_cast<double>(std::filesystem::file_size(path));
  const double peak = tswap::bench::peak_rss_bytes();
  state.counters["log_MB"] = log_bytes / 1e6;
  state.counters["peak_rss_MB"] = peak / 1e6;
  state.counters["peak_per_log"] = peak / log_bytes;
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(state.range(0)),
                                                      benchmark::Counter::kIsIterationInvariantRate);
}

template <class Run>
void measure(benchmark::State& state, Run run) {
  const std::string path = tswap::bench::log_path(static_cast<std::size_t>(state.range(0)));
  tswap::bench::reset_peak_rss();
  for (auto _ : state) run(path);
  report(state, path);
}

void BM_ReadFile(benchmark::State& state) {
  measure(state, [](const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    benchmark::DoNotOptimize(bytes.data());
  });
}

void BM_Load(benchmark::State& state) {
  measure(state, [](const std::string& path) {
    benchmark::DoNotOptimize(tswap::trace::Trace::load(path).events().size());
  });
}

void BM_Summary(benchmark::State& state) {
  measure(state, [&](const std::string& path) {
    std::ostringstream out, err;
    if (tswap::cli::summary(path, out, err) != 0) state.SkipWithError(err.str().c_str());
  });
}

void BM_Check(benchmark::State& state) {
  measure(state, [&](const std::string& path) {
    std::ostringstream out, err;
    // The synthetic log breaks rules (its copies come back in ascending
    // layer order, 10 % of its events): check prints each, as it would.
    const int status = tswap::cli::check(path, out, err);
    if (status != tswap::cli::kOk && status != tswap::cli::kFound) state.SkipWithError(err.str().c_str());
  });
}

// Side by side, size by size: the read first, then what it is compared with.
#define SIZES ->Arg(10'000'000)->Arg(50'000'000)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3)
BENCHMARK(BM_ReadFile) SIZES;
BENCHMARK(BM_Load) SIZES;
BENCHMARK(BM_Summary) SIZES;
BENCHMARK(BM_Check) SIZES;

}  // namespace

BENCHMARK_MAIN();
