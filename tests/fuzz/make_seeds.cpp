// Writes the fuzz seeds (tests/fuzz/corpus/) with the recorder, as a
// training run records them: a compute thread and two copy workers (their
// own streams), two nested tags and a third, every event kind; and an
// accelerator run whose device times the writer thread writes late. Run it
// when the format changes, then commit what it wrote:
//   build/tests/tswap_fuzz_make_seeds tests/fuzz/corpus
//
//   run.tswap          two steps of two nested tags, three layers each, and
//                      a head: copies out and back on worker threads,
//                      prefetch, stalls both ways, deferred releases and a
//                      reuse, kept tensors for every reason, swaps created
//                      and destroyed, backward spans (host-timed) around
//                      the unpacks of each swapped layer; copy timing host;
//                      it passes tswap-log check
//   broken.tswap       one step of it with a release before its copy out
//                      ends and a layer that comes back twice
//   dropped.tswap      a step whose graph is dropped without backward, 3
//                      events dropped by the recorder (the end chunk says
//                      so); copy timing unknown
//   cut.tswap          a session stopped after forward (unfinished swaps)
//   untimed.tswap      an accelerator that cannot time: copies only queued
//                      on its stream, backward spans; copy timing none
//   device.tswap       two steps on an accelerator that times its streams
//                      (copy timing device): copies queued by the host
//                      (forward on main, backward on autograd's thread,
//                      prefetching in proportion), allocator
//                      samples at every layer boundary, and from the thread
//                      "tswap-log-writer", late and out of time order,
//                      clock anchors (a device clock 20 ppm slow) and
//                      device-timed copy starts and ends, layer and
//                      backward spans on the compute stream; each queued
//                      copy's nvtx_range record, as with Nsight attached
//   v1.tswap           one step of run.tswap's outer tag as version 1 wrote
//                      it (layer scopes around backward, no kind above 16)
//   incomplete.tswap   run.tswap without its end chunk (the process died
//                      after a flush)
//   torn.tswap         run.tswap cut in the middle of its last records chunk
//   compressed.tswap   run.tswap recorded with zstd (version 4: every records
//                      chunk compressed); only where the build has zstd
// The seed-load test (seeds_test.cpp) checks that every committed seed
// loads.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>
#include <tswap/trace/compression.h>
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
  bool version1 = false;       // v1: as the previous release wrote it, layer
                               // scopes around backward instead of backward spans

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
  /// layer under it prefetches the next. A layer that swapped is a backward
  /// span (core/saved_tensor_slot.cpp, Note [Backward layer spans]): it
  /// opens at its first unpack, before the wait for its copy, and closes
  /// after its last unpack (and the prefetch that unpack queued); the last
  /// layer kept everything and has no span.
  void backward(std::uint32_t step) const {
    for (int li = layers - 1; li >= 0; --li) {
      const auto l = static_cast<std::uint16_t>(li);
      const bool span = !version1 && l + 1 < layers;
      if (version1) tag.emit(EventKind::layer_enter, step, l);
      if (span) tag.emit(EventKind::backward_enter, step, l);
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
      if (span) tag.emit(EventKind::backward_exit, step, l);
      if (version1) tag.emit(EventKind::layer_exit, step, l);
    }
    for (std::uint16_t l = 0; l + 1 < layers; ++l) {
      tag.emit(EventKind::swap_destroyed, step, l, 0, 0);
      tag.emit(EventKind::swap_destroyed, step, l, 1, 0);
    }
  }
};

void start(const fs::path& path, const char* device, bool compressed = false) {
  prof::SessionOptions o;
  o.path = path.string();
  o.device = device;
  if (compressed) o.compression = prof::Compression::zstd;
  o.flush_interval = std::chrono::milliseconds(2);  // several chunks per thread
  prof::start_session(o);
}

struct Run {
  Streams streams;
  Tag block{"model.layer.*"}, mlp{"model.layer.*.mlp"}, head{"model.head"};
  Worker d2h{"sim d2h worker"}, h2d{"sim h2d worker"};
};

void record_run(Run& r, const fs::path& path, bool compressed = false) {
  start(path, "cpu (simulated)", compressed);
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
    t.emit(EventKind::backward_enter, 1, l);
    t.emit(EventKind::h2d_queued, 1, l, 0, kMiB, st, l == 0 ? tswap::trace::kFlagPrefetch : 0);
    t.emit(EventKind::stall, 1, l, 0, 5000, 0, tswap::trace::kFlagWaitH2D);
    t.emit(EventKind::unpack, 1, l, 0, 0);
    t.emit(EventKind::backward_exit, 1, l);
    t.emit(EventKind::swap_destroyed, 1, l, 0, 0);
  }
  prof::stop_session();
}

