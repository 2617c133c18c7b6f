#pragma once

// The benchmarks' synthetic logs as files: engine_shaped_log.h's logs,
// written chunk by chunk, so that making a log of 100 million events does
// not hold its 3.2 GB first; the benchmarks then open it as File > Open and
// tswap-log do.

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine_shaped_log.h"

namespace tswap::bench {

/// Writes a log of about `events` events shaped like the engine's
/// (engine_shaped_log.h, plain records) to `path`, chunk by chunk; once: a
/// file already there is kept; it is made under another name and renamed
/// when whole.
inline void write_log(const std::string& path, std::size_t events) {
  if (std::filesystem::exists(path)) return;
  const std::string partial = path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  tswap_bench::make_engine_shaped_log(events, 0, [&](const std::vector<std::uint8_t>& bytes) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
  out.close();
  if (!out) std::abort();
  std::filesystem::rename(partial, path);
}

/// The log of `events` events in the benchmarks' directory (made on first use).
inline std::string log_path(std::size_t events) {
  const std::string path = std::string(TSWAP_BENCH_DIR) + "/synthetic_" + std::to_string(events) + ".tswap";
  write_log(path, events);
  return path;
}

/// Note [Peak per benchmark]: getrusage's ru_maxrss is the process's peak
/// since it started, which one benchmark's large log would set for all the
/// ones after it. Linux resets the peak (VmHWM) on writing 5 to
/// /proc/self/clear_refs; the counters read VmHWM after each benchmark.
inline void reset_peak_rss() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

/// The peak resident set since the last reset_peak_rss(), in bytes
/// (getrusage's figure where /proc cannot say).
inline double peak_rss_bytes() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    double kb = -1;
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::strtod(line + 6, nullptr);
    }
    std::fclose(f);
    if (kb >= 0) return kb * 1024;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024;
}

}  // namespace tswap::bench
