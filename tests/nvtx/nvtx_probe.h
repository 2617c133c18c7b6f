#pragma once

// A small NVTX tool: loaded through NVTX_INJECTION64_PATH, it records the
// tensorswap domain's calls so a test can check what was emitted without
// Nsight Systems.

#include <cstdint>
#include <string>
#include <vector>

namespace tswap_test {

struct NvtxCall {
  enum Type { domain_created, category_named, range_push, range_pop, thread_named, mark };
  Type type;
  std::uint64_t thread = 0;  // OS thread id of the caller (thread_name: the thread named)
  std::string text;          // domain/category/thread name, or the range's (mark's) message
  std::uint32_t category = 0;
  std::uint64_t payload = 0;
};

/// Every call so far, in order.
std::vector<NvtxCall> nvtx_calls();
/// Whether NVTX loaded this library as its tool.
bool nvtx_probe_attached();

}  // namespace tswap_test
