// Loading an Nsight Systems export of 1 million memcpys and 1 million kernels
// (plus the runtime calls that launched them), generated once into the build
// directory from the documented schema (tests/nsys/capture_builder.h):
//   BM_LoadCapture   tswap::nsys::Capture::load, with the peak resident set
//                    of the process (getrusage) as a counter

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include <tswap/nsys/capture.h>

#include "nsys/capture_builder.h"

namespace {

using tswap::nsys::testing::CaptureBuilder;
using tswap::nsys::testing::global_pid;
using tswap::nsys::testing::global_tid;

constexpr int kRows = 1000000;
constexpr std::uint32_t kPid = 4242;

// One prepared INSERT reused for every row: the builder's convenience insert
// prepares per row, too slow for millions.
void fill(CaptureBuilder& b, const char* sql, int rows, int columns,
          const std::function<std::int64_t(int row, int column)>& value) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(b.handle(), sql, -1, &stmt, nullptr) != SQLITE_OK) std::abort();
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) sqlite3_bind_int64(stmt, c + 1, value(r, c));
    if (sqlite3_step(stmt) != SQLITE_DONE) std::abort();
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
}

std::string capture_path() {
  const std::string path = std::string(TSWAP_BENCH_DIR) + "/nsys_2m_rows.sqlite";
  if (std::filesystem::exists(path)) return path;
  const std::string partial = path + ".partial";
  {
    CaptureBuilder b(partial);
    using namespace tswap::nsys::testing;
    for (const char* ddl :
         {kStringIdsDdl, kThreadNamesDdl, kNvtxDdl, kRuntimeDdl, kMemcpyDdl, kKernelDdl}) {
      b.exec(ddl);
    }
    b.string(1, "cudaMemcpyAsync_v3020");
    b.string(2, "cudaLaunchKernel_v7000");
    for (int k = 0; k < 8; ++k) {
      b.string(10 + k, "kernel_" + std::to_string(k));
      b.string(20 + k, "void kernel_" + std::to_string(k) + "<float>(float*)");
    }
    const std::int64_t tid = global_tid(kPid, kPid), pid = global_pid(kPid);
    // Row r: a copy at 10 us steps and a kernel between them; runtime calls
    // with correlation ids 2r (copy) and 2r+1 (kernel).
    fill(b,
         "INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME (start, end, eventClass, globalTid, "
         "correlationId, nameId, returnValue) VALUES (?, ?, 0, ?, ?, ?, 0)",
         2 * kRows, 5, [&](int r, int c) -> std::int64_t {
           const std::int64_t t = std::int64_t{r} * 5000;
           switch (c) {
             case 0:
               return t;
             case 1:
               return t + 800;
             case 2:
               return tid;
             case 3:
               return r;
             default:
               return 1 + (r & 1);
           }
         });
    fill(b,
         "INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY (start, end, deviceId, contextId, streamId, "
         "correlationId, globalPid, bytes, copyKind) VALUES (?, ?, 0, 1, ?, ?, ?, ?, ?)",
         kRows, 7, [&](int r, int c) -> std::int64_t {
           const std::int64_t t = std::int64_t{r} * 10000 + 1000;
           switch (c) {
             case 0:
               return t;
             case 1:
               return t + 4000;
             case 2:
               return 14 + (r & 1);
             case 3:
               return 2 * std::int64_t{r};
             case 4:
               return pid;
             case 5:
               return 1 << 20;
             default:
               return 1 + (r & 1);  // HtoD, DtoH
           }
         });
    fill(b,
         "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL (start, end, deviceId, contextId, streamId, "
         "correlationId, globalPid, demangledName, shortName, registersPerThread, gridX, gridY, "
         "gridZ, blockX, blockY, blockZ, staticSharedMemory, dynamicSharedMemory, "
         "localMemoryPerThread, localMemoryTotal, gridId) "
         "VALUES (?, ?, 0, 1, 7, ?, ?, ?, ?, 32, 1, 1, 1, 128, 1, 1, 0, 0, 0, 0, ?)",
         kRows, 7, [&](int r, int c) -> std::int64_t {
           const std::int64_t t = std::int64_t{r} * 10000 + 2000;
           switch (c) {
             case 0:
               return t;
             case 1:
               return t + 6000;
             case 2:
               return 2 * std::int64_t{r} + 1;
             case 3:
               return pid;
             case 4:
               return 20 + (r & 7);
             case 5:
               return 10 + (r & 7);
             default:
               return r;
           }
         });
  }
  std::filesystem::rename(partial, path);
  return path;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void BM_LoadCapture(benchmark::State& state) {
  const std::string path = capture_path();
  const double rss_before = peak_rss_mib();
  std::size_t rows = 0;
  for (auto _ : state) {
    const auto capture = tswap::nsys::Capture::load(path);
    rows = capture.memcpys().size() + capture.kernels().size() + capture.runtime_calls().size();
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["file_MiB"] =
      static_cast<double>(std::filesystem::file_size(path)) / (1024.0 * 1024.0);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["rss_before_MiB"] = rss_before;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_LoadCapture)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
