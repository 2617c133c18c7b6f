#pragma once

// A small NVTX tool: loaded through NVTX_INJECTION64_PATH, it records the
// tensorswap domain's calls so a test can check what was emitted without
// Nsight Systems. It takes the payload extension too (schemas and extended
// payloads), unless TSWAP_PROBE_PAYLOAD_EXTENSION=0, as a tool without it.

#include <cstddef>
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
  std::uint64_t payload = 0;  // the plain uint64 payload, or an extended one's "operation id"
  bool extended = false;      // the payload came through NVTX's payload extension
  std::uint64_t bytes = 0;    // an extended payload's "bytes"
};

/// A schema registered through NVTX's payload extension.
struct NvtxSchema {
  struct Entry {
    std::string name;
    std::uint64_t type = 0;
    std::uint64_t offset = 0;
  };
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t type = 0;
  std::size_t static_size = 0;
  std::vector<Entry> entries;
};

/// Every call so far, in order.
std::vector<NvtxCall> nvtx_calls();
/// Every payload schema registered so far, in order.
std::vector<NvtxSchema> nvtx_schemas();
/// Whether NVTX loaded this library as its tool.
bool nvtx_probe_attached();

}  // namespace tswap_test
