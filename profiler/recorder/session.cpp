// Recording sessions: thread registration, the writer thread, TSWAP_LOG.

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/profiler/emit.h>

#include "environment_options.h"
#include "log_writer.h"
#include "nvtx_internal.h"
#include "run_info.h"
#include "string_registry.h"
#include "thread_buffer.h"
#include "tsc_clock.h"

namespace tswap::profiler {
namespace detail {

std::atomic<bool> g_recording{false};

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxChunkRecords = 8192;  // 256 KiB payload

std::atomic<std::uint64_t> g_session_number{0};
// The session reads the TSC (Note [TSC clock]). Set before g_recording.
std::atomic<bool> g_tsc{false};

// Note [Stamps]: a record's host_ns, while in a ring, is a stamp the writer
// turns into ns since the session start: with kSteadyStamp set, the rest
// is CLOCK_MONOTONIC ns (emit_at, and emit() on the steady clock); without,
// TSC ticks (emit() on the TSC clock). So the hot path neither reads the
// session start nor clamps, and emit_at() keeps its exact time in a TSC
// session. Neither clock comes near bit 63 (2^63 ns or ticks is decades
// of uptime).
constexpr std::uint64_t kSteadyStamp = std::uint64_t{1} << 63;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

/// The active session: its file and its writer thread.
struct Session {
  SessionOptions options;
  trace::RunHeader run{};  // guarded by Recorder::control: the header's, as last written
  bool own_device = false;  // options.device was given: set_device() leaves the header alone
  std::unique_ptr<LogWriter> log;
  std::thread writer;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;  // guarded by mu
  std::size_t strings_cursor = 0;
  std::atomic<std::uint64_t> records_written{0};
  std::atomic<std::uint64_t> dropped_by_finished{0};  // by threads whose buffers are gone
  bool failed = false;                                // writer thread only
  std::int64_t start_ns = 0;                          // steady_clock at the start
  bool tsc = false;                                   // the threads read the TSC
  TscTimeline timeline;                               // writer thread only, when tsc
};

/// Process-wide recorder state. Leaked on purpose: threads record during
/// static destruction.
struct Recorder {
  std::mutex control;  // serializes start and stop
  std::mutex mu;       // guards buffers
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  std::atomic<std::size_t> buffer_records{1 << 16};
  std::unique_ptr<Session> session;  // guarded by control
  SessionStats last;                 // guarded by control
  std::string device;                // guarded by control: set_device(), for sessions without one
  std::uint8_t copy_timing = 0;      // guarded by control: set_copy_timing()
  RunInfo run;                       // guarded by control: set_run_info()
  bool run_set = false;              // guarded by control: run comes from set_run_info()
};

/// The flush hooks (add_flush_hook). Their own mutex, held while they run,
/// so that remove_flush_hook() returns only once no call is in progress.
struct FlushHooks {
  std::mutex mu;
  std::map<std::uint64_t, FlushHook> hooks;
  std::uint64_t next_id = 1;
};

FlushHooks& flush_hooks() {
  static auto* h = new FlushHooks();  // leaked, as the recorder is
  return *h;
}

void run_flush_hooks(bool final) {
  FlushHooks& h = flush_hooks();
  std::lock_guard<std::mutex> lock(h.mu);
  for (auto& [id, hook] : h.hooks) {
    try {
      hook(final);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tensorswap profiler: a flush hook failed: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "tensorswap profiler: a flush hook failed\n");
    }
  }
}

Recorder& recorder() {
  static auto* r = new Recorder();
  return *r;
}

/// The hot path's view of t_slot.buffer: a trivial thread_local needs no
/// guard on access (one with a destructor, as ThreadSlot, checks whether
/// it was constructed on every access).
thread_local ThreadBuffer* t_buffer = nullptr;

/// The calling thread's buffer and name.
struct ThreadSlot {
  std::shared_ptr<ThreadBuffer> buffer;
  std::string name;
  ~ThreadSlot() {
    t_buffer = nullptr;  // the writer may free the buffer from now on
    if (buffer) buffer->orphaned.store(true);
  }
};
thread_local ThreadSlot t_slot;

std::string current_thread_name() {
  char name[32] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof name) != 0 || name[0] == '\0') {
    return "thread " + std::to_string(static_cast<long>(::gettid()));
  }
  return name;
}

