#include <tswap/trace/format.h>

#include <cstring>

namespace tswap::trace {

std::uint64_t checksum(const void* data, std::size_t bytes) {
  constexpr std::uint64_t prime = 0x100000001b3ull;
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, sizeof word);  // little-endian hosts only (x86-64, arm64)
    h = (h ^ word) * prime;
  }
  for (; i < bytes; ++i) h = (h ^ p[i]) * prime;
  return h;
}

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::step_begin:
      return "step_begin";
    case EventKind::layer_enter:
      return "layer_enter";
    case EventKind::layer_exit:
      return "layer_exit";
    case EventKind::kept:
      return "kept";
    case EventKind::d2h_queued:
      return "d2h_queued";
    case EventKind::d2h_start:
      return "d2h_start";
    case EventKind::d2h_done:
      return "d2h_done";
    case EventKind::release:
      return "release";
    case EventKind::h2d_queued:
      return "h2d_queued";
    case EventKind::h2d_start:
      return "h2d_start";
    case EventKind::h2d_done:
      return "h2d_done";
    case EventKind::reuse:
      return "reuse";
    case EventKind::stall:
      return "stall";
    case EventKind::unpack:
      return "unpack";
    case EventKind::swap_created:
      return "swap_created";
    case EventKind::swap_destroyed:
      return "swap_destroyed";
    case EventKind::backward_enter:
      return "backward_enter";
    case EventKind::backward_exit:
      return "backward_exit";
    case EventKind::clock_anchor:
      return "clock_anchor";
    case EventKind::device_allocated:
      return "device_allocated";
    case EventKind::device_reserved:
      return "device_reserved";
    case EventKind::nvtx_range:
      return "nvtx_range";
  }
  return "unknown";
}

const char* to_string(KeepReason reason) {
  switch (reason) {
    case KeepReason::none:
      return "swapped";
    case KeepReason::not_dense:
      return "not a dense strided tensor";
    case KeepReason::no_storage:
      return "no storage";
    case KeepReason::empty:
      return "empty";
    case KeepReason::parameter:
      return "parameter";
    case KeepReason::view_of_parameter:
      return "view of a parameter";
    case KeepReason::no_runtime:
      return "no runtime for its device";
    case KeepReason::min_bytes:
      return "below min_bytes";
    case KeepReason::predicate:
      return "rejected by the predicate";
    case KeepReason::observed:
      return "observed: would be swapped";
  }
  return "unknown";
}

const char* to_string(ReleaseReason reason) {
  switch (reason) {
    case ReleaseReason::freed:
      return "freed";
    case ReleaseReason::deferred_held:
      return "deferred: held elsewhere";
  }
  return "unknown";
}

const char* to_string(CopyTiming timing) {
  switch (timing) {
    case CopyTiming::unknown:
      return "unknown";
    case CopyTiming::host:
      return "host";
    case CopyTiming::device:
      return "device";
    case CopyTiming::none:
      return "not timed";
  }
  return "unknown";
}

const char* to_string(HostClock clock) {
  switch (clock) {
    case HostClock::unknown:
      return "not recorded";
    case HostClock::steady:
      return "steady_clock";
    case HostClock::tsc:
      return "TSC";
  }
  return "unknown";
}

}  // namespace tswap::trace
