// Writes the logs the tswap-log tests run on, into the folder given:
//   good.tswap     a 3-layer swap schedule, two steps, recorded by the recorder
//   broken.tswap   the same with a release before its copy out ends
//   torn.tswap     good.tswap cut in the middle of its last chunk
//   text.tswap     not a log at all
//   nested.tswap   three steps of two nested tags, each beginning every step,
//                  and a third tag that begins only the last two
//   dropped.tswap  a step whose graph is dropped without backward, then a
//                  step that runs backward with a layer used from the device
//   cut.tswap      a session stopped after forward, before backward
//   compressed.tswap  good.tswap's schedule recorded with zstd (where the build has it)
// With --under-tswap-log (run with TSWAP_LOG set) it records nothing of its
// own: it names the device, as the engine does, and emits one step.
//
// With --crafted FOLDER it writes, with the encode API and docs/log-format.md
// alone, the hostile shapes the guard in docs/reliability.md runs every
// tswap-log command on:
//   huge_step.tswap     steps 20,000,000 and 2^32-1
//   layer_max.tswap     layer 65535 on every record, a new step per swap (~256 KB)
//   ids_beyond.tswap    tag, stream and thread ids no strings chunk names
//   time_max.tswap      times and values near 2^64-1, copies that end before they start
//   many_tags.tswap     65,535 tags x 16 layers (~35 MB)
//   double_end.tswap    two more end chunks after the first
//   after_end.tswap     strings and records chunks after the end chunk
//   boundary_cut.tswap  no end chunk, cut at a chunk boundary (a writer that stopped)
//   names.tswap         names with an ESC sequence, a newline and invalid UTF-8
//   large.tswap         2,097,152 events (~67 MB), for the exports
//
// With --disk-full FOLDER it records under RLIMIT_FSIZE (SIGXFSZ ignored),
// which fails writes with EFBIG as a full disk fails them with ENOSPC:
//   header.tswap        a limit of 100 bytes: the header cannot be written
//                       (the recorder removes the file and says so)
//   full.tswap          a limit of 4096 bytes: the first records chunk fails

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/encode.h>

#include "log_builder.h"

namespace {

using tswap::trace::EventKind;
namespace fs = std::filesystem;

struct Recorder {
  std::uint16_t tag;
  explicit Recorder(const char* tag_name = "cli.layer.*")
      : tag(tswap::profiler::intern_tag(tag_name)) {}
  std::uint8_t d2h = tswap::profiler::intern_stream("cli d2h");
  std::uint8_t h2d = tswap::profiler::intern_stream("cli h2d");

  void emit(EventKind kind, std::uint32_t step, std::uint16_t layer, std::uint8_t stream = 0,
            std::uint8_t flags = 0, std::uint8_t reason = 0) const {
    tswap::profiler::Fields f;
    f.tag = tag;
    f.step = step;
    f.layer = layer;
    f.value = 1 << 20;
    f.stream = stream;
    f.flags = flags;
    f.reason = reason;
    tswap::profiler::emit(kind, f);
    // Distinct, ordered host times.
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }

  /// Layers 0 and 1 swap out and come back; layer 2 is the last (a
  /// parameter kept, nothing copied).
  void step(std::uint32_t s, bool release_early) const {
    forward(s, release_early);
    backward(s);
  }

  void forward(std::uint32_t s, bool release_early = false) const {
    const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
    emit(EventKind::step_begin, s, 0);
    for (std::uint16_t l = 0; l < 3; ++l) {
      if (l > 0) {
        if (release_early && l == 1) emit(EventKind::release, s, 0, 0, 0, freed);
        emit(EventKind::d2h_done, s, l - 1, d2h);
        if (!(release_early && l == 1)) emit(EventKind::release, s, l - 1, 0, 0, freed);
      }
      if (l < 2) {
        emit(EventKind::d2h_queued, s, l, d2h);
        emit(EventKind::d2h_start, s, l, d2h);
      }
    }
    emit(EventKind::kept, s, 2, 0, 0, static_cast<std::uint8_t>(tswap::trace::KeepReason::parameter));
  }