ThreadBuffer* register_thread() noexcept {
  try {
    const std::string name = t_slot.name.empty() ? current_thread_name() : t_slot.name;
    const std::uint32_t id = StringRegistry::get().add_thread(name);
    Recorder& r = recorder();
    auto buffer = std::make_shared<ThreadBuffer>(
        static_cast<std::uint16_t>(std::min<std::uint32_t>(id, 0xffff)), r.buffer_records.load());
    {
      std::lock_guard<std::mutex> lock(r.mu);
      r.buffers.push_back(buffer);
    }
    t_slot.buffer = std::move(buffer);
    t_buffer = t_slot.buffer.get();
    return t_buffer;
  } catch (...) {
    return nullptr;  // never throw into the caller's training loop
  }
}

std::vector<std::shared_ptr<ThreadBuffer>> snapshot_buffers() {
  Recorder& r = recorder();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.buffers;
}

/// Frees the buffers of threads that ended, once drained, keeping their
/// drop counts for the end chunk.
void forget_finished_buffers(Session& s) {
  Recorder& r = recorder();
  std::lock_guard<std::mutex> lock(r.mu);
  r.buffers.erase(std::remove_if(r.buffers.begin(), r.buffers.end(),
                                 [&](const std::shared_ptr<ThreadBuffer>& b) {
                                   if (!b->orphaned.load() || b.use_count() != 1) return false;
                                   s.dropped_by_finished.fetch_add(b->dropped());
                                   return true;
                                 }),
                  r.buffers.end());
}

/// Turns the stamps of one thread's drained records into ns since the
/// session start (Note [Stamps]).
void stamps_to_times(Session& s, ThreadBuffer& b, trace::Record* records, std::size_t n) {
  const std::int64_t start = s.start_ns;
  const auto since_start = [start](std::int64_t steady) {
    return steady > start ? static_cast<std::uint64_t>(steady - start) : 0;
  };
  for (trace::Record* r = records; r != records + n; ++r) {
    if ((r->host_ns & kSteadyStamp) != 0) {
      r->host_ns = since_start(static_cast<std::int64_t>(r->host_ns & ~kSteadyStamp));
      continue;
    }
    if (!s.tsc) {
      // Ticks in a steady_clock session: a thread that read the last
      // session's clock, then slept through its stop and this start. No
      // anchor of this session says when: at its start.
      r->host_ns = 0;
      continue;
    }
    // Ticks: never before the thread's last (Note [TSC clock]).
    r->host_ns = std::max(since_start(s.timeline.steady_ns(r->host_ns)), b.last_ns);
    b.last_ns = r->host_ns;
  }
}

/// Writes what every thread recorded since the last drain (writer thread).
void drain(Session& s) {
  if (s.failed) {
    for (auto& b : snapshot_buffers()) b->discard();
    return;
  }
  // Before any ring is read: the records taken now were recorded before it.
  if (s.tsc) s.timeline.advance(read_anchor());
  bool ok = s.log->write_strings(StringRegistry::get().since(s.strings_cursor));
  for (auto& b : snapshot_buffers()) {
    // Straight from the ring: no copy of the records before the chunk's.
    b->drain([&](trace::Record* records, std::size_t count) {
      stamps_to_times(s, *b, records, count);
      for (std::size_t at = 0; ok && at < count; at += kMaxChunkRecords) {
        const std::size_t n = std::min(kMaxChunkRecords, count - at);
        ok = s.log->write_records(b->thread_id(), records + at, n);
        if (ok) s.records_written.fetch_add(n, std::memory_order_relaxed);
      }
    });
  }
  forget_finished_buffers(s);
  if (!ok) {
    // Say so once, stop recording, never throw into training.
    std::fprintf(stderr, "tensorswap profiler: writing %s failed (%s); recording stopped\n",
                 s.options.path.c_str(), s.log->error().c_str());
    g_recording.store(false);
    s.failed = true;
  }
}