constexpr std::int64_t kUs = 1000;

/// An accelerator that times its streams, as core/accelerator_runtime.cpp
/// and core/device_timeline.cpp (Note [Device timeline]) record it. The
/// host only queues: its threads write the queueing (d2h_queued,
/// h2d_queued on the copy's stream), the layer boundaries, and at each
/// boundary the allocator's allocated then reserved bytes. When the device
/// got there is written by the recorder's writer thread once it finds the
/// timing events complete: late, with kFlagDeviceTime, in the order they
/// were marked, which is not the order of their times (a layer's copy out
/// ends after the layer itself, marked after it). Clock anchors come first
/// and then every millisecond (the engine: every second), with a device
/// clock 20 ppm slow. Device times are modelled on the host clock: a
/// launch latency, a layer's work, copies at 6 GB/s one after another on
/// their stream, each after what compute had queued when it was.
class Accelerator {
 public:
  struct Streams {
    std::uint8_t compute = prof::intern_stream("cuda:0 compute (stream 0)");
    std::uint8_t d2h = prof::intern_stream("cuda:0 d2h (stream 3)");
    std::uint8_t h2d = prof::intern_stream("cuda:0 h2d (stream 4)");
    std::uint8_t clock = prof::intern_stream("cuda:0 clock (stream 5)");
  };

  explicit Accelerator(const Tag& tag) : tag_(tag) {}

  /// A host boundary (layer_enter/exit, backward_enter/exit), its
  /// allocator samples, and its mark on the compute stream; `work`: the
  /// device time of the kernels queued after it.
  void boundary(EventKind kind, std::uint32_t step, std::uint16_t layer, std::int64_t work = 0) {
    tag_.emit(kind, step, layer);
    const std::uint64_t allocated = kParameters + resident_;
    // The caching allocator keeps what it reserved, in 2 MiB blocks.
    reserved_ = std::max(reserved_, (allocated + kWorkspace + 2 * kMiB - 1) / (2 * kMiB) * (2 * kMiB));
    tag_.emit(EventKind::device_allocated, step, layer, 0, allocated);
    tag_.emit(EventKind::device_reserved, step, layer, 0, reserved_);
    const std::int64_t at = std::max(prof::clock_ns() + kLaunch, compute_free_);
    compute_free_ = at + work;
    mark(kind, fields(step, layer, 0, 0, s.compute, 0), at);
  }

  /// A copy queued on the compute thread, timed on its stream.
  void copy(EventKind queued, std::uint32_t step, std::uint16_t layer, std::uint32_t index,
            std::uint64_t bytes, bool prefetch = false) {
    const bool out = queued == EventKind::d2h_queued;
    const std::uint8_t flags = prefetch ? tswap::trace::kFlagPrefetch : 0;
    const prof::Fields f = fields(step, layer, index, bytes, out ? s.d2h : s.h2d, flags);
    tag_.emit(queued, step, layer, index, bytes, f.stream, flags);
    // Nsight Systems attached: the queueing's NVTX range, by operation id.
    tag_.emit(EventKind::nvtx_range, step, layer, index, ++operation_ids_, f.stream, 0,
              static_cast<std::uint8_t>(queued));
    std::int64_t& stream_free = out ? d2h_free_ : h2d_free_;
    const std::int64_t start = std::max({prof::clock_ns() + kLaunch, compute_free_, stream_free});
    stream_free = start + static_cast<std::int64_t>(bytes) * 1000 / 6000;  // 6 GB/s
    mark(static_cast<EventKind>(static_cast<int>(queued) + 1), f, start);
    mark(static_cast<EventKind>(static_cast<int>(queued) + 2), f, stream_free);
    if (!out) {
      resident_ += bytes;
      back_[layer % 4][index % 2] = stream_free;
    }
  }

  /// The engine lets go of a layer's device copies at the next layer's
  /// first swap, once compute waits for the copies on the device: the host
  /// does not wait, so the release may come before the copy's device end.
  void release(std::uint32_t step, std::uint16_t layer, std::uint32_t index, std::uint64_t bytes) {
    resident_ -= bytes;
    tag_.emit(EventKind::release, step, layer, index, bytes, 0, 0, kFreed);
  }

  /// Backward uses a tensor: compute waits on its copy back, if any, on the
  /// device (the host does not, so no stall is recorded).
  void unpack(std::uint32_t step, std::uint16_t layer, std::uint32_t index) {
    tag_.emit(EventKind::unpack, step, layer, index, index);
    compute_free_ = std::max(compute_free_, back_[layer % 4][index % 2]);
  }

