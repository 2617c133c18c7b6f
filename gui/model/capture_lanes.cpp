#include "capture_lanes.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace tswap::viewer {
namespace {

bool is_out(nsys::CopyKind k) { return k == nsys::CopyKind::dtoh || k == nsys::CopyKind::uvm_dtoh; }
bool is_in(nsys::CopyKind k) { return k == nsys::CopyKind::htod || k == nsys::CopyKind::uvm_htod; }

/// The direction a logged copy span stands for; none for other spans.
std::optional<trace::CopyDirection> direction_of(SpanKind k) {
  if (k == SpanKind::d2h) return trace::CopyDirection::out;
  if (k == SpanKind::h2d || k == SpanKind::prefetch) return trace::CopyDirection::back;
  return std::nullopt;
}

}  // namespace

Attachment Attachment::build(std::shared_ptr<const nsys::Capture> capture, nsys::Join join) {
  Attachment a;
  a.capture = std::move(capture);
  a.join = std::move(join);
  const nsys::Capture& c = *a.capture;
  const std::int64_t zero = a.join.log_zero;
  // Spans hold unsigned ns from the log's 0: before it clamps to 0.
  auto log_ns = [zero](std::int64_t t) {
    return t > zero ? static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(zero) : 0;
  };
  std::map<std::uint32_t, Lane> by_stream;
  auto add = [&](std::uint32_t stream, Span s) {
    Lane& lane = by_stream[stream];
    lane.spans.push_back(s);
  };
  const std::uint32_t pid = a.join.pid;
  for (std::size_t i = 0; i < c.memcpys().size(); ++i) {
    const nsys::Memcpy& m = c.memcpys()[i];
    if (m.pid() != pid && m.global_pid != 0) continue;  // another process's
    Span s;
    s.begin = log_ns(m.start);
    s.end = std::max(s.begin, log_ns(m.end));
    s.event = static_cast<std::uint32_t>(i);
    // Other directions (DtoD, ...) are none of the log's copies: a kind of their own.
    s.kind = is_out(m.kind) ? SpanKind::d2h : is_in(m.kind) ? SpanKind::h2d : SpanKind::other_copy;
    s.device = true;
    s.bytes = m.bytes;
    add(m.stream_id, s);
  }
  for (std::size_t i = 0; i < c.kernels().size(); ++i) {
    const nsys::Kernel& k = c.kernels()[i];
    if (k.pid() != pid && k.global_pid != 0) continue;
    Span s;
    s.begin = log_ns(k.start);
    s.end = std::max(s.begin, log_ns(k.end));
    s.event = static_cast<std::uint32_t>(i);
    s.kind = SpanKind::kernel;
    s.device = true;
    add(k.stream_id, s);
  }
  // The join's copies, keyed by where their memcpy ran: its start and stream.
  a.joined.assign(c.memcpys().size(), kNotJoined);
  std::map<std::pair<std::int64_t, std::uint32_t>, std::uint32_t> joined_at;
  for (std::size_t j = 0; j < a.join.copies.size(); ++j) {
    joined_at.emplace(std::make_pair(a.join.copies[j].gpu_start, a.join.copies[j].stream),
                      static_cast<std::uint32_t>(j));
  }
  for (std::size_t i = 0; i < c.memcpys().size(); ++i) {
    const nsys::Memcpy& m = c.memcpys()[i];
    if (m.pid() != pid && m.global_pid != 0) continue;
    const auto it = joined_at.find({m.start, m.stream_id});
    if (it != joined_at.end()) a.joined[i] = it->second;
  }
  a.first = ~std::uint64_t{0};
  a.last = 0;
  for (auto& [stream, lane] : by_stream) {
    lane.type = Lane::Type::capture;
    lane.name = "nsys stream " + std::to_string(stream);
    std::stable_sort(lane.spans.begin(), lane.spans.end(),
                     [](const Span& x, const Span& y) { return x.begin < y.begin; });
    for (const Span& s : lane.spans) {
      lane.longest = std::max(lane.longest, s.end - s.begin);
      a.first = std::min(a.first, s.begin);
      a.last = std::max(a.last, s.end);
    }
    lane.lod.build(lane.spans);
    a.lanes.push_back(std::move(lane));
  }
  return a;
}

