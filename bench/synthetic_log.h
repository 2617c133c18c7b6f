#pragma once

// The benchmarks' synthetic logs, shaped like the engine's: 32 layers a
// step, each swap 10 events (created, queued, start, done, release, queued,
// start, done, unpack, destroyed) on two copy streams and a compute thread,
// in chunks of 8192 records per thread. Written to a file chunk by chunk, so
// that making a log of 100 million events does not hold its 3.2 GB first;
// the benchmarks then open it as File > Open and tswap-log do.

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tswap/trace/encode.h>

namespace tswap::bench {

/// Writes a log of about `events` events to `path` (once: a file already
/// there is kept; it is made under another name and renamed when whole).
inline void write_log(const std::string& path, std::size_t events) {
  using tswap::trace::EventKind;
  using tswap::trace::Record;
  if (std::filesystem::exists(path)) return;
  const std::string partial = path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
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
  std::vector<Record> main, copies_out, copies_in;
  auto drain = [&] {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    bytes.clear();
  };
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
        copies_out.push_back(rec(EventKind::d2h_start, t + 20, layer, i, step, 1));
        copies_out.push_back(rec(EventKind::d2h_done, t + 600, layer, i, step, 1));
        main.push_back(rec(EventKind::release, t + 700, layer, i, step, 0));
        main.push_back(rec(EventKind::h2d_queued, t + 710, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        copies_in.push_back(rec(EventKind::h2d_start, t + 720, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        copies_in.push_back(rec(EventKind::h2d_done, t + 900, layer, i, step, 2, tswap::trace::kFlagPrefetch));
        main.push_back(rec(EventKind::unpack, t + 950, layer, i, step, 0));
        main.push_back(rec(EventKind::swap_destroyed, t + 990, layer, i, step, 0));
        if (main.size() >= 8192) flush(main, 1), flush(copies_out, 2), flush(copies_in, 3), drain();
      }
    }
  }
  if (!main.empty()) flush(main, 1), flush(copies_out, 2), flush(copies_in, 3);
  drain();
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
