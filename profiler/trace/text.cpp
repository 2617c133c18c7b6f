#include <tswap/trace/text.h>

#include <cstdio>

namespace tswap::trace {

std::string format_bytes(double b) {
  // Up to EiB: a crafted 2^64 - 1 still reads as a size (16.0 EiB), not as
  // a number too wide for its column.
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, ++u;
  char text[48];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return text;
}

std::string format_ms(std::uint64_t ns) {
  char text[48];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1e6);
  return text;
}

std::string format_duration_ms(std::optional<std::uint64_t> ns) {
  return ns ? format_ms(*ns) + " ms" : std::string("-");
}

std::string format_time(std::uint64_t ns) {
  char text[48];
  std::snprintf(text, sizeof text, "%.6f ms", static_cast<double>(ns) / 1e6);
  return text;
}

std::string format_duration(double ns) {
  char text[48];
  if (ns < 1e3) {
    std::snprintf(text, sizeof text, "%.0f ns", ns);
  } else if (ns < 1e6) {
    std::snprintf(text, sizeof text, "%.1f us", ns / 1e3);
  } else if (ns < 1e9) {
    std::snprintf(text, sizeof text, "%.2f ms", ns / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.3f s", ns / 1e9);
  }
  return text;
}

std::string reason_of(const Event& e) {
  switch (e.event_kind()) {
    case EventKind::kept: return to_string(static_cast<KeepReason>(e.reason));
    case EventKind::release: return to_string(static_cast<ReleaseReason>(e.reason));
    default: return {};
  }
}

const char* copy_timing_text(CopyTiming timing) {
  switch (timing) {
    case CopyTiming::host: return "copies timed on the host";
    case CopyTiming::device: return "copies timed on the device";
    case CopyTiming::none: return "copies not timed on this device";
    case CopyTiming::unknown: return "copy timing not recorded";
  }
  // A byte no tensorswap writes (a newer writer, a damaged header).
  return "copy timing byte not known to this reader";
}

}  // namespace tswap::trace
