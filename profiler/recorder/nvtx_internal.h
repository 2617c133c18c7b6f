#pragma once

namespace tswap::profiler::detail {

/// Names the calling OS thread for NVTX tools (no-op without NVTX).
void nvtx_name_this_thread(const char* name);

}  // namespace tswap::profiler::detail