void writer_main(Session* s) {
  name_this_thread("tswap-log-writer");
  std::unique_lock<std::mutex> lock(s->mu);
  while (!s->stopping) {
    s->wake.wait_for(lock, s->options.flush_interval);
    lock.unlock();
    run_flush_hooks(false);
    drain(*s);
    lock.lock();
  }
  lock.unlock();
  drain(*s);  // what was recorded before the stop, the final flush hooks' records too
}

std::uint64_t dropped_total(const Session& s) {
  std::uint64_t n = s.dropped_by_finished.load();
  for (auto& b : snapshot_buffers()) n += b->dropped();
  return n;
}

/// The header's device field: the session's own, else set_device()'s.
void fill_device(char (&field)[sizeof(trace::FileHeader::device)], const std::string& device) {
  std::memset(field, 0, sizeof field);
  std::snprintf(field, sizeof field, "%s", device.c_str());
}

void fill_header(trace::FileHeader& h, const SessionOptions& options, std::int64_t start_ns,
                 std::uint8_t copy_timing, bool tsc) {
  std::memcpy(h.magic, trace::kMagic, sizeof h.magic);
  // Version 4 only where it holds compressed chunks (format.h).
  h.version = options.compression == Compression::none ? trace::kUncompressedFormatVersion
                                                       : trace::kFormatVersion;
  h.header_bytes = trace::header_bytes_of(h.version);
  h.record_bytes = sizeof(trace::Record);
  h.pid = static_cast<std::uint32_t>(::getpid());
  h.monotonic_start_ns = static_cast<std::uint64_t>(start_ns);
  h.wall_start_ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::snprintf(h.clock, sizeof h.clock, "%s", "CLOCK_MONOTONIC");
  std::snprintf(h.process, sizeof h.process, "%s", program_invocation_short_name);
  ::gethostname(h.host, sizeof h.host - 1);
  fill_device(h.device, options.device);
  h.copy_timing = copy_timing;
  h.host_clock = static_cast<std::uint8_t>(tsc ? trace::HostClock::tsc : trace::HostClock::steady);
}

/// Whether a session of `options` reads the TSC. Throws where it asks for
/// a TSC this CPU does not have.
bool session_reads_tsc(const SessionOptions& options) {
  switch (options.clock) {
    case ClockSource::automatic:
      return invariant_tsc();
    case ClockSource::steady:
      return false;
    case ClockSource::tsc:
      if (!invariant_tsc()) {
        throw std::runtime_error(
            "tensorswap profiler: clock tsc asked for, but this CPU has no invariant TSC "
            "(CPUID 0x80000007 EDX bit 8; x86-64 only): use ClockSource::automatic, which "
            "falls back to steady_clock, or ClockSource::steady");
      }
      return true;
  }
  throw std::runtime_error("tensorswap profiler: unknown clock source " +
                           std::to_string(static_cast<int>(options.clock)));
}

}  // namespace

namespace {

/// The hot path of emit() and emit_at(): one record into the thread's ring.
inline void push_record(std::uint64_t stamp, trace::EventKind kind, const Fields& f) noexcept {
  ThreadBuffer* b = t_buffer;
  if (b == nullptr && (b = register_thread()) == nullptr) return;
  trace::Record r;
  r.host_ns = stamp;
  r.value = f.value;
  r.index = f.index;
  r.step = f.step;
  r.tag = f.tag;
  r.layer = f.layer;
  r.kind = static_cast<std::uint8_t>(kind);
  r.stream = f.stream;
  r.reason = f.reason;
  r.flags = f.flags;
  b->push(r);
}

/// The compressor of a session of `options`, or null. Throws where it
/// cannot compress as asked.
std::unique_ptr<trace::ZstdCompressor> make_compressor(const SessionOptions& options) {
  switch (options.compression) {
    case Compression::none:
      return nullptr;
    case Compression::zstd:
      try {
        return std::make_unique<trace::ZstdCompressor>(options.compression_level);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("tensorswap profiler: compression zstd: ") + e.what());
      }
  }
  throw std::runtime_error("tensorswap profiler: unknown compression " +
                           std::to_string(static_cast<int>(options.compression)));
}

}  // namespace

void append_at(trace::EventKind kind, const Fields& f, std::int64_t steady) noexcept {
  push_record(steady > 0 ? static_cast<std::uint64_t>(steady) | kSteadyStamp : kSteadyStamp, kind,
              f);
}

