#include "statistics.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <tswap/trace/copies.h>
#include <tswap/trace/text.h>

#include "time_mapping.h"

namespace tswap::viewer {

// The viewer reads bytes and durations as tswap-log does: one text layer.
std::string format_bytes(double b) { return trace::format_bytes(b); }

std::string format_duration(double ns) { return trace::format_duration(ns); }

std::string format_tick(std::uint64_t ns, std::uint64_t step_ns) {
  struct Unit {
    std::uint64_t ns;
    int digits;    // of ns: the most decimals worth printing
    int decimals;  // format_duration's
    const char* name;
  };
  static constexpr Unit units[] = {
      {1, 0, 0, "ns"}, {1000, 3, 1, "us"}, {1000000, 6, 2, "ms"}, {1000000000, 9, 3, "s"}};
  const Unit* u = &units[0];
  for (const Unit& candidate : units) {
    if (ns >= candidate.ns) u = &candidate;
  }
  if (u->ns == 1) return std::to_string(ns) + " ns";
  int decimals = u->decimals;
  std::uint64_t resolution = u->ns;  // of the label: unit / 10^decimals
  for (int d = 0; d < decimals; ++d) resolution /= 10;
  while (decimals < u->digits && resolution > std::max<std::uint64_t>(step_ns, 1)) {
    ++decimals;
    resolution /= 10;
  }
  char text[48];
  std::snprintf(text, sizeof text, "%llu.%0*llu %s", static_cast<unsigned long long>(ns / u->ns), decimals,
                static_cast<unsigned long long>(ns % u->ns / resolution), u->name);
  return text;
}

std::string format_tick(double ns, double step_ns) {
  if (ns >= 0 && step_ns >= 1 && ns < 18446744073709551616.0) {
    return format_tick(to_ns(std::floor(ns + 0.5)), static_cast<std::uint64_t>(step_ns));
  }
  return format_duration(ns);
}

RangeStats range_stats(const Timeline& timeline, double t0, double t1) {
  RangeStats r;
  r.begin = std::min(t0, t1);
  r.end = std::max(t0, t1);
  for (const Lane& lane : timeline.lanes) {
    RangeStats::LaneBusy busy{lane.name, 0};
    double covered_to = r.begin;  // spans sorted by begin: union by sweeping
    const double from = r.begin - static_cast<double>(lane.longest);
    auto it = std::lower_bound(lane.spans.begin(), lane.spans.end(), from,
                               [](const Span& s, double t) { return static_cast<double>(s.begin) < t; });
    for (; it != lane.spans.end() && static_cast<double>(it->begin) <= r.end; ++it) {
      const double b = std::max(r.begin, static_cast<double>(it->begin));
      const double e = std::min(r.end, static_cast<double>(it->end));
      if (e < b) continue;
      RangeStats::Kind& k = r.kinds[static_cast<std::size_t>(it->kind)];
      ++k.count;
      k.bytes += it->bytes;
      k.busy_ns += e - b;
      if (e > covered_to) {
        busy.busy_ns += e - std::max(b, covered_to);
        covered_to = e;
      }
    }
    r.lanes.push_back(busy);
  }
  return r;
}

std::string describe(const trace::Trace& trace, const Span& s) {
  std::ostringstream out;
  out << to_string(s.kind) << " " << trace.tag(s.tag) << " L" << s.layer;
  if (s.kind != SpanKind::layer && s.kind != SpanKind::backward) out << " #" << s.index;
  out << " step " << s.step;
  const double took = static_cast<double>(s.end - s.begin);
  switch (s.kind) {
    case SpanKind::d2h:
    case SpanKind::h2d:
    case SpanKind::prefetch: {
      char bw[32];
      std::snprintf(bw, sizeof bw, "%.2f GB/s", took > 0 ? static_cast<double>(s.bytes) / took : 0.0);
      out << ": " << format_bytes(static_cast<double>(s.bytes)) << " in " << format_duration(took)
          << " (" << bw << ")";
      break;
    }
    case SpanKind::stall:
    case SpanKind::layer:
    case SpanKind::backward: out << ": " << format_duration(took); break;
    default: out << ": " << format_bytes(static_cast<double>(s.bytes)); break;
  }
  // Who measured a duration: on a GPU the host's times say when work was
  // queued, the device's when it ran.
  if (s.kind == SpanKind::d2h || s.kind == SpanKind::h2d || s.kind == SpanKind::prefetch ||
      s.kind == SpanKind::stall || s.kind == SpanKind::layer || s.kind == SpanKind::backward) {
    out << ", " << (s.device ? "device" : "host") << " time";
  }
  return out.str();
}

std::string details(const trace::Trace& trace, const Span& s) {
  const trace::Event& e = trace.events().at(s.event);
  std::ostringstream out;
  out << "what: " << to_string(s.kind) << "\n"
      << "module tag: " << trace.tag(s.tag) << "\n"
      << "layer: " << s.layer << "\n"
      << "tensor index: " << s.index << "\n"
      << "step: " << s.step << "\n"
      << "bytes: " << s.bytes << " (" << format_bytes(static_cast<double>(s.bytes)) << ")\n"
      << "begins: " << format_duration(static_cast<double>(s.begin)) << " after the start\n"
      << "duration: " << format_duration(static_cast<double>(s.end - s.begin)) << "\n"
      << "event: " << trace::to_string(e.event_kind()) << " (#" << s.event << ")\n"
      << "stream: " << (e.stream ? std::string(trace.stream(e.stream)) : std::string("-")) << "\n"
      << "thread: " << trace.thread(e.thread) << "\n"
      << "time: " << e.host_ns << " ns on the log's clock\n";
  // A device-timed record was written by the writer thread: its stream,
  // not its thread, says where it happened.
  if (trace::time_source(e) == trace::TimeSource::device) {
    out << "timed by: the device (stream " << trace.stream(e.stream) << ")\n";
  } else {
    out << "timed by: the host (thread " << trace.thread(e.thread) << ")\n";
  }
  if (e.event_kind() == trace::EventKind::release) out << "release: " << trace::reason_of(e) << "\n";
  if (e.flags & trace::kFlagPrefetch) out << "prefetched: yes\n";
  return out.str();
}

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

std::optional<SpanRef> find_next(const trace::Trace& trace, const Timeline& timeline,
                                 const std::string& needle, double after_ns) {
  if (needle.empty()) return std::nullopt;
  const std::string want = lower(needle);
  std::optional<SpanRef> best, first;
  double best_t = 0, first_t = 0;
  for (std::size_t l = 0; l < timeline.lanes.size(); ++l) {
    const Lane& lane = timeline.lanes[l];
    // A capture's spans are not the log's events: the search is the log's.
    if (lane.type == Lane::Type::capture) continue;
    const bool lane_matches = lower(lane.name).find(want) != std::string::npos;
    for (std::size_t i = 0; i < lane.spans.size(); ++i) {
      const Span& s = lane.spans[i];
      const double t = static_cast<double>(s.begin);
      if ((best && t >= best_t) && (first && t >= first_t)) continue;
      if (!lane_matches && lower(describe(trace, s)).find(want) == std::string::npos) continue;
      if (t > after_ns && (!best || t < best_t)) best = SpanRef{l, i}, best_t = t;
      if (!first || t < first_t) first = SpanRef{l, i}, first_t = t;
    }
  }
  return best ? best : first;
}

}  // namespace tswap::viewer