  void created(std::uint32_t step, std::uint16_t layer, std::uint32_t index, std::uint64_t bytes) {
    resident_ += bytes;
    tag_.emit(EventKind::swap_created, step, layer, index, bytes);
  }
  void destroyed(std::uint32_t step, std::uint16_t layer, std::uint32_t index, std::uint64_t bytes) {
    resident_ -= bytes;  // the copy back autograd let go of
    tag_.emit(EventKind::swap_destroyed, step, layer, index, bytes);
  }

  /// What the writer's flush does: an anchor when one is due, then every
  /// mark whose time has come, in marking order; the rest wait. With
  /// `all`, waits until every mark is due first (a stopping session).
  void resolve(bool all) {
    if (all) {
      std::int64_t last = 0;
      for (const Mark& m : pending_) last = std::max(last, m.at);
      while (prof::clock_ns() <= last) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    writer_.run([this] {
      const std::int64_t now = prof::clock_ns();
      if (anchors_ == 0 || now - last_anchor_ >= 1000 * kUs) {
        if (anchors_ == 0) first_anchor_ = now;
        const auto since = static_cast<std::uint64_t>(now - first_anchor_);
        prof::Fields a;
        a.value = since - since / 50000;  // the device clock runs 20 ppm slow
        a.index = anchors_++;
        a.stream = s.clock;
        prof::emit_at(EventKind::clock_anchor, a, now);
        last_anchor_ = now;
      }
      std::vector<Mark> waiting;
      for (Mark& m : pending_) {
        if (m.at > now) {
          waiting.push_back(m);
          continue;
        }
        m.f.flags |= tswap::trace::kFlagDeviceTime;
        prof::emit_at(m.kind, m.f, m.at);
      }
      pending_.swap(waiting);
    });
  }

  const Streams s;
  Worker autograd{"pt_autograd_0"};  // CUDA backward runs on autograd's device thread

 private:
  struct Mark {
    EventKind kind;
    prof::Fields f;
    std::int64_t at;  // when the device got there, on the host's clock
  };
  static constexpr std::int64_t kLaunch = 20 * kUs;
  static constexpr std::uint64_t kParameters = 48 * kMiB, kWorkspace = 3 * kMiB;

  prof::Fields fields(std::uint32_t step, std::uint16_t layer, std::uint32_t index,
                      std::uint64_t value, std::uint8_t stream, std::uint8_t flags) const {
    prof::Fields f;
    f.tag = tag_.id;
    f.step = step;
    f.layer = layer;
    f.index = index;
    f.value = value;
    f.stream = stream;
    f.flags = flags;
    return f;
  }
  void mark(EventKind kind, const prof::Fields& f, std::int64_t at) { pending_.push_back({kind, f, at}); }

  const Tag& tag_;
  Worker writer_{"tswap-log-writer"};  // the recorder's writer thread's name
  std::vector<Mark> pending_;          // marked, not yet written (any thread, one at a time)
  std::int64_t compute_free_ = 0, d2h_free_ = 0, h2d_free_ = 0;  // when each stream is idle
  std::uint64_t operation_ids_ = 0;  // the NVTX ranges' payloads (Note [Operation ids])
  std::int64_t back_[4][2] = {};       // when each tensor's copy back ends
  std::uint64_t resident_ = 0, reserved_ = 0;
  std::uint32_t anchors_ = 0;
  std::int64_t first_anchor_ = 0, last_anchor_ = 0;
};

/// Two steps of three layers on an accelerator with timing (Accelerator),
/// two tensors each, as the engine schedules them (core/saved_tensor_slot.cpp,
/// core/swap_schedule.cpp): layers 0 and 1 copy theirs out, each released
/// at the next layer's first swap; layer 2, the last, stays on the device.
/// Backward runs on autograd's thread: every layer's unpacks are a backward
/// span on the host and on the device, and each unpack prefetches the
/// tensor of the layer below in proportion.
void record_device(Run& r, const fs::path& path) {
  start(path, "cuda:0 (accelerator cuda:0)");
  prof::set_copy_timing(static_cast<std::uint8_t>(tswap::trace::CopyTiming::device));
  Accelerator a(r.block);
  a.resolve(false);  // the first flush: anchor 0
  const auto bytes = [](std::uint16_t l, std::uint32_t i) -> std::uint64_t {
    return (l + 1) * kMiB + i * 8192;
  };
  for (std::uint32_t step = 1; step <= 2; ++step) {
    r.block.emit(EventKind::step_begin, step, 0);
    for (std::uint16_t l = 0; l < 3; ++l) {
      a.boundary(EventKind::layer_enter, step, l, 150 * kUs);
      for (std::uint32_t i = 0; i < 2; ++i) {
        if (i == 0 && l > 0) {
          a.release(step, l - 1, 0, bytes(l - 1, 0));
          a.release(step, l - 1, 1, bytes(l - 1, 1));
        }
        a.created(step, l, i, bytes(l, i));
        if (l < 2) a.copy(EventKind::d2h_queued, step, l, i, bytes(l, i));
      }
      if (l == 0) {
        r.block.emit(EventKind::kept, step, l, 2, 512, 0, 0, static_cast<std::uint8_t>(KeepReason::parameter));
      }
      a.boundary(EventKind::layer_exit, step, l);
      a.resolve(false);
    }
    for (int li = 2; li >= 0; --li) {
      const auto l = static_cast<std::uint16_t>(li);
      a.autograd.run([&] {
        a.boundary(EventKind::backward_enter, step, l, 200 * kUs);
        for (std::uint32_t i = 0; i < 2; ++i) {
          a.unpack(step, l, i);
          if (l > 0) a.copy(EventKind::h2d_queued, step, l - 1, i, bytes(l - 1, i), /*prefetch=*/true);
        }
        a.boundary(EventKind::backward_exit, step, l);
      });
      a.resolve(false);
    }
    a.autograd.run([&] {
      for (std::uint16_t l = 0; l < 3; ++l) {
        a.destroyed(step, l, 0, bytes(l, 0));
        a.destroyed(step, l, 1, bytes(l, 1));
      }
    });
  }
  a.resolve(true);  // the stopping session waits for every mark
  prof::stop_session();
}

/// One step of run.tswap's outer tag as the previous release wrote it:
/// kinds 1 to 16 only, header version 1 (its copy_timing byte zero).
void record_version1(Run& r, const fs::path& path) {
  start(path, "cpu (simulated)");
  Schedule s{r.block, r.streams, r.d2h, r.h2d, 3};
  s.version1 = true;
  s.forward(1);
  s.backward(1);
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

/// The header of a version 1 log: version 1, zeros where version 2 keeps
/// the copy timing. Every record must be of a kind version 1 has.
std::vector<std::uint8_t> as_version1(std::vector<std::uint8_t> bytes) {
  const tswap::trace::Trace t = tswap::trace::Trace::parse(bytes.data(), bytes.size(), "v1.tswap");
  for (const auto& e : t.events()) {
    if (e.kind > tswap::trace::kLastEventKindV1) throw std::runtime_error("a kind version 1 does not have");
  }
  tswap::trace::FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  // Version 1 has no run header: the chunks follow the 256 bytes.
  if (h.header_bytes > sizeof h) {
    bytes.erase(bytes.begin() + sizeof h, bytes.begin() + h.header_bytes);
  }
  h.version = 1;
  h.header_bytes = sizeof h;
  h.copy_timing = 0;
  std::memcpy(bytes.data(), &h, sizeof h);
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
    // The header's copy_timing as the engine sets it at the first swap
    // (set_copy_timing() holds for every later session too).
    using tswap::trace::CopyTiming;
    const auto timing = [](CopyTiming t) { prof::set_copy_timing(static_cast<std::uint8_t>(t)); };
    Run r;
    timing(CopyTiming::host);  // the simulated runtime times its own copies
    record_run(r, dir / "run.tswap");
    if (tswap::trace::zstd_available()) record_run(r, dir / "compressed.tswap", true);
    record_broken(r, dir / "broken.tswap");
    record_cut(r, dir / "cut.tswap");
    timing(CopyTiming::unknown);  // a session that never learnt its device
    record_dropped(r, dir / "dropped.tswap");
    record_version1(r, dir / "v1.tswap");
    timing(CopyTiming::none);
    record_untimed(r, dir / "untimed.tswap");
    record_device(r, dir / "device.tswap");  // sets device timing itself, as the engine does
  }
  write(dir / "v1.tswap", as_version1(read(dir / "v1.tswap")));
  write(dir / "dropped.tswap", with_dropped(read(dir / "dropped.tswap"), 3));
  const std::vector<std::uint8_t> run = read(dir / "run.tswap");
  write(dir / "incomplete.tswap", without_end(run));
  write(dir / "torn.tswap", torn(run));
  // Each must load (seeds_test.cpp checks the committed ones again).
  for (const char* name : {"run", "compressed", "broken", "dropped", "cut", "untimed", "device", "v1",
                           "incomplete", "torn"}) {
    const fs::path p = dir / (std::string(name) + ".tswap");
    if (!fs::exists(p)) continue;  // compressed.tswap, in a build without zstd
    const tswap::trace::Trace t = tswap::trace::Trace::load(p.string());
    std::printf("%s: %zu events, %s%s, copy timing %s\n", p.string().c_str(), t.events().size(),
                t.completeness().clean_end ? "complete" : "incomplete",
                t.completeness().bytes_lost ? " (torn)" : "",
                tswap::trace::to_string(static_cast<tswap::trace::CopyTiming>(t.header().copy_timing)));
  }
  return 0;
}