void append(trace::EventKind kind, const Fields& f) noexcept {
  const std::uint64_t stamp = g_tsc.load(std::memory_order_relaxed)
                                  ? read_tsc() & ~kSteadyStamp
                                  : static_cast<std::uint64_t>(steady_ns()) | kSteadyStamp;
  push_record(stamp, kind, f);
}

}  // namespace detail

using detail::recorder;

void start_session(const SessionOptions& options) {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  if (r.session) {
    throw std::runtime_error("tensorswap profiler: a session is already recording to " +
                             r.session->options.path + "; stop it first");
  }
  if (options.path.empty()) throw std::runtime_error("tensorswap profiler: no log path given");
  auto s = std::make_unique<detail::Session>();
  s->options = options;
  s->own_device = !options.device.empty();
  if (!s->own_device) s->options.device = r.device;
  // The rank as the program set it, else as the launcher did (throws on a
  // bad RANK); it names the file and goes into the header.
  if (!r.run_set) r.run = run_info_from_environment();
  s->options.path = detail::expand_log_path(options.path, r.run);
  detail::fill_run_header(s->run, r.run);
  s->tsc = detail::session_reads_tsc(options);                 // throws
  auto compressor = detail::make_compressor(options);          // throws
  if (s->tsc) {
    const double rate = detail::calibrated_ns_per_tick();  // the first time: ~5 ms
    s->timeline.start(detail::read_anchor(), rate);
  }
  const std::int64_t start = detail::steady_ns();
  s->start_ns = start;
  trace::FileHeader header{};
  detail::fill_header(header, s->options, start, r.copy_timing, s->tsc);
  s->log = std::make_unique<detail::LogWriter>(s->options.path, header, s->run,
                                               std::move(compressor));  // throws
  r.buffer_records.store(options.thread_buffer_records);
  for (auto& b : detail::snapshot_buffers()) {
    b->discard();  // left over from before: not this session's
    b->reset_dropped();
    b->last_ns = 0;
  }
  detail::g_tsc.store(s->tsc);
  detail::g_session_number.fetch_add(1);
  s->writer = std::thread(detail::writer_main, s.get());
  r.session = std::move(s);
  detail::g_recording.store(true);
  detail::nvtx_session_mark(header.monotonic_start_ns, header.pid);
}

void start_session(const std::string& path) {
  SessionOptions options;
  options.path = path;
  start_session(options);
}

void stop_session() {
  detail::Recorder& r = recorder();
  // Late records (device timing) while recording is still on; the writer's
  // last drain below writes them. Before taking `control`: a hook may call
  // what takes it (set_copy_timing, when device timing fails).
  if (recording()) detail::run_flush_hooks(true);
  std::lock_guard<std::mutex> control(r.control);
  if (!r.session) return;
  detail::Session& s = *r.session;
  detail::g_recording.store(false);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopping = true;
  }
  s.wake.notify_one();
  s.writer.join();
  trace::EndPayload end{};
  end.records_written = s.records_written.load();
  end.records_dropped = detail::dropped_total(s);
  end.host_ns = static_cast<std::uint64_t>(detail::steady_ns() - s.start_ns);
  if (!s.failed && !s.log->write_end(end)) {
    std::fprintf(stderr, "tensorswap profiler: writing the end of %s failed (%s)\n",
                 s.options.path.c_str(), s.log->error().c_str());
  }
  r.last = SessionStats{end.records_written, end.records_dropped, s.log->bytes_written(),
                        s.tsc ? ClockSource::tsc : ClockSource::steady};
  r.session.reset();
}

bool session_active() {
  return recording();
}

namespace {

void name_device(std::string_view device, bool unless_named) {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  if (unless_named && !r.device.empty()) return;
  r.device = std::string(device);
  if (!r.session || r.session->own_device) return;
  r.session->options.device = r.device;
  char field[sizeof(trace::FileHeader::device)];
  detail::fill_device(field, r.device);
  if (!r.session->log->rewrite_device(field)) {
    std::fprintf(stderr, "tensorswap profiler: cannot write the device into %s\n",
                 r.session->options.path.c_str());
  }
}

}  // namespace

