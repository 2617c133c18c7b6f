#include <tswap/trace/summary.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "copy_key.h"

namespace tswap::trace {
namespace {

double gb_per_s(std::uint64_t bytes, std::uint64_t ns) {
  return ns == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(ns);
}

struct CopyTimes {
  std::uint64_t start = 0, done = 0, stalled = 0;
  bool started = false, finished = false;
};

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
  const auto bytes = static_cast<std::int64_t>(e.value);
  switch (e.event_kind()) {
    case EventKind::swap_created:
    case EventKind::h2d_queued:
    case EventKind::reuse:
      return bytes;
    case EventKind::release:
    case EventKind::swap_destroyed:
      return -bytes;
    default:
      return 0;
  }
}

double LayerSummary::d2h_gb_per_s() const {
  return gb_per_s(bytes_out, d2h_ns);
}
double LayerSummary::h2d_gb_per_s() const {
  return gb_per_s(bytes_in, h2d_ns);
}
double LayerSummary::overlap_fraction() const {
  const std::uint64_t copy = d2h_ns + h2d_ns;
  return copy == 0 ? 1.0 : static_cast<double>(overlap_ns) / static_cast<double>(copy);
}

Summary summarize(const Trace& trace) {
  // By (tag id, layer) while counting: no string per event.
  std::map<std::pair<std::uint16_t, std::uint16_t>, LayerSummary> layers;
  std::unordered_map<detail::SwapKey, CopyTimes, detail::SwapKeyHash> out, in;
  Summary s;
  auto layer_of = [&](const Event& e) -> LayerSummary& {
    LayerSummary& l = layers[{e.tag, e.layer}];
    if (l.layer < 0) {
      l.tag = trace.tag(e.tag);
      l.layer = e.layer;
    }
    return l;
  };
  for (const Event& e : trace.events()) {
    const detail::SwapKey key = detail::SwapKey::of(e);
    switch (e.event_kind()) {
      case EventKind::step_begin:
        ++s.steps;
        break;
      case EventKind::kept:
        ++layer_of(e).kept;
        break;
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
      case EventKind::reuse:
        ++layer_of(e).reused;
        break;
      case EventKind::release:
        if (e.reason == static_cast<std::uint8_t>(ReleaseReason::freed)) {
          ++layer_of(e).freed;
        } else {
          ++layer_of(e).deferred;
        }
        break;
      case EventKind::d2h_start:
        out[key].start = e.host_ns, out[key].started = true;
        break;
      case EventKind::d2h_done:
        out[key].done = e.host_ns, out[key].finished = true;
        break;
      case EventKind::h2d_start:
        in[key].start = e.host_ns, in[key].started = true;
        break;
      case EventKind::h2d_done:
        in[key].done = e.host_ns, in[key].finished = true;
        break;
      case EventKind::stall: {
        LayerSummary& l = layer_of(e);
        ++l.stalls;
        l.stall_ns += e.value;
        ((e.flags & kFlagWaitH2D) ? in : out)[key].stalled += e.value;
        break;
      }
      default:
        break;
    }
  }
  // Copy time and overlap per layer, from the copies that were timed.
  auto add_copies = [&](const auto& copies, bool to_host) {
    for (const auto& [key, c] : copies) {
      if (!c.started || !c.finished || c.done < c.start) continue;
      const std::uint64_t took = c.done - c.start;
      LayerSummary& l = layers[{key.tag, key.layer}];
      if (l.layer < 0) {
        l.tag = trace.tag(key.tag);
        l.layer = key.layer;
      }
      (to_host ? l.d2h_ns : l.h2d_ns) += took;
      l.overlap_ns += took > c.stalled ? took - c.stalled : 0;
    }
  };
  add_copies(out, true);
  add_copies(in, false);

  std::map<std::string, LayerSummary> tags;
  for (auto& [id, l] : layers) s.layers.push_back(l);
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
