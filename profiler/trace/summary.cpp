#include <tswap/trace/summary.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <tswap/trace/copies.h>
#include <tswap/trace/stall_blame.h>

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
  total.d2h_timed_host += l.d2h_timed_host;
  total.d2h_timed_device += l.d2h_timed_device;
  total.h2d_timed_host += l.h2d_timed_host;
  total.h2d_timed_device += l.h2d_timed_device;
  total.stall_ns += l.stall_ns;
  total.stalls += l.stalls;
  total.caused_stall_ns += l.caused_stall_ns;
  total.overlap_ns += l.overlap_ns;
}

/// The engine's resident bytes of a layer, a tag or the log, replayed
/// (resident_delta summed in time order), and the highest level they
/// reached. Unsigned: crafted byte counts wrap, as in the Chrome export.
struct ResidentLevel {
  std::uint64_t now = 0;
  std::int64_t peak = 0;
  void add(std::int64_t delta) {
    now += static_cast<std::uint64_t>(delta);
    peak = std::max(peak, static_cast<std::int64_t>(now));
  }
};

/// A layer's figures and its resident level. A layer whose records only
/// move resident bytes (swap_created alone) gets no row: summary.layer
/// stays -1 until a record counts in it.
struct LayerRow {
  LayerSummary summary;
  ResidentLevel resident;
};

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
  std::map<std::pair<std::uint16_t, std::uint16_t>, LayerRow> layers;
  Summary s;
  std::map<std::uint16_t, std::set<std::uint32_t>> steps_of_tag;
  auto layer_at = [&](std::uint16_t tag, std::uint16_t layer) -> LayerSummary& {
    LayerSummary& l = layers[{tag, layer}].summary;
    if (l.layer < 0) {
      l.tag = trace.tag(tag);
      l.layer = layer;
    }
    return l;
  };
  auto layer_of = [&](const Event& e) -> LayerSummary& { return layer_at(e.tag, e.layer); };
  const auto& events = trace.events();
  // Copy times from the one pairing (Note [Copy pairing] in copies.h): only
  // the copies in flight are held.
  StallBlame blame(trace);
  const CopyPairing::OnCopy on_copy = [&](const Copy& c) {
    blame.take(c);
    const std::optional<std::uint64_t> took = c.duration_ns();
    if (!took) return;
    LayerSummary& l = layer_of(events[c.done->event]);
    const bool device = c.source() == TimeSource::device;
    if (c.direction == CopyDirection::out) {
      l.d2h_ns += *took;
      ++(device ? l.d2h_timed_device : l.d2h_timed_host);
    } else {
      l.h2d_ns += *took;
      ++(device ? l.h2d_timed_device : l.h2d_timed_host);
    }
  };
  const CopyPairing::OnStall on_stall = [&](const Stall& st) {
    LayerSummary& l = layer_of(events[st.event]);
    ++l.stalls;
    l.stall_ns += st.waited_ns;
  };
  CopyPairing pairing(trace);
  std::map<std::uint32_t, StepMemory> memory;
  std::uint32_t current_step = 0;
  ResidentLevel resident;                               // the log's
  std::map<std::uint16_t, ResidentLevel> tag_resident;  // by tag id
  std::map<std::uint32_t, std::int64_t> resident_peak;  // by step
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    pairing.take(i, on_copy, on_stall);
    const std::int64_t delta = resident_delta(e);
    if (delta != 0) {
      resident.add(delta);
      tag_resident[e.tag].add(delta);
      layers[{e.tag, e.layer}].resident.add(delta);
      std::int64_t& peak = resident_peak[current_step];
      peak = std::max(peak, static_cast<std::int64_t>(resident.now));
    }
    switch (e.event_kind()) {
      case EventKind::step_begin:
        steps_of_tag[e.tag].insert(e.step);
        current_step = e.step;
        break;
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
      case EventKind::device_allocated:
      case EventKind::device_reserved: {
        StepMemory& m = memory[e.step];
        m.step = e.step;
        std::uint64_t& peak = e.event_kind() == EventKind::device_allocated ? m.allocated_peak
                                                                            : m.reserved_peak;
        peak = std::max(peak, e.value);
        break;
      }
      default: break;
    }
  }
  pairing.finish(on_copy);
  for (const BlamedStall& b : blame.finish()) {
    for (const StallShare& share : b.shares)
      layer_at(share.tag, share.layer).caused_stall_ns += share.ns;
  }
  for (auto& [step, m] : memory) {
    const auto it = resident_peak.find(step);
    if (it != resident_peak.end()) m.resident_peak = it->second;
    s.memory.push_back(m);
  }
  for (const auto& [tag, steps] : steps_of_tag) {
    s.steps_per_tag[std::string(trace.tag(tag))] = steps.size();
    s.steps = std::max<std::uint64_t>(s.steps, steps.size());
  }
  s.resident_peak = resident.peak;
  std::map<std::string, LayerSummary> tags;
  for (auto& [id, row] : layers) {
    LayerSummary& l = row.summary;
    if (l.layer < 0) continue;  // resident bytes only: no row
    // Overlap: copy time minus the time compute waited on this layer's copies.
    const std::uint64_t copy = l.d2h_ns + l.h2d_ns;
    l.overlap_ns = copy > l.stall_ns ? copy - l.stall_ns : 0;
    l.resident_peak = row.resident.peak;
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
  // A tag's peak is its layers' sum at its highest, not the sum of their peaks.
  for (const auto& [id, level] : tag_resident) {
    const auto t = tags.find(std::string(trace.tag(id)));
    if (t != tags.end()) t->second.resident_peak = std::max(t->second.resident_peak, level.peak);
  }
  for (auto& [name, t] : tags) s.tags.push_back(t);
  return s;
}

}  // namespace tswap::trace
