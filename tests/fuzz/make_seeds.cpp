// Writes the fuzz seeds (tests/fuzz/corpus/) with the recorder, as a
// training run records them: a compute thread and two copy workers (their
// own streams), two nested tags and a third, every event kind. Run it when
// the format changes, then commit what it wrote:
//   build/tests/tswap_fuzz_make_seeds tests/fuzz/corpus
//
//   run.tswap          two steps of two nested tags, three layers each, and
//                      a head: copies out and back on worker threads,
//                      prefetch, stalls both ways, deferred releases and a
//                      reuse, kept tensors for every reason, swaps created
//                      and destroyed; it passes tswap-log check
//   broken.tswap       one step of it with a release before its copy out
//                      ends and a layer that comes back twice
//   dropped.tswap      a step whose graph is dropped without backward, 3
//                      events dropped by the recorder (the end chunk says so)
//   cut.tswap          a session stopped after forward (unfinished swaps)
//   untimed.tswap      copies queued on a stream that cannot time them
//   incomplete.tswap   run.tswap without its end chunk (the process died
//                      after a flush)
//   torn.tswap         run.tswap cut in the middle of its last records chunk
// The seed-load test (seeds_test.cpp) checks that every committed seed
// loads.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/encode.h>
#include <tswap/trace/trace.h>

namespace {

using tswap::trace::EventKind;
using tswap::trace::KeepReason;
using tswap::trace::ReleaseReason;
namespace fs = std::filesystem;
namespace prof = tswap::profiler;

/// A named thread that runs what it is given, one call at a time, while the
/// caller waits: events land on the worker's own thread (its own chunks) in
/// the order the seed's schedule needs.
class Worker {
 public:
  explicit Worker(std::string name) : thread_([this, name] { loop(name); }) {}
  ~Worker() {
    run({});
    thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Runs `f` on the worker and returns when it is done; an empty `f` stops it.
  void run(std::function<void()> f) {
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = std::move(f);
    stop_ = !job_;
    pending_ = true;
    ready_.notify_one();
    done_.wait(lock, [this] { return !pending_; });
  }

 private:
  void loop(const std::string& name) {
    prof::name_this_thread(name);
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return pending_; });
      if (stop_) {
        pending_ = false;
        done_.notify_all();
        return;
      }
      job_();
      pending_ = false;
      done_.notify_all();
    }
  }

  // Guarded by mutex_: run() hands over a job and waits on done_; the
  // worker waits on ready_.
  std::mutex mutex_;
  std::condition_variable ready_, done_;
  std::function<void()> job_;
  bool pending_ = false, stop_ = false;
  std::thread thread_;  // last: starts after the fields it uses
};

/// One tag of the schedule: records on the calling thread.
struct Tag {
  std::uint16_t id;
  explicit Tag(const char* name) : id(prof::intern_tag(name)) {}

  void emit(EventKind kind, std::uint32_t step, std::uint16_t layer, std::uint32_t index = 0,
            std::uint64_t value = 0, std::uint8_t stream = 0, std::uint8_t flags = 0,
            std::uint8_t reason = 0) const {
    prof::Fields f;
    f.tag = id;
    f.step = step;
    f.layer = layer;
    f.index = index;
    f.value = value;
    f.stream = stream;
    f.flags = flags;
    f.reason = reason;
    prof::emit(kind, f);
    std::this_thread::sleep_for(std::chrono::microseconds(30));  // distinct, ordered times
  }
};

struct Streams {
  std::uint8_t d2h = prof::intern_stream("sim d2h");
  std::uint8_t h2d = prof::intern_stream("sim h2d");
  std::uint8_t accel = prof::intern_stream("accel copy");
};

constexpr std::uint64_t kMiB = 1 << 20;
const auto kFreed = static_cast<std::uint8_t>(ReleaseReason::freed);
const auto kDeferred = static_cast<std::uint8_t>(ReleaseReason::deferred_held);

