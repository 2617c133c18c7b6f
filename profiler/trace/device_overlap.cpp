#include <tswap/trace/device_overlap.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include <tswap/trace/copies.h>
#include <tswap/trace/intervals.h>

namespace tswap::trace {
namespace {

using Span = Interval<std::uint64_t>;  // a log's times

}  // namespace

std::optional<double> DeviceOverlap::share() const {
  if (copy_ns == 0 || layer_spans == 0) return std::nullopt;
  return static_cast<double>(overlapped_ns) / static_cast<double>(copy_ns);
}

DeviceOverlap device_overlap(const Trace& trace) {
  DeviceOverlap d;
  // Open spans by (tag, layer, step, backward): device-timed records come
  // in time order once loaded, whatever order the writer wrote them in.
  std::map<std::tuple<std::uint16_t, std::uint16_t, std::uint32_t, bool>, std::uint64_t> open;
  std::vector<Span> compute;
  for (const Event& e : trace.events()) {
    if (!(e.flags & kFlagDeviceTime)) continue;
    const EventKind k = e.event_kind();
    const bool backward = k == EventKind::backward_enter || k == EventKind::backward_exit;
    const auto key = std::make_tuple(e.tag, e.layer, e.step, backward);
    if (k == EventKind::layer_enter || k == EventKind::backward_enter) {
      open[key] = e.host_ns;
    } else if (k == EventKind::layer_exit || k == EventKind::backward_exit) {
      const auto it = open.find(key);
      if (it == open.end()) continue;
      if (e.host_ns > it->second) compute.emplace_back(it->second, e.host_ns);
      ++d.layer_spans;
      open.erase(it);
    }
  }
  const std::vector<Span> busy = merged(std::move(compute));
  for (const Span& i : busy) d.compute_ns += i.second - i.first;
  for_each_copy(trace, [&](const Copy& c) {
    if (!c.timed() || c.source() != TimeSource::device) return;
    ++d.copies;
    const std::uint64_t b = c.start->ns, e = std::max(c.start->ns, c.done->ns);
    d.copy_ns += e - b;
    d.overlapped_ns += covered(busy, b, e);
  });
  return d;
}

}  // namespace tswap::trace