  void backward(std::uint32_t s) const {
    for (int l = 2; l >= 0; --l) {
      const auto layer = static_cast<std::uint16_t>(l);
      if (l < 2) emit(EventKind::h2d_done, s, layer, h2d, tswap::trace::kFlagPrefetch);
      emit(EventKind::unpack, s, layer);
      if (l > 0) {
        emit(EventKind::h2d_queued, s, layer - 1, h2d, tswap::trace::kFlagPrefetch);
        emit(EventKind::h2d_start, s, layer - 1, h2d, tswap::trace::kFlagPrefetch);
      }
    }
  }
};

/// Autograd lets go of the step's swaps (a dropped graph, or after backward).
void destroy(const Recorder& r, std::uint32_t s) {
  for (std::uint16_t l = 0; l < 2; ++l) r.emit(EventKind::swap_destroyed, s, l);
}

void record_nested(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  const Recorder block("cli.block.*"), mlp("cli.block.*.mlp"), head("cli.head");
  for (std::uint32_t s = 1; s <= 3; ++s) {
    block.emit(EventKind::step_begin, s, 0);
    mlp.emit(EventKind::step_begin, s, 0);
    if (s > 1) head.emit(EventKind::step_begin, s - 1, 0);  // its steps count from 1
  }
  tswap::profiler::stop_session();
}

/// Step 1: a validation forward with grad on, its graph dropped. Step 2:
/// layer 1 is never released (layer 2 saved nothing) and backward uses it
/// from the device; layer 0 comes back as always.
void record_dropped(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  const Recorder r;
  r.forward(1);
  destroy(r, 1);
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  r.emit(EventKind::step_begin, 2, 0);
  r.emit(EventKind::d2h_queued, 2, 0, r.d2h);
  r.emit(EventKind::d2h_start, 2, 0, r.d2h);
  r.emit(EventKind::d2h_done, 2, 0, r.d2h);
  r.emit(EventKind::release, 2, 0, 0, 0, freed);
  r.emit(EventKind::d2h_queued, 2, 1, r.d2h);
  r.emit(EventKind::d2h_start, 2, 1, r.d2h);
  r.emit(EventKind::d2h_done, 2, 1, r.d2h);
  r.emit(EventKind::unpack, 2, 1);  // from the device: no release, no copy back
  r.emit(EventKind::h2d_queued, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::h2d_start, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::h2d_done, 2, 0, r.h2d, tswap::trace::kFlagPrefetch);
  r.emit(EventKind::unpack, 2, 0);
  destroy(r, 2);
  tswap::profiler::stop_session();
}

void record_cut(const fs::path& path) {
  tswap::profiler::start_session(path.string());
  Recorder().forward(1);
  tswap::profiler::stop_session();
}

void record(const fs::path& path, bool release_early, bool compressed = false) {
  tswap::profiler::SessionOptions options;
  options.path = path.string();
  if (compressed) options.compression = tswap::profiler::Compression::zstd;
  tswap::profiler::start_session(options);
  const Recorder r;
  r.step(1, release_early);
  r.step(2, false);
  tswap::profiler::stop_session();
}


// ---- Crafted logs (--crafted): written byte by byte, not recorded ----

using tswap::trace::NamedString;
using tswap::trace::Record;
using tswap::trace::StringKind;

constexpr std::uint16_t kCompute = 1, kD2H = 2, kH2D = 3;  // thread ids
constexpr std::uint8_t kStreamD2H = 1, kStreamH2D = 2;

/// Writes a log chunk by chunk: records wait per thread and go out 8192 at
/// a time, as the recorder writes them.
class CraftedLog {
 public:
  explicit CraftedLog(const fs::path& path, std::uint64_t start_ns = 1000)
      : out_(path, std::ios::binary | std::ios::trunc) {
    tswap::trace::FileHeader h{};
    std::memcpy(h.magic, tswap::trace::kMagic, sizeof h.magic);
    h.version = 2;  // crafted with the 256-byte header of version 2 (3 adds a RunHeader): byte offsets stay put
    h.header_bytes = sizeof h;
    h.record_bytes = sizeof(Record);
    h.pid = 4242;
    h.monotonic_start_ns = start_ns;
    h.wall_start_ns = 1795600000000000000ull;
    std::snprintf(h.clock, sizeof h.clock, "%s", "CLOCK_MONOTONIC");
    std::snprintf(h.process, sizeof h.process, "%s", "crafted");
    std::snprintf(h.host, sizeof h.host, "%s", "crafted-host");
    std::snprintf(h.device, sizeof h.device, "%s", "cpu (crafted)");
    header_ = h;
    out_.write(reinterpret_cast<const char*>(&h), sizeof h);
  }
  ~CraftedLog() { flush(); }