/// Runs a stepped schedule: `layers` layers of `tag` (two tensors each,
/// index 0 and 1), copied out on `d2h`, back on `h2d`.
struct Schedule {
  const Tag& tag;
  const Streams& s;
  Worker& d2h;
  Worker& h2d;
  std::uint16_t layers = 3;
  bool release_early = false;  // broken: layer 0's release before its copy ends
  bool twice = false;          // broken: layer 1 comes back twice

  std::uint64_t bytes(std::uint16_t layer, std::uint32_t index) const {
    return (layer + 1) * kMiB + index * 4096;
  }

  void copy_out(std::uint32_t step, std::uint16_t l, std::uint32_t i) const {
    tag.emit(EventKind::swap_created, step, l, i, bytes(l, i));
    tag.emit(EventKind::d2h_queued, step, l, i, bytes(l, i), s.d2h);
    if (release_early && l == 0 && i == 0) tag.emit(EventKind::release, step, l, i, bytes(l, i), 0, 0, kFreed);
    d2h.run([&] {
      tag.emit(EventKind::d2h_start, step, l, i, bytes(l, i), s.d2h);
      tag.emit(EventKind::d2h_done, step, l, i, bytes(l, i), s.d2h);
    });
    if (release_early && l == 0 && i == 0) return;
    // Layer 1's second tensor is held elsewhere too: its release is deferred.
    const bool deferred = l == 1 && i == 1;
    tag.emit(EventKind::release, step, l, i, bytes(l, i), 0, 0, deferred ? kDeferred : kFreed);
  }

  void copy_back(std::uint32_t step, std::uint16_t l, std::uint32_t i, bool prefetch) const {
    const std::uint8_t flags = prefetch ? tswap::trace::kFlagPrefetch : 0;
    if (l == 1 && i == 1) {  // the deferred one is still alive: held again, no copy
      tag.emit(EventKind::reuse, step, l, i, bytes(l, i));
      return;
    }
    tag.emit(EventKind::h2d_queued, step, l, i, bytes(l, i), s.h2d, flags);
    h2d.run([&] {
      tag.emit(EventKind::h2d_start, step, l, i, bytes(l, i), s.h2d, flags);
      tag.emit(EventKind::h2d_done, step, l, i, bytes(l, i), s.h2d, flags);
    });
  }

  void forward(std::uint32_t step) const {
    tag.emit(EventKind::step_begin, step, 0);
    for (std::uint16_t l = 0; l < layers; ++l) {
      tag.emit(EventKind::layer_enter, step, l);
      if (l + 1 == layers) {
        // The last layer keeps what backward needs first.
        tag.emit(EventKind::kept, step, l, 0, 4096, 0, 0, static_cast<std::uint8_t>(KeepReason::min_bytes));
      } else {
        copy_out(step, l, 0);
        copy_out(step, l, 1);
      }
      if (l == 0) {
        tag.emit(EventKind::kept, step, l, 2, 512, 0, 0, static_cast<std::uint8_t>(KeepReason::parameter));
      }
      tag.emit(EventKind::layer_exit, step, l);
    }
  }

  /// The last layer unpacks what it kept; the last copied layer comes back
  /// on demand (backward stalls on it) and prefetches the one below; each
  /// layer under it prefetches the next.
  void backward(std::uint32_t step) const {
    for (int li = layers - 1; li >= 0; --li) {
      const auto l = static_cast<std::uint16_t>(li);
      tag.emit(EventKind::layer_enter, step, l);
      if (l + 2 == layers) {
        copy_back(step, l, 0, false);
        tag.emit(EventKind::stall, step, l, 0, 25000, 0, tswap::trace::kFlagWaitH2D);
        copy_back(step, l, 1, false);
      }
      tag.emit(EventKind::unpack, step, l, 0, 0);
      if (l + 1 < layers) tag.emit(EventKind::unpack, step, l, 1, 1);
      if (twice && l == 1) copy_back(step, l, 0, false);
      if (l >= 1 && l + 2 <= layers) {
        copy_back(step, static_cast<std::uint16_t>(l - 1), 0, true);
        copy_back(step, static_cast<std::uint16_t>(l - 1), 1, true);
      }
      tag.emit(EventKind::layer_exit, step, l);
    }
    for (std::uint16_t l = 0; l + 1 < layers; ++l) {
      tag.emit(EventKind::swap_destroyed, step, l, 0, 0);
      tag.emit(EventKind::swap_destroyed, step, l, 1, 0);
    }
  }
};

