#pragma once

// The log and an Nsight Systems capture of the same run, record to record
// (Note [Operation ids], tswap/profiler/nvtx.h): a logged copy's nvtx_range
// record names the NVTX range by its operation id; the CUDA runtime calls
// that thread made inside that range name, by correlationId, the memcpy the
// GPU ran. The capture's clock meets the log's at the session's mark.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <tswap/nsys/capture.h>
#include <tswap/trace/copies.h>
#include <tswap/trace/swap_key.h>
#include <tswap/trace/trace.h>

namespace tswap::nsys {

/// The capture cannot be joined to the log: of another run, or without
/// the tensorswap domain or its session mark. what() says which, and why.
class JoinError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One logged copy and the memcpy the GPU ran for it. Times on the
/// capture's clock (ns), as nsys exports them.
struct JoinedCopy {
  trace::SwapKey key;
  trace::CopyDirection direction = trace::CopyDirection::out;
  std::uint64_t operation = 0;  // the operation id of its NVTX range
  std::uint64_t bytes = 0;      // the memcpy's
  std::uint64_t nvtx_bytes = 0;  // its NVTX range's "bytes" (extended payloads; 0 without)
  std::int64_t range_start = 0, range_end = 0;  // the NVTX range around its queueing
  std::int64_t api_start = 0;                   // the CUDA runtime call that queued it
  std::int64_t gpu_start = 0, gpu_end = 0;      // the memcpy
  std::uint32_t stream = 0;                     // the memcpy's stream
  std::uint64_t overlapped_ns = 0;  // of the memcpy, while a kernel ran on another stream

  std::int64_t queue_delay_ns() const { return gpu_start - api_start; }
  std::uint64_t duration_ns() const {
    return gpu_end > gpu_start ? static_cast<std::uint64_t>(gpu_end - gpu_start) : 0;
  }
  /// The memcpy's time no kernel hid.
  std::uint64_t exposed_ns() const {
    return duration_ns() > overlapped_ns ? duration_ns() - overlapped_ns : 0;
  }
};

/// A logged copy the capture has no memcpy for, and why.
struct UnmatchedCopy {
  trace::SwapKey key;
  trace::CopyDirection direction = trace::CopyDirection::out;
  std::uint64_t operation = 0;
  std::string why;  // "no NVTX range with its operation id", ...
};

struct Join {
  std::uint32_t pid = 0;           // the run's process (the log header's)
  std::int64_t log_zero = 0;       // the capture's time of the log's time 0 (its session mark)
  std::size_t ranges_matched = 0;  // nvtx_range records whose range the capture has
  /// The run's tensorswap ranges whose payload gave no operation id (an
  /// extended payload without its schema in the export, or another kind).
  std::size_t ranges_without_id = 0;
  /// |log time - capture time mapped to the log| over the matched ranges:
  /// how far the two clocks disagree once joined at the mark.
  std::uint64_t residual_max_ns = 0, residual_median_ns = 0;
  std::size_t logged_copies = 0;   // copies the log queued under an NVTX range
  std::vector<JoinedCopy> copies;  // matched, by GPU start
  std::vector<UnmatchedCopy> unmatched;
  std::uint64_t kernel_ns = 0;  // the union of the process's kernels

  /// GB/s of the matched memcpys in `direction`; none without one.
  std::optional<double> gb_per_s(trace::CopyDirection direction) const;
  /// The matched memcpys' time during which a kernel ran, over their time.
  std::optional<double> overlap_share() const;
};

/// Joins `log` and `capture`. Throws JoinError when they cannot be joined.
Join join(const trace::Trace& log, const Capture& capture);

}  // namespace tswap::nsys