  tswap::trace::FileHeader& header() { return header_; }
  void rewrite_header() {
    const auto at = out_.tellp();
    out_.seekp(0);
    out_.write(reinterpret_cast<const char*>(&header_), sizeof header_);
    out_.seekp(at);
  }

  /// Names for tag 1, the two streams and the three threads.
  CraftedLog& standard_names(const std::string& tag = "crafted.layer.*") {
    return strings({{StringKind::tag, 1, tag},
                    {StringKind::stream, kStreamD2H, "crafted d2h"},
                    {StringKind::stream, kStreamH2D, "crafted h2d"},
                    {StringKind::thread, kCompute, "main"},
                    {StringKind::thread, kD2H, "copy out"},
                    {StringKind::thread, kH2D, "copy back"}});
  }
  CraftedLog& strings(const std::vector<NamedString>& s) {
    flush();
    const std::vector<std::uint8_t> payload = tswap::trace::encode_strings(s);
    chunk(tswap::trace::ChunkType::strings, 0, static_cast<std::uint32_t>(s.size()),
          payload.data(), payload.size());
    return *this;
  }
  void record(std::uint16_t thread, const Record& r) {
    std::vector<Record>& pending = pending_[thread];
    pending.push_back(r);
    ++records_;
    if (pending.size() == 8192) write_records(thread);
  }
  void flush() {
    for (auto& [thread, pending] : pending_) write_records(thread);
  }
  CraftedLog& end(std::uint64_t written, std::uint64_t dropped = 0) {
    flush();
    const tswap::trace::EndPayload e{written, dropped, 0, 0};
    chunk(tswap::trace::ChunkType::end, 0, 1, &e, sizeof e);
    return *this;
  }
  CraftedLog& end() { return end(records_); }
  std::uint64_t records() const { return records_; }

 private:
  void write_records(std::uint16_t thread) {
    std::vector<Record>& pending = pending_[thread];
    if (pending.empty()) return;
    chunk(tswap::trace::ChunkType::records, thread, static_cast<std::uint32_t>(pending.size()),
          pending.data(), pending.size() * sizeof(Record));
    pending.clear();
  }
  void chunk(tswap::trace::ChunkType type, std::uint16_t thread, std::uint32_t count,
             const void* payload, std::size_t bytes) {
    scratch_.clear();
    tswap::trace::append_chunk(scratch_, type, thread, count, payload, bytes, sequence_++);
    out_.write(reinterpret_cast<const char*>(scratch_.data()),
               static_cast<std::streamsize>(scratch_.size()));
  }

