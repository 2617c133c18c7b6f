#pragma once

// Recording what the swapper does, for tswap-log, tswap-viewer and tests.
//
// No code change needed: `TSWAP_LOG=run.tswap ./train` records the whole
// run. Or, from code, for a range of steps:
//
//   tswap::profiler::start_session("steps-100-110.tswap");
//   ...
//   tswap::profiler::stop_session();
//
// `TSWAP_NVTX=0` turns the NVTX ranges off (they are on by default and cost
// nothing when no tool such as Nsight Systems is attached).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tswap::profiler {

/// How the recording threads read the time. Every log is in
/// CLOCK_MONOTONIC ns whichever it is (docs/profiling.md, "Clocks").
enum class ClockSource : std::uint8_t {
  automatic = 0,  // tsc where the CPU's TSC is invariant (tsc_available()), else steady
  steady = 1,     // std::chrono::steady_clock at each event
  tsc = 2,        // rdtsc at each event, turned into ns by the writer thread; start_session
                  // refuses it where tsc_available() is false
};

/// How the writer stores records chunks (docs/log-format.md, "Compressed records").
enum class Compression : std::uint8_t {
  none = 0,
  zstd = 1,  // each records chunk is one zstd frame; start_session refuses it in a build
             // without libzstd (zstd_compiled_in())
};

struct SessionOptions {
  std::string path;                              // the .tswap file to write (truncated)
  std::string device;                            // free text for the header, e.g. "cuda:0 H100"
  std::chrono::milliseconds flush_interval{50};  // how often the writer drains thread buffers
  std::size_t thread_buffer_records = 1 << 16;   // per recording thread, rounded up to 2^k
  ClockSource clock = ClockSource::automatic;
  Compression compression = Compression::none;
  int compression_level = 1;  // zstd's level (1 fastest ... 19); only with Compression::zstd
};

/// Whether this CPU has an invariant TSC (x86-64, CPUID 0x80000007 EDX bit
/// 8) that ClockSource::tsc can read.
bool tsc_available() noexcept;

/// For tests of the fallback: tsc_available() says false while set.
void set_tsc_unavailable_for_testing(bool unavailable) noexcept;

/// Starts recording. Throws std::runtime_error if a session is already
/// active or the file cannot be created.
/// Starts recording into options.path, expanded by expand_log_path().
void start_session(const SessionOptions& options);
void start_session(const std::string& path);

/// Drains every thread's events, writes the end chunk, closes the file.
/// Nothing happens when no session is active.
void stop_session();

bool session_active();

/// What this process trains on ("cpu (simulated)", "cuda:0 NVIDIA H100"),
/// for the header of every session that was not given
/// SessionOptions::device: a TSWAP_LOG session, start_session(path). A
/// session already recording gets it written into its header at once; the
/// engine calls this when it learns the device. Thread-safe; not for hot
/// paths. The text is cut to 63 bytes.
void set_device(std::string_view device);

/// set_device(), unless the program already named the device (a
/// set_device() of its own, not cleared with set_device("")): how the
/// engine names it at its first swap, so that it never overwrites yours.
void suggest_device(std::string_view device);

/// Who times copies in this process (trace::CopyTiming, the header's
/// copy_timing byte), set by the runtime of the first swap alongside
/// set_device(), and written into the header of the session recording now
/// and of every later one. Thread-safe; not for hot paths.
void set_copy_timing(std::uint8_t copy_timing);

/// What the current (or last) session has done so far.
struct SessionStats {
  std::uint64_t records_written = 0;
  std::uint64_t records_dropped = 0;  // a thread's buffer was full: the writer fell behind
  std::uint64_t bytes_written = 0;
  ClockSource clock = ClockSource::steady;  // what the threads read: steady or tsc, never automatic
};
SessionStats session_stats();

/// A session for the scope of a block.
class ScopedSession {
 public:
  explicit ScopedSession(const std::string& path) { start_session(path); }
  explicit ScopedSession(const SessionOptions& options) { start_session(options); }
  ~ScopedSession() { stop_session(); }
  ScopedSession(const ScopedSession&) = delete;
  ScopedSession& operator=(const ScopedSession&) = delete;
};

/// NVTX ranges on or off at run time (initially: TSWAP_NVTX, default on).
// Note [Ranks]
// ~~~~~~~~~~~~
// In a distributed run each process records its own log, and its header
// says which rank wrote it (docs/distributed.md). The rank comes from the
// environment torchrun and cluster launchers set (RANK, WORLD_SIZE,
// LOCAL_RANK; the run id from TORCHELASTIC_RUN_ID or TSWAP_RUN_ID), read when
// a session starts, or from a process group the program passes
// (tswap::distributed::align_clocks, tensorswap.distributed.align_clocks),
// which also measures the clock offset to rank 0.

/// Where this process stands in a distributed run.
struct RunInfo {
  int rank = -1;        // -1: not one of several ranks
  int world_size = 0;
  int local_rank = -1;  // its rank on its host, -1 if not known
  std::string run_id;   // the same for every rank of one run; may be empty
};

/// RANK, WORLD_SIZE and LOCAL_RANK as torchrun sets them, and a run id
/// (TSWAP_RUN_ID, else TORCHELASTIC_RUN_ID, else MASTER_ADDR:MASTER_PORT).
/// Rank -1 when RANK or WORLD_SIZE is unset. Throws, naming the variable,
/// on a value that is not a number or out of range.
RunInfo run_info_from_environment();

/// This process's place from now on: written into the active session's
/// header at once and into every later session's. Throws if out of range.
void set_run_info(const RunInfo& info);

/// What set_run_info() or the environment at the last session start said.
RunInfo run_info();

/// Rank 0's steady clock minus this process's (ns), right within
/// +- uncertainty_ns, estimated from `rounds` round trips: into the active
/// session's header (it belongs to that session: a later one measures again).
void set_clock_offset(std::int64_t offset_ns, std::uint64_t uncertainty_ns, std::uint32_t rounds);

/// A log path with {rank}, {local_rank}, {world_size}, {pid} and {host}
/// replaced. A path of one of several ranks (the environment's, or
/// set_run_info()'s, world size > 1) without {rank} gets ".{rank}" before
/// its extension ("run.tswap" -> "run.3.tswap"), so that ranks sharing a
/// directory never overwrite each other's log. Throws on an unknown
/// placeholder, or {rank} in a process that has no rank.
std::string expand_log_path(const std::string& path);

void set_nvtx_enabled(bool enabled);
bool nvtx_enabled();
/// Whether this build has NVTX at all (the CUDA toolkit's headers were found).
bool nvtx_compiled_in();

}  // namespace tswap::profiler