void append_capture_lanes(Timeline& timeline, const Attachment& a) {
  // Capture lanes come last (Lane::Type): a capture attached before leaves.
  const auto own_end = std::find_if(timeline.lanes.begin(), timeline.lanes.end(),
                                    [](const Lane& l) { return l.type == Lane::Type::capture; });
  timeline.lanes.erase(own_end, timeline.lanes.end());
  if (timeline.log_extent) {
    std::tie(timeline.first, timeline.last) = *timeline.log_extent;
  } else {
    timeline.log_extent = std::make_pair(timeline.first, timeline.last);
  }
  const bool had = !timeline.lanes.empty() || timeline.last > timeline.first;
  timeline.lanes.insert(timeline.lanes.end(), a.lanes.begin(), a.lanes.end());
  if (a.lanes.empty()) return;
  timeline.first = had ? std::min(timeline.first, a.first) : a.first;
  timeline.last = had ? std::max(timeline.last, a.last) : a.last;
}

std::optional<SpanRef> matched_memcpy(const trace::Trace& trace, const Timeline& timeline,
                                      const Attachment& a, const Span& logged) {
  auto direction = direction_of(logged.kind);
  if (logged.kind == SpanKind::queued && logged.event < trace.events().size()) {
    const trace::EventKind k = trace.events()[logged.event].event_kind();
    if (k == trace::EventKind::d2h_queued) direction = trace::CopyDirection::out;
    if (k == trace::EventKind::h2d_queued) direction = trace::CopyDirection::back;
  }
  if (!direction) return std::nullopt;
  const trace::SwapKey key{logged.tag, logged.step, logged.layer, logged.index};
  for (std::size_t l = 0; l < timeline.lanes.size(); ++l) {
    const Lane& lane = timeline.lanes[l];
    if (lane.type != Lane::Type::capture) continue;
    for (std::size_t i = 0; i < lane.spans.size(); ++i) {
      const Span& s = lane.spans[i];
      if (s.kind == SpanKind::kernel || s.event >= a.joined.size()) continue;
      const std::uint32_t j = a.joined[s.event];
      if (j == Attachment::kNotJoined) continue;
      const nsys::JoinedCopy& copy = a.join.copies[j];
      if (copy.key == key && copy.direction == *direction) return SpanRef{l, i};
    }
  }
  return std::nullopt;
}

std::string describe_capture(const Attachment& a, const Span& s) {
  const nsys::Capture& c = *a.capture;
  std::ostringstream out;
  const double took = static_cast<double>(s.end - s.begin);
  if (s.kind == SpanKind::kernel) {
    if (s.event >= c.kernels().size()) return "";
    const nsys::Kernel& k = c.kernels()[s.event];
    const std::string_view name = c.string(k.short_name != 0 ? k.short_name : k.demangled_name);
    out << "kernel " << (name.empty() ? std::string_view("(unnamed)") : name) << " on nsys stream "
        << k.stream_id << ": " << format_duration(took);
    return out.str();
  }
  if (s.event >= c.memcpys().size()) return "";
  const nsys::Memcpy& m = c.memcpys()[s.event];
  char bw[32];
  std::snprintf(bw, sizeof bw, "%.2f GB/s", took > 0 ? static_cast<double>(m.bytes) / took : 0.0);
  out << nsys::to_string(m.kind) << " memcpy " << format_bytes(static_cast<double>(m.bytes))
      << " on nsys stream " << m.stream_id << ": " << format_duration(took) << " (" << bw
      << "), GPU time from Nsight Systems";
  return out.str();
}

std::string describe_match(const Span& logged, const Span& gpu) {
  const double log_ns = static_cast<double>(logged.end - logged.begin);
  const double gpu_ns = static_cast<double>(gpu.end - gpu.begin);
  const double apart = log_ns > gpu_ns ? log_ns - gpu_ns : gpu_ns - log_ns;
  return "log " + format_duration(log_ns) + ", GPU " + format_duration(gpu_ns) + ", " +
         format_duration(apart) + " apart";
}

}  // namespace tswap::viewer
