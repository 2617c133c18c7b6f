#include <tswap/trace/summary.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "copy_key.h"

namespace tswap::trace {
namespace {

std::optional<double> gb_per_s(std::uint64_t bytes, std::uint64_t ns) {
  if (ns == 0) return std::nullopt;
  return static_cast<double>(bytes) / static_cast<double>(ns);
}

void add_into(LayerSummary& total, const LayerSummary& l) {
  total.tensors_out += l.tensors_out;
  total.bytes_out += l.bytes_out;
  total.tensors_in += l.tensors_in;
  total.bytes_in += l.bytes_in;
  total.prefetched += l.prefetched;
  total.reused += l.reused;
  total.freed += l.freed;
  total.deferred += l.deferred;
  total.kept += l.kept;
  total.d2h_ns += l.d2h_ns;
  total.h2d_ns += l.h2d_ns;
  total.stall_ns += l.stall_ns;
  total.stalls += l.stalls;
  total.overlap_ns += l.overlap_ns;
}

}  // namespace

std::int64_t resident_delta(const Event& e) {
  // In unsigned arithmetic: a crafted value of 2^63 or more wraps, it does
  // not overflow (undefined behaviour) on negation.
  switch (e.event_kind()) {
    case EventKind::swap_created:
    case EventKind::h2d_queued:
    case EventKind::reuse:
      return static_cast<std::int64_t>(e.value);
    case EventKind::release:
    case EventKind::swap_destroyed:
      return static_cast<std::int64_t>(std::uint64_t{0} - e.value);
    default:
      return 0;
  }
}

std::optional<double> LayerSummary::d2h_bandwidth() const {
  return gb_per_s(bytes_out, d2h_ns);
}
std::optional<double> LayerSummary::h2d_bandwidth() const {
  return gb_per_s(bytes_in, h2d_ns);
}
std::optional<double> LayerSummary::overlap_share() const {
  const std::uint64_t copy = d2h_ns + h2d_ns;
  if (copy == 0) return std::nullopt;
  return static_cast<double>(overlap_ns) / static_cast<double>(copy);
}

Summary summarize(const Trace& trace) {
  // By (tag id, layer) while counting: no string per event.
  std::map<std::pair<std::uint16_t, std::uint16_t>, LayerSummary> layers;
  // Copies in flight only: a start waits here for its done, then leaves, so
  // the map stays as small as the copies running at once.
  std::unordered_map<detail::SwapKey, std::uint64_t, detail::SwapKeyHash> out_started, in_started;
  Summary s;
  std::map<std::uint16_t, std::set<std::uint32_t>> steps_of_tag;
  auto layer_of = [&](const Event& e) -> LayerSummary& {
    LayerSummary& l = layers[{e.tag, e.layer}];
    if (l.layer < 0) {
      l.tag = trace.tag(e.tag);
      l.layer = e.layer;
    }
    return l;
  };
  auto copy_done = [&](const Event& e, auto& started, std::uint64_t LayerSummary::*time) {
    const auto it = started.find(detail::SwapKey::of(e));
    if (it == started.end()) return;
    if (e.host_ns >= it->second) layer_of(e).*time += e.host_ns - it->second;
    started.erase(it);
  };
  for (const Event& e : trace.events()) {
    switch (e.event_kind()) {
      case EventKind::step_begin: steps_of_tag[e.tag].insert(e.step); break;
      case EventKind::kept: ++layer_of(e).kept; break;
      case EventKind::d2h_queued: {
        LayerSummary& l = layer_of(e);
        ++l.tensors_out;
        l.bytes_out += e.value;
        break;
      }
      case EventKind::h2d_queued: {
        LayerSummary& l = layer_of(e);
        ++l.tensors_in;
        l.bytes_in += e.value;
        if (e.flags & kFlagPrefetch) ++l.prefetched;
        break;
      }
      case EventKind::reuse: ++layer_of(e).reused; break;
      case EventKind::release:
        if (e.reason == static_cast<std::uint8_t>(ReleaseReason::freed)) {
          ++layer_of(e).freed;
        } else {
          ++layer_of(e).deferred;
        }
        break;
      case EventKind::d2h_start: out_started[detail::SwapKey::of(e)] = e.host_ns; break;
      case EventKind::h2d_start: in_started[detail::SwapKey::of(e)] = e.host_ns; break;
      case EventKind::d2h_done: copy_done(e, out_started, &LayerSummary::d2h_ns); break;
      case EventKind::h2d_done: copy_done(e, in_started, &LayerSummary::h2d_ns); break;
      case EventKind::stall: {
        LayerSummary& l = layer_of(e);
        ++l.stalls;
        l.stall_ns += e.value;
        break;
      }
      default: break;
    }
  }
  for (const auto& [tag, steps] : steps_of_tag) {
    s.steps_per_tag[std::string(trace.tag(tag))] = steps.size();
    s.steps = std::max<std::uint64_t>(s.steps, steps.size());
  }
  std::map<std::string, LayerSummary> tags;
  for (auto& [id, l] : layers) {
    // Overlap: copy time minus the time compute waited on this layer's copies.
    const std::uint64_t copy = l.d2h_ns + l.h2d_ns;
    l.overlap_ns = copy > l.stall_ns ? copy - l.stall_ns : 0;
    s.layers.push_back(l);
  }
  std::sort(s.layers.begin(), s.layers.end(), [](const LayerSummary& a, const LayerSummary& b) {
    return std::tie(a.tag, a.layer) < std::tie(b.tag, b.layer);
  });
  for (const LayerSummary& l : s.layers) {
    LayerSummary& t = tags[l.tag];
    t.tag = l.tag;
    add_into(t, l);
  }
  for (auto& [name, t] : tags) s.tags.push_back(t);
  return s;
}

}  // namespace tswap::trace
