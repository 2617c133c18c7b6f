#pragma once

// The recording API of tensorswap's components (the engine, the runtimes):
// one call per event. The hot path takes no lock and allocates nothing: a
// relaxed load when no session is active; otherwise one 32-byte store into
// the calling thread's ring buffer, which a writer thread drains.

#include <atomic>
#include <cstdint>
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
}  // namespace detail

inline bool recording() noexcept {
  return detail::g_recording.load(std::memory_order_relaxed);
}

/// Records an event now, on the calling thread, if a session is active.
inline void emit(trace::EventKind kind, const Fields& fields) noexcept {
  if (recording()) detail::append(kind, fields);
}

/// Ids for names, stable for the life of the process; the log defines them
/// before the first record that uses them. Thread-safe; not for hot paths.
std::uint16_t intern_tag(std::string_view name);
std::uint8_t intern_stream(std::string_view name);

/// Names the calling thread in logs and for NVTX (call before it records).
void name_this_thread(std::string_view name);

}  // namespace tswap::profiler
