#include <algorithm>
#include <map>
#include <sstream>

#include <tswap/trace/analysis.h>
#include <tswap/trace/text.h>

namespace tswap::trace {
namespace {

/// `step` is what the line says of e's step.
std::string line_of(const Trace& t, const Event& e, std::uint32_t step) {
  std::ostringstream out;
  out << to_string(e.event_kind());
  if (e.tag != 0) out << " " << printable(t.tag(e.tag)) << " L" << e.layer;
  switch (e.event_kind()) {
    case EventKind::step_begin:
      out << " step " << step;
      return out.str();
    case EventKind::layer_enter:
    case EventKind::layer_exit:
    case EventKind::backward_enter:
    case EventKind::backward_exit:
      return out.str();
    case EventKind::kept:
      out << " " << reason_of(e);
      return out.str();
    default:
      break;
  }
  out << " #" << e.index << " step " << step;
  if (e.event_kind() == EventKind::release) out << " " << reason_of(e);
  if (e.flags & kFlagPrefetch) out << " prefetch";
  return out.str();
}

/// Left out of event orders: they depend on timing (a stall happens when a
/// copy is slow; anchors and allocator samples come at times, not steps of
/// the schedule) or on whether a tool was attached (nvtx_range).
bool timing_dependent(EventKind kind) {
  return kind == EventKind::stall || kind == EventKind::clock_anchor ||
         kind == EventKind::device_allocated || kind == EventKind::device_reserved ||
         kind == EventKind::nvtx_range;
}

// Note [Lanes, not thread names]
// A golden order must not change when the test binary is renamed, nor when
// a runtime names its worker threads differently: OS thread names (cut to
// 15 characters by Linux) say nothing about the schedule. What does is the
// role a thread plays, read from what it recorded: a thread that recorded
// only the progress of copies (their start and end) is a copy stream's
// lane; any other is a compute lane (forward, backward, the queueing of
// copies, releases, unpacks). Lanes sort by role, then by their first
// event; several lanes of one role are numbered in that order.
// Device-timed records (kFlagDeviceTime) are all written by the recorder's
// writer thread, whatever ran them: they go in lanes by their stream
// instead, so that a stream of d2h copies timed on the device reads "lane
// d2h", as the simulated runtime's copy thread does, and the compute
// stream's layer spans a compute lane of their own.

LaneRole lane_role(const std::vector<const Event*>& events) {
  bool d2h = false, h2d = false;
  for (const Event* e : events) {
    switch (e->event_kind()) {
      case EventKind::d2h_start:
      case EventKind::d2h_done: d2h = true; break;
      case EventKind::h2d_start:
      case EventKind::h2d_done: h2d = true; break;
      default: return LaneRole::compute;
    }
  }
  if (d2h && h2d) return LaneRole::copies;
  return d2h ? LaneRole::d2h : LaneRole::h2d;
}

}  // namespace

const char* to_string(LaneRole role) {
  switch (role) {
    case LaneRole::compute: return "compute";
    case LaneRole::d2h: return "d2h";
    case LaneRole::h2d: return "h2d";
    case LaneRole::copies: return "copies";
  }
  return "?";
}

std::string describe(const Trace& t, const Event& e) {
  std::ostringstream out;
  out.precision(6);
  out << format_time(e.host_ns) << " " << line_of(t, e, e.step);
  switch (e.event_kind()) {
    case EventKind::stall:
      out << " waited " << static_cast<double>(e.value) / 1e3 << " us";
      break;
    case EventKind::clock_anchor:
      out << " device " << e.value << " ns";
      break;
    case EventKind::unpack:
    case EventKind::step_begin:
    case EventKind::layer_enter:
    case EventKind::layer_exit:
    case EventKind::backward_enter:
    case EventKind::backward_exit:
      break;
    default:
      out << " (" << e.value << " bytes)";
      break;
  }
  if (e.stream != 0) out << " on " << printable(t.stream(e.stream));
  if (e.flags & kFlagDeviceTime) out << ", device time";
  out << " [" << printable(t.thread(e.thread)) << "]";
  return out.str();
}

std::vector<std::string> event_order(const Trace& t) {
  // One lane per recording thread (per stream for device-timed records),
  // named by its role (Note [Lanes, not thread names]); each lane's events
  // in time order.
  std::map<std::pair<bool, std::uint16_t>, std::vector<const Event*>> by_thread;
  for (const Event& e : t.events()) {
    if (timing_dependent(e.event_kind())) continue;
    const bool device = (e.flags & kFlagDeviceTime) != 0;
    by_thread[{device, device ? std::uint16_t{e.stream} : e.thread}].push_back(&e);
  }
  struct Lane {
    LaneRole role;
    const std::vector<const Event*>* events;
  };
  std::vector<Lane> lanes;
  for (const auto& [id, events] : by_thread) lanes.push_back(Lane{lane_role(events), &events});
  std::stable_sort(lanes.begin(), lanes.end(), [](const Lane& a, const Lane& b) {
    if (a.role != b.role) return a.role < b.role;
    return a.events->front()->host_ns < b.events->front()->host_ns;
  });
  // Steps count from each tag's first one in the log: a recording begun
  // mid-training, or the second test of a process (step numbers are the
  // engine's, per tag, for the process's life), reads like the first.
  std::map<std::uint16_t, std::uint32_t> first_step;
  for (const Event& e : t.events()) {
    if (e.tag == 0 || e.step == 0) continue;
    auto [it, added] = first_step.emplace(e.tag, e.step);
    if (!added) it->second = std::min(it->second, e.step);
  }
  auto relative = [&](const Event& e) -> std::uint32_t {
    const auto it = first_step.find(e.tag);
    return it == first_step.end() || e.step == 0 ? e.step : e.step - it->second + 1;
  };
  std::vector<std::string> lines;
  std::map<LaneRole, int> seen;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const Lane& lane = lanes[i];
    const int n = ++seen[lane.role];
    const bool several = (i > 0 && lanes[i - 1].role == lane.role) ||
                         (i + 1 < lanes.size() && lanes[i + 1].role == lane.role);
    std::string head = std::string("lane ") + to_string(lane.role);
    if (several) head += " " + std::to_string(n);
    lines.push_back(head);
    for (const Event* e : *lane.events) lines.push_back(line_of(t, *e, relative(*e)));
  }
  return lines;
}

OrderDiff diff_order(const Trace& a, const Trace& b) {
  const std::vector<std::string> la = event_order(a), lb = event_order(b);
  OrderDiff d;
  d.a_lines = la.size();
  d.b_lines = lb.size();
  const auto mismatch = std::mismatch(la.begin(), la.end(), lb.begin(), lb.end());
  if (mismatch.first == la.end() && mismatch.second == lb.end()) return d;
  d.same = false;
  d.line = static_cast<std::size_t>(mismatch.first - la.begin());
  for (std::size_t i = d.line; i < la.size() && i < d.line + 3; ++i) d.a.push_back(la[i]);
  for (std::size_t i = d.line; i < lb.size() && i < d.line + 3; ++i) d.b.push_back(lb[i]);
  return d;
}

}  // namespace tswap::trace