  std::ofstream out_;
  tswap::trace::FileHeader header_{};
  std::map<std::uint16_t, std::vector<Record>> pending_;
  std::vector<std::uint8_t> scratch_;
  std::uint64_t sequence_ = 0;
  std::uint64_t records_ = 0;
};

Record record_of(EventKind kind, std::uint64_t ns, std::uint16_t tag, std::uint32_t step,
                 std::uint16_t layer, std::uint32_t index, std::uint64_t value = 4096,
                 std::uint8_t stream = 0, std::uint8_t flags = 0, std::uint8_t reason = 0) {
  Record r = tswap_test::rec(kind, ns, layer, index, value, stream, flags, reason, step);
  r.tag = tag;
  return r;
}

/// Where a crafted schedule's records go and what they say.
struct Ids {
  std::uint16_t tag = 1;
  std::uint16_t compute = kCompute, d2h = kD2H, h2d = kH2D;
  std::uint8_t stream_d2h = kStreamD2H, stream_h2d = kStreamH2D;
};

/// One step of a legal schedule: `layers` layers of `tensors` swaps each
/// out in ascending order, back in descending order with prefetch, each
/// used and let go of (9 events per swap, and a step_begin). `layer_of`
/// maps the schedule's layer to the one recorded. `ns` advances.
template <class LayerOf>
void step_schedule(CraftedLog& log, const Ids& ids, std::uint32_t step, std::uint16_t layers,
                   std::uint32_t tensors, std::uint64_t& ns, LayerOf layer_of) {
  const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
  const std::uint8_t prefetch = tswap::trace::kFlagPrefetch;
  log.record(ids.compute, record_of(EventKind::step_begin, ns++, ids.tag, step, layer_of(0), 0, 0));
  for (std::uint16_t l = 0; l < layers; ++l) {
    for (std::uint32_t i = 0; i < tensors; ++i) {
      const std::uint16_t layer = layer_of(l);
      log.record(ids.compute, record_of(EventKind::d2h_queued, ns++, ids.tag, step, layer, i,
                                        4096, ids.stream_d2h));
      log.record(ids.d2h, record_of(EventKind::d2h_start, ns++, ids.tag, step, layer, i, 4096,
                                    ids.stream_d2h));
      log.record(ids.d2h, record_of(EventKind::d2h_done, ns++, ids.tag, step, layer, i, 4096,
                                    ids.stream_d2h));
      log.record(ids.compute,
                 record_of(EventKind::release, ns++, ids.tag, step, layer, i, 4096, 0, 0, freed));
    }
  }
  for (int l = layers - 1; l >= 0; --l) {
    for (std::uint32_t i = 0; i < tensors; ++i) {
      const std::uint16_t layer = layer_of(static_cast<std::uint16_t>(l));
      const std::uint8_t flags = l + 1 < layers ? prefetch : 0;
      log.record(ids.compute, record_of(EventKind::h2d_queued, ns++, ids.tag, step, layer, i,
                                        4096, ids.stream_h2d, flags));
      log.record(ids.h2d, record_of(EventKind::h2d_start, ns++, ids.tag, step, layer, i, 4096,
                                    ids.stream_h2d, flags));
      log.record(ids.h2d, record_of(EventKind::h2d_done, ns++, ids.tag, step, layer, i, 4096,
                                    ids.stream_h2d, flags));
    }
    // The layer's copies back were queued before its backward uses them.
    for (std::uint32_t i = 0; i < tensors; ++i) {
      const std::uint16_t layer = layer_of(static_cast<std::uint16_t>(l));
      log.record(ids.compute, record_of(EventKind::unpack, ns++, ids.tag, step, layer, i, i));
      log.record(ids.compute,
                 record_of(EventKind::swap_destroyed, ns++, ids.tag, step, layer, i, 0));
    }
  }
}

void step_schedule(CraftedLog& log, const Ids& ids, std::uint32_t step, std::uint16_t layers,
                   std::uint32_t tensors, std::uint64_t& ns) {
  step_schedule(log, ids, step, layers, tensors, ns, [](std::uint16_t l) { return l; });
}

void write_crafted(const fs::path& dir) {
  fs::create_directories(dir);
  {
    CraftedLog log(dir / "huge_step.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    for (std::uint32_t step : {20000000u, 20000001u, 4294967294u, 4294967295u})
      step_schedule(log, Ids{}, step, 4, 2, ns);
    log.end();
  }
  {
    // Each step swaps one tensor of layer 65535: ~900 steps in ~256 KB.
    CraftedLog log(dir / "layer_max.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    for (std::uint32_t step = 1; step <= 900; ++step)
      step_schedule(log, Ids{}, step, 1, 1, ns, [](std::uint16_t) { return std::uint16_t{65535}; });
    log.end();
  }
  {
    CraftedLog log(dir / "ids_beyond.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    step_schedule(log, Ids{}, 1, 2, 1, ns);
    Ids odd;
    odd.tag = 65535;
    odd.compute = 65535;
    odd.d2h = 40000;
    odd.h2d = 7;
    odd.stream_d2h = 255;
    odd.stream_h2d = 200;
    step_schedule(log, odd, 2, 3, 2, ns);
    odd.tag = 300;
    step_schedule(log, odd, 1, 2, 1, ns);
    log.end();
  }
  {
    CraftedLog log(dir / "time_max.tswap", std::numeric_limits<std::uint64_t>::max());
    log.header().wall_start_ns = std::numeric_limits<std::uint64_t>::max();
    log.rewrite_header();
    log.standard_names();
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t ns = max - 100000;
    step_schedule(log, Ids{}, 1, 3, 2, ns);
    const auto freed = static_cast<std::uint8_t>(tswap::trace::ReleaseReason::freed);
    // A copy that "ends" before it starts, a stall longer than the time
    // since the start, bytes near 2^64 in and out of the resident count.
    log.record(kD2H, record_of(EventKind::d2h_start, max - 10, 1, 2, 0, 0, max, kStreamD2H));
    log.record(kD2H, record_of(EventKind::d2h_done, max - 9, 1, 2, 0, 0, max, kStreamD2H));
    log.record(kH2D, record_of(EventKind::h2d_start, max - 8, 1, 2, 0, 1, max, kStreamH2D));
    log.record(kH2D, record_of(EventKind::h2d_done, max - 8, 1, 2, 0, 1, max, kStreamH2D));
    log.record(kCompute, record_of(EventKind::swap_created, max - 7, 1, 2, 0, 0, max));
    log.record(kCompute, record_of(EventKind::swap_created, max - 6, 1, 2, 0, 1, max));
    log.record(kCompute, record_of(EventKind::stall, max - 5, 1, 2, 0, 0, max));
    log.record(kCompute, record_of(EventKind::release, max - 4, 1, 2, 0, 0, max, 0, 0, freed));
    log.record(kCompute, record_of(EventKind::swap_destroyed, max - 1, 1, 2, 0, 1, max));
    log.record(kCompute, record_of(EventKind::kept, max, 1, 2, 0, 2, max, 0, 0, 200));
    log.flush();
    // Another thread's copy whose done precedes its start (times in one
    // thread's chunk out of order: the reader sorts them).
    log.record(kH2D, record_of(EventKind::h2d_start, max - 2, 1, 3, 0, 0, 1, kStreamH2D));
    log.record(kH2D, record_of(EventKind::h2d_done, 50, 1, 3, 0, 0, 1, kStreamH2D));
    log.end(max, max);
  }
  {
    // 65,535 tags of 16 layers, one swap out each (never back: the log
    // ends first).
    CraftedLog log(dir / "many_tags.tswap");
    std::vector<NamedString> names;
    for (std::uint32_t t = 1; t <= 65535; ++t) {
      char name[32];
      std::snprintf(name, sizeof name, "m.%05u.*", t);
      names.push_back(NamedString{StringKind::tag, t, name});
    }
    names.push_back(NamedString{StringKind::thread, kCompute, "main"});
    names.push_back(NamedString{StringKind::stream, kStreamD2H, "crafted d2h"});
    log.strings(names);
    std::uint64_t ns = 100;
    for (std::uint32_t t = 1; t <= 65535; ++t) {
      const auto tag = static_cast<std::uint16_t>(t);
      log.record(kCompute, record_of(EventKind::step_begin, ns++, tag, 1, 0, 0, 0));
      for (std::uint16_t l = 0; l < 16; ++l)
        log.record(kCompute, record_of(EventKind::d2h_queued, ns++, tag, 1, l, 0, 4096, kStreamD2H));
    }
    log.end();
  }
  {
    CraftedLog log(dir / "double_end.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    step_schedule(log, Ids{}, 1, 2, 1, ns);
    log.end();
    log.end(5, 1);
    log.end(7, 2);
  }
  {
    CraftedLog log(dir / "after_end.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    step_schedule(log, Ids{}, 1, 2, 1, ns);
    log.end();
    log.strings({{StringKind::tag, 2, "crafted.late.*"}});
    Ids late;
    late.tag = 2;
    step_schedule(log, late, 1, 1, 1, ns);
    log.flush();
  }
  {
    CraftedLog log(dir / "boundary_cut.tswap");
    log.standard_names();
    std::uint64_t ns = 100;
    step_schedule(log, Ids{}, 1, 2, 1, ns);
    log.flush();  // and no end chunk
  }
  {
    CraftedLog log(dir / "names.tswap");
    std::snprintf(log.header().process, sizeof log.header().process, "%s", "proc\x1b]0;owned\x07");
    std::snprintf(log.header().host, sizeof log.header().host, "%s", "host\nline");
    std::snprintf(log.header().device, sizeof log.header().device, "%s", "dev\xff\xfe");
    log.rewrite_header();
    log.strings({{StringKind::tag, 1, "evil\x1b[2J.*"},
                 {StringKind::stream, kStreamD2H, "d2h\x1b[31m"},
                 {StringKind::stream, kStreamH2D, "h2d\xc3"},
                 {StringKind::thread, kCompute, "main\r"},
                 {StringKind::thread, kD2H, "caf\xc3\xa9"},
                 {StringKind::thread, kH2D, "back\x7f"}});
    std::uint64_t ns = 100;
    step_schedule(log, Ids{}, 1, 2, 1, ns);
    std::uint64_t more = ns;
    log.record(kCompute, record_of(EventKind::d2h_queued, more, 1, 2, 0, 0, 4096, kStreamD2H));
    log.end();
  }
  {
    // 2^21 events: 2 tags, 512 steps each of 8 layers x 25 tensors (+ step_begin) ...
    CraftedLog log(dir / "large.tswap");
    log.strings({{StringKind::tag, 1, "large.layer.*"},
                 {StringKind::tag, 2, "large.layer.*.mlp"},
                 {StringKind::stream, kStreamD2H, "d2h"},
                 {StringKind::stream, kStreamH2D, "h2d"},
                 {StringKind::thread, kCompute, "main"},
                 {StringKind::thread, kD2H, "copy out"},
                 {StringKind::thread, kH2D, "copy back"}});
    std::uint64_t ns = 100;
    Ids second;
    second.tag = 2;
    for (std::uint32_t step = 1; log.records() + 2 * 1441 <= (1u << 21); ++step) {
      step_schedule(log, Ids{}, step, 8, 20, ns);   // 1441 events
      step_schedule(log, second, step, 8, 20, ns);
    }
    std::uint32_t i = 0;
    while (log.records() < (1u << 21))
      log.record(kCompute, record_of(EventKind::kept, ns++, 1, 1, 0, i++, 64, 0, 0, 7));
    log.end();
  }
}

// ---- A full disk (--disk-full) ----

bool set_file_size_limit(rlim_t bytes) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0) return false;
  limit.rlim_cur = bytes;
  return ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
}

int record_disk_full(const fs::path& dir) {
  fs::create_directories(dir);
  fs::remove(dir / "header.tswap");
  fs::remove(dir / "full.tswap");
  std::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead
  if (!set_file_size_limit(100)) {
    std::perror("setrlimit");
    return 1;
  }
  try {
    tswap::profiler::start_session((dir / "header.tswap").string());
    std::printf("header.tswap: the session started\n");
  } catch (const std::exception& e) {
    std::printf("%s\n", e.what());
  }
  std::printf("header.tswap: %s\n", fs::exists(dir / "header.tswap") ? "present" : "absent");
  if (!set_file_size_limit(4096)) {
    std::perror("setrlimit");
    return 1;
  }
  tswap::profiler::SessionOptions options;
  options.path = (dir / "full.tswap").string();
  options.flush_interval = std::chrono::hours(1);  // one drain, at the stop: deterministic
  tswap::profiler::start_session(options);
  const Recorder r;
  for (std::uint32_t s = 1; s <= 40; ++s) {
    tswap::profiler::Fields f;
    f.tag = r.tag;
    f.step = s;
    for (int i = 0; i < 10; ++i) tswap::profiler::emit(EventKind::kept, f);
  }
  tswap::profiler::stop_session();
  std::fflush(stderr);
  std::printf("full.tswap: %s\n", fs::exists(dir / "full.tswap") ? "present" : "absent");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--under-tswap-log") {
    tswap::profiler::set_device("cpu (make_test_logs)");
    Recorder().step(1, false);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--crafted") {
    write_crafted(argv[2]);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--disk-full") return record_disk_full(argv[2]);
  if (argc != 2) {
    std::fprintf(stderr,
                 "usage: tswap_make_test_logs FOLDER | --under-tswap-log | --crafted FOLDER | "
                 "--disk-full FOLDER\n");
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  record(dir / "good.tswap", false);
  record(dir / "broken.tswap", true);
  if (tswap::trace::zstd_available()) record(dir / "compressed.tswap", false, true);
  const auto size = fs::file_size(dir / "good.tswap");
  fs::copy_file(dir / "good.tswap", dir / "torn.tswap", fs::copy_options::overwrite_existing);
  fs::resize_file(dir / "torn.tswap", size - 40);  // into the last records chunk or the end chunk
  std::ofstream(dir / "text.tswap") << "this is a text file\n";
  record_nested(dir / "nested.tswap");
  record_dropped(dir / "dropped.tswap");
  record_cut(dir / "cut.tswap");
  return 0;
}