void start(const fs::path& path, const char* device) {
  prof::SessionOptions o;
  o.path = path.string();
  o.device = device;
  o.flush_interval = std::chrono::milliseconds(2);  // several chunks per thread
  prof::start_session(o);
}

struct Run {
  Streams streams;
  Tag block{"model.layer.*"}, mlp{"model.layer.*.mlp"}, head{"model.head"};
  Worker d2h{"sim d2h worker"}, h2d{"sim h2d worker"};
};

void record_run(Run& r, const fs::path& path) {
  start(path, "cpu (simulated)");
  const Schedule outer{r.block, r.streams, r.d2h, r.h2d, 3};
  const Schedule inner{r.mlp, r.streams, r.d2h, r.h2d, 2};
  for (std::uint32_t step = 1; step <= 2; ++step) {
    outer.forward(step);
    inner.forward(step);
    r.head.emit(EventKind::step_begin, step, 0);
    r.head.emit(EventKind::kept, step, 0, 0, 128, 0, 0, static_cast<std::uint8_t>(KeepReason::not_dense));
    for (auto reason : {KeepReason::no_storage, KeepReason::empty, KeepReason::view_of_parameter,
                        KeepReason::no_runtime, KeepReason::predicate}) {
      r.head.emit(EventKind::kept, step, 0, static_cast<std::uint32_t>(reason), 64, 0, 0,
                  static_cast<std::uint8_t>(reason));
    }
    inner.backward(step);
    outer.backward(step);
  }
  // A stall on a copy out (flags 0): the last step's optimizer waited.
  r.block.emit(EventKind::stall, 2, 0, 0, 1000, 0, 0);
  prof::stop_session();
}

void record_broken(Run& r, const fs::path& path) {
  start(path, "cpu (simulated)");
  Schedule s{r.block, r.streams, r.d2h, r.h2d, 3};
  s.release_early = true;
  s.twice = true;
  s.forward(1);
  s.backward(1);
  prof::stop_session();
}

void record_dropped(Run& r, const fs::path& path) {
  start(path, "");
  const Schedule s{r.block, r.streams, r.d2h, r.h2d, 3};
  s.forward(1);  // a validation forward: autograd drops the graph
  for (std::uint16_t l = 0; l < 2; ++l) {
    r.block.emit(EventKind::swap_destroyed, 1, l, 0, 0);
    r.block.emit(EventKind::swap_destroyed, 1, l, 1, l == 1 ? s.bytes(1, 1) : 0);
  }
  s.forward(2);
  s.backward(2);
  prof::stop_session();
}

void record_cut(Run& r, const fs::path& path) {
  start(path, "cpu (simulated)");
  const Schedule s{r.block, r.streams, r.d2h, r.h2d, 3};
  s.forward(1);
  prof::stop_session();
}

/// An accelerator runtime: copies are queued on its stream, never timed.
void record_untimed(Run& r, const fs::path& path) {
  start(path, "cuda:0 (no timing)");
  const std::uint8_t st = r.streams.accel;
  const Tag& t = r.block;
  t.emit(EventKind::step_begin, 1, 0);
  for (std::uint16_t l = 0; l < 2; ++l) {
    t.emit(EventKind::layer_enter, 1, l);
    t.emit(EventKind::swap_created, 1, l, 0, kMiB);
    t.emit(EventKind::d2h_queued, 1, l, 0, kMiB, st);
    t.emit(EventKind::release, 1, l, 0, kMiB, 0, 0, kFreed);
    t.emit(EventKind::layer_exit, 1, l);
  }
  for (int li = 1; li >= 0; --li) {
    const auto l = static_cast<std::uint16_t>(li);
    t.emit(EventKind::layer_enter, 1, l);
    t.emit(EventKind::h2d_queued, 1, l, 0, kMiB, st, l == 0 ? tswap::trace::kFlagPrefetch : 0);
    t.emit(EventKind::stall, 1, l, 0, 5000, 0, tswap::trace::kFlagWaitH2D);
    t.emit(EventKind::unpack, 1, l, 0, 0);
    t.emit(EventKind::swap_destroyed, 1, l, 0, 0);
    t.emit(EventKind::layer_exit, 1, l);
  }
  prof::stop_session();
}

