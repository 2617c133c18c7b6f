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

struct SessionOptions {
  std::string path;                              // the .tswap file to write (truncated)
  std::string device;                            // free text for the header, e.g. "cuda:0 H100"
  std::chrono::milliseconds flush_interval{50};  // how often the writer drains thread buffers
  std::size_t thread_buffer_records = 1 << 16;   // per recording thread, rounded up to 2^k
};

/// Starts recording. Throws std::runtime_error if a session is already
/// active or the file cannot be created.
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
void set_nvtx_enabled(bool enabled);
bool nvtx_enabled();
/// Whether this build has NVTX at all (the CUDA toolkit's headers were found).
bool nvtx_compiled_in();

}  // namespace tswap::profiler
