#pragma once

#include <cstdint>

namespace tswap::profiler::detail {

/// Names the calling OS thread for NVTX tools (no-op without NVTX).
void nvtx_name_this_thread(const char* name);

/// The session-start mark (Note [Operation ids], nvtx.h): its payload is
/// the log header's monotonic_start_ns. No-op without a tool.
void nvtx_session_mark(std::uint64_t monotonic_start_ns, std::uint32_t pid);

}  // namespace tswap::profiler::detail
