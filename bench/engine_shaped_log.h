#pragma once

// A synthetic log shaped like the engine's, in memory, for the benchmarks
// (recorder_bench: bytes per event and reading, compressed or not;
// viewer_bench: loading and drawing): 32 layers a step, each swap 10 events
// (created, queued, start, done, release, queued, start, done, unpack,
// destroyed) on two copy streams and a compute thread, in chunks of 8192
// records as the recorder writes them. synthetic_log.h writes the same
// logs to files, chunk by chunk (100 million events are 3.2 GB).

#include <cstring>
#include <memory>
#include <vector>

#include <tswap/trace/compression.h>
#include <tswap/trace/encode.h>

namespace tswap_bench {

/// Makes about `events` events, handing the log's bytes to `sink` (called
/// with a vector it may take from: the vector is cleared after each call)
/// every 8192 records of the compute thread and at the end. zstd_level 0:
/// plain records chunks, in a log with the 256-byte header of version 2
/// (byte offsets as before version 3); otherwise a version 4 log whose
/// records chunks are zstd frames of that level, as the recorder writes
/// them (Note [Record columns]).
template <class Sink>
void make_engine_shaped_log(std::size_t events, int zstd_level, Sink&& sink) {
  using tswap::trace::EventKind;
  using tswap::trace::Record;
  tswap::trace::FileHeader h{};
  std::memcpy(h.magic, tswap::trace::kMagic, sizeof h.magic);
  h.version = zstd_level == 0 ? 2 : 4;
  h.header_bytes = tswap::trace::header_bytes_of(h.version);
  h.record_bytes = sizeof(Record);
  std::vector<std::uint8_t> bytes(h.header_bytes, 0);
  std::memcpy(bytes.data(), &h, sizeof h);
  using K = tswap::trace::StringKind;
  const auto names = tswap::trace::encode_strings({{K::tag, 1, "model.layer.*"}, {K::stream, 1, "d2h"},
                                                   {K::stream, 2, "h2d"}, {K::thread, 1, "main"},
                                                   {K::thread, 2, "d2h"}, {K::thread, 3, "h2d"}});
  std::uint64_t seq = 0;
  tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::strings, 0, 6, names.data(), names.size(), seq++);
  std::vector<Record> main, out, in;
  std::unique_ptr<tswap::trace::ZstdCompressor> zstd;
  if (zstd_level != 0) zstd = std::make_unique<tswap::trace::ZstdCompressor>(zstd_level);
  std::vector<std::uint8_t> columns, packed;
  auto flush = [&](std::vector<Record>& r, std::uint16_t thread) {
    const auto count = static_cast<std::uint32_t>(r.size());
    columns.resize(r.size() * sizeof(Record));
    if (zstd) tswap::trace::records_to_columns(r.data(), r.size(), columns.data());
    if (zstd && zstd->compress(columns.data(), columns.size(), packed)) {
      tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::records_zstd, thread, count,
                                 packed.data(), packed.size(), seq++);
    } else {
      tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::records, thread, count, r.data(),
                                 r.size() * sizeof(Record), seq++);
    }
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
        if (main.size() >= 8192) {
          flush(main, 1), flush(out, 2), flush(in, 3);
          sink(bytes);
          bytes.clear();
        }
      }
    }
  }
  if (!main.empty()) flush(main, 1), flush(out, 2), flush(in, 3);
  sink(bytes);
  bytes.clear();
}

/// The whole log in memory.
inline std::vector<std::uint8_t> engine_shaped_log(std::size_t events, int zstd_level = 0) {
  std::vector<std::uint8_t> log;
  make_engine_shaped_log(events, zstd_level, [&](const std::vector<std::uint8_t>& bytes) {
    log.insert(log.end(), bytes.begin(), bytes.end());
  });
  return log;
}

}  // namespace tswap_bench
