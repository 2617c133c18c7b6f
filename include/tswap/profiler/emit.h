#pragma once

// The recording API of tensorswap's components (the engine, the runtimes):
// one call per event. The hot path takes no lock and allocates nothing: a
// relaxed load when no session is active; otherwise one 32-byte store into
// the calling thread's ring buffer, which a writer thread drains.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include <tswap/trace/format.h>

namespace tswap::profiler {

/// Everything of a record but its kind and time.
struct Fields {
  std::uint16_t tag = 0;  // from intern_tag()
  std::uint16_t layer = 0;
  std::uint32_t index = 0;
  std::uint32_t step = 0;
  std::uint64_t value = 0;
  std::uint8_t stream = 0;  // from intern_stream()
  std::uint8_t reason = 0;
  std::uint8_t flags = 0;
};

namespace detail {
extern std::atomic<bool> g_recording;
void append(trace::EventKind kind, const Fields& fields) noexcept;
void append_at(trace::EventKind kind, const Fields& fields, std::int64_t steady_ns) noexcept;
}  // namespace detail

inline bool recording() noexcept {
  return detail::g_recording.load(std::memory_order_relaxed);
}

/// Records an event now, on the calling thread, if a session is active.
inline void emit(trace::EventKind kind, const Fields& fields) noexcept {
  if (recording()) detail::append(kind, fields);
}

/// The recorder's clock: std::chrono::steady_clock (CLOCK_MONOTONIC), in
/// ns. A record's time is this, less the session's start.
std::int64_t clock_ns() noexcept;

/// Records an event that happened at `steady_ns` (clock_ns()'s clock), on
/// the calling thread, if a session is active: for what is learned after
/// the fact (a device timing event found complete, the end of a layer's
/// backward). A time before the session's start is written as its start.
inline void emit_at(trace::EventKind kind, const Fields& fields, std::int64_t steady_ns) noexcept {
  if (recording()) detail::append_at(kind, fields, steady_ns);
}

/// Work the recorder runs for components that learn of events late (the
/// device timeline resolving timing events): called with final == false by
/// the writer thread before each drain of the thread buffers, and with
/// final == true by stop_session(), on its caller's thread, before the last
/// drain, while recording is still on. Never on a training thread's hot
/// path. A hook must not start or stop sessions nor add or remove hooks;
/// remove_flush_hook() waits for a call in progress to return.
using FlushHook = std::function<void(bool final)>;
std::uint64_t add_flush_hook(FlushHook hook);
void remove_flush_hook(std::uint64_t id);

/// Counts the sessions started in this process: the current session's
/// number while one records (from 1), 0 before the first. Hooks use it to
/// tell a new session (which needs its own clock anchor) from the last.
std::uint64_t session_number() noexcept;

/// Ids for names, stable for the life of the process; the log defines them
/// before the first record that uses them. Thread-safe; not for hot paths.
std::uint16_t intern_tag(std::string_view name);
std::uint8_t intern_stream(std::string_view name);

/// Names the calling thread in logs and for NVTX (call before it records).
void name_this_thread(std::string_view name);

}  // namespace tswap::profiler