void set_device(std::string_view device) {
  name_device(device, /*unless_named=*/false);
}

void suggest_device(std::string_view device) {
  name_device(device, /*unless_named=*/true);
}

void set_run_info(const RunInfo& info) {
  detail::check_run_info(info);
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  r.run = info;
  r.run_set = true;
  if (!r.session) return;
  detail::fill_run_header(r.session->run, info);
  if (!r.session->log->rewrite_run(r.session->run)) {
    std::fprintf(stderr, "tensorswap profiler: cannot write the rank into %s\n",
                 r.session->options.path.c_str());
  }
}

RunInfo run_info() {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  return r.run;
}

void set_clock_offset(std::int64_t offset_ns, std::uint64_t uncertainty_ns,
                      std::uint32_t rounds) {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  if (!r.session) return;
  trace::RunHeader& h = r.session->run;
  h.flags |= trace::kRunClockAligned;
  h.clock_offset_ns = offset_ns;
  h.clock_uncertainty_ns = uncertainty_ns;
  h.clock_rounds = rounds;
  if (!r.session->log->rewrite_run(h)) {
    std::fprintf(stderr, "tensorswap profiler: cannot write the clock offset into %s\n",
                 r.session->options.path.c_str());
  }
}

std::string expand_log_path(const std::string& path) {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  return detail::expand_log_path(path, r.run_set ? r.run : run_info_from_environment());
}

void set_copy_timing(std::uint8_t copy_timing) {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  r.copy_timing = copy_timing;
  if (!r.session) return;
  if (!r.session->log->rewrite_copy_timing(copy_timing)) {
    std::fprintf(stderr, "tensorswap profiler: cannot write the copy timing into %s\n",
                 r.session->options.path.c_str());
  }
}

std::int64_t clock_ns() noexcept {
  return detail::steady_ns();
}

std::uint64_t session_number() noexcept {
  return detail::g_session_number.load();
}

std::uint64_t add_flush_hook(FlushHook hook) {
  detail::FlushHooks& h = detail::flush_hooks();
  std::lock_guard<std::mutex> lock(h.mu);
  const std::uint64_t id = h.next_id++;
  h.hooks.emplace(id, std::move(hook));
  return id;
}

void remove_flush_hook(std::uint64_t id) {
  detail::FlushHooks& h = detail::flush_hooks();
  std::lock_guard<std::mutex> lock(h.mu);
  h.hooks.erase(id);
}

SessionStats session_stats() {
  detail::Recorder& r = recorder();
  std::lock_guard<std::mutex> control(r.control);
  if (!r.session) return r.last;
  return SessionStats{r.session->records_written.load(), detail::dropped_total(*r.session),
                      r.session->log->bytes_written(),
                      r.session->tsc ? ClockSource::tsc : ClockSource::steady};
}

std::uint16_t intern_tag(std::string_view name) {
  return static_cast<std::uint16_t>(
      detail::StringRegistry::get().intern(trace::StringKind::tag, name, 0xffff));
}

std::uint8_t intern_stream(std::string_view name) {
  return static_cast<std::uint8_t>(
      detail::StringRegistry::get().intern(trace::StringKind::stream, name, 0xff));
}

void name_this_thread(std::string_view name) {
  detail::t_slot.name = std::string(name);
  detail::nvtx_name_this_thread(detail::t_slot.name.c_str());
}

namespace {

/// TSWAP_LOG=path records the whole process with no code change (and
/// TSWAP_LOG_CLOCK, TSWAP_LOG_COMPRESSION choose its options).
struct EnvironmentSession {
  EnvironmentSession() {
    const char* path = std::getenv("TSWAP_LOG");
    if (path == nullptr || *path == '\0') return;
    try {
      SessionOptions options;
      options.path = path;
      detail::apply_environment_options(options);
      start_session(options);
      std::fprintf(stderr, "tensorswap: recording to %s (TSWAP_LOG)\n",
                   recorder().session->options.path.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tensorswap: TSWAP_LOG: %s\n", e.what());
    }
  }
  ~EnvironmentSession() { stop_session(); }
};
EnvironmentSession g_environment_session;

}  // namespace
}  // namespace tswap::profiler
