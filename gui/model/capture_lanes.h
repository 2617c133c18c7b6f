#pragma once

// An Nsight Systems capture joined to the log (tswap::nsys::join), as lanes
// under the log's on the log's time axis: one per CUDA stream of the run's
// process, its HtoD and DtoH memcpys coloured as the log's copies, other
// memcpys (DtoD, ...) as SpanKind::other_copy and its kernels grey.
// Built once when the capture is attached; the log's filters leave it be
// (they are about the log's records), so a rebuilt timeline gets the same
// lanes appended again.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tswap/nsys/capture.h>
#include <tswap/nsys/join.h>

#include "statistics.h"
#include "timeline.h"

namespace tswap::viewer {

struct Attachment {
  static constexpr std::uint32_t kNotJoined = 0xFFFFFFFFu;

  std::shared_ptr<const nsys::Capture> capture;
  nsys::Join join;
  /// Type::capture lanes named "nsys stream N", by stream id. A memcpy's
  /// Span::event is its index in capture->memcpys(), a kernel's in
  /// capture->kernels(); times are the log's (capture time - log_zero,
  /// what began before the log's 0 drawn from 0).
  std::vector<Lane> lanes;
  /// Per capture memcpy: its index in join.copies, or kNotJoined.
  std::vector<std::uint32_t> joined;
  std::uint64_t first = 0, last = 0;  // the lanes' extent; first > last when empty

  static Attachment build(std::shared_ptr<const nsys::Capture> capture, nsys::Join join);
};

/// Appends `a`'s lanes to `timeline` and widens its extent to them, in place
/// of any capture's appended before: its lanes go, and the extent starts
/// again from the log's own (Timeline::log_extent).
void append_capture_lanes(Timeline& timeline, const Attachment& a);

/// The memcpy the GPU ran for the logged copy `logged` (a span of a log
/// lane of `timeline`, lanes appended by append_capture_lanes), if the
/// join matched one.
/// A copy only queued (untimed, SpanKind::queued) takes its direction from
/// its event in `trace`.
std::optional<SpanRef> matched_memcpy(const trace::Trace& trace, const Timeline& timeline,
                                      const Attachment& a, const Span& logged);

/// A tooltip's line for a capture span: "DtoH memcpy 4.0 KiB on nsys stream
/// 14: 400 ns (10.24 GB/s), GPU time" or "kernel gemm on nsys stream 7: 400 ns".
std::string describe_capture(const Attachment& a, const Span& gpu);
/// Both durations of a logged copy and its memcpy: "log 1.2 ms, GPU 1.0 ms,
/// 0.2 ms apart".
std::string describe_match(const Span& logged, const Span& gpu);

}  // namespace tswap::viewer