std::vector<std::uint8_t> read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// Where each chunk of a log starts, and its header.
struct ChunkAt {
  std::size_t offset;
  tswap::trace::ChunkHeader header;
};
std::vector<ChunkAt> chunks(const std::vector<std::uint8_t>& bytes) {
  std::vector<ChunkAt> out;
  for (std::size_t at = sizeof(tswap::trace::FileHeader); at + sizeof(tswap::trace::ChunkHeader) <= bytes.size();) {
    ChunkAt c{at, {}};
    std::memcpy(&c.header, bytes.data() + at, sizeof c.header);
    out.push_back(c);
    at += sizeof c.header + c.header.payload_bytes;
  }
  return out;
}

/// `bytes` without its end chunk (the last chunk of a recorder's log).
std::vector<std::uint8_t> without_end(std::vector<std::uint8_t> bytes) {
  const std::vector<ChunkAt> c = chunks(bytes);
  if (c.empty() || c.back().header.type != static_cast<std::uint16_t>(tswap::trace::ChunkType::end)) {
    throw std::runtime_error("the recorder's log does not end with an end chunk");
  }
  bytes.resize(c.back().offset);
  return bytes;
}

/// The end chunk replaced by one that says `dropped` records were lost.
std::vector<std::uint8_t> with_dropped(const std::vector<std::uint8_t>& log, std::uint64_t dropped) {
  const std::vector<ChunkAt> c = chunks(log);
  tswap::trace::EndPayload end;
  std::memcpy(&end, log.data() + c.back().offset + sizeof(tswap::trace::ChunkHeader), sizeof end);
  end.records_dropped = dropped;
  std::vector<std::uint8_t> bytes = without_end(log);
  tswap::trace::append_chunk(bytes, tswap::trace::ChunkType::end, 0, 1, &end, sizeof end,
                             c.back().header.sequence);
  return bytes;
}

/// Cut in the middle of the last records chunk: a writer that died mid-write.
std::vector<std::uint8_t> torn(std::vector<std::uint8_t> bytes) {
  bytes = without_end(std::move(bytes));
  const std::vector<ChunkAt> c = chunks(bytes);
  for (auto it = c.rbegin(); it != c.rend(); ++it) {
    if (it->header.type == static_cast<std::uint16_t>(tswap::trace::ChunkType::records) &&
        it->header.count >= 2) {
      bytes.resize(it->offset + sizeof(tswap::trace::ChunkHeader) + it->header.payload_bytes / 2 + 5);
      return bytes;
    }
  }
  throw std::runtime_error("no records chunk to tear");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tswap_fuzz_make_seeds FOLDER\n");
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  prof::name_this_thread("main");
  {
    Run r;
    record_run(r, dir / "run.tswap");
    record_broken(r, dir / "broken.tswap");
    record_dropped(r, dir / "dropped.tswap");
    record_cut(r, dir / "cut.tswap");
    record_untimed(r, dir / "untimed.tswap");
  }
  write(dir / "dropped.tswap", with_dropped(read(dir / "dropped.tswap"), 3));
  const std::vector<std::uint8_t> run = read(dir / "run.tswap");
  write(dir / "incomplete.tswap", without_end(run));
  write(dir / "torn.tswap", torn(run));
  // Each must load (seeds_test.cpp checks the committed ones again).
  for (const char* name : {"run", "broken", "dropped", "cut", "untimed", "incomplete", "torn"}) {
    const fs::path p = dir / (std::string(name) + ".tswap");
    const tswap::trace::Trace t = tswap::trace::Trace::load(p.string());
    std::printf("%s: %zu events, %s%s\n", p.string().c_str(), t.events().size(),
                t.completeness().clean_end ? "complete" : "incomplete",
                t.completeness().bytes_lost ? " (torn)" : "");
  }
  return 0;
}
