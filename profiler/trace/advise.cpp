// Note [Planning]
// ~~~~~~~~~~~~~~~
// A plan is judged by replaying one profiled step on a model of what the
// engine does (docs/engine.md, "The schedule") and of the link:
//
//  - every tensor a layer saved is resident from its save; an unswapped
//    one (its tag not swapped, or one of the tag's last keep_last layers)
//    until its layer's backward ends;
//  - a swapped tensor's copy out is queued at its save on a FIFO link at
//    the measured rate (one per direction); its layer is released when the
//    tag's next layer saves its first tensor, after compute waits for the
//    layer's copies out;
//  - with prefetch depth d, layer L's copies back are queued in step with
//    the backward of layer P = min(L + d, the tag's top layer), tensor by
//    tensor in the order backward needs them (d = 0: at the tensor's own
//    use); each tensor is needed at the same fraction of L's backward, and
//    compute waits for it there;
//  - every wait delays everything after it (one compute stream).
//
// Tensors of a tag that is not swapped but whose layer runs inside a
// swapped tag's layer (an MLP's tag in its block's) are saved in that outer
// layer, as the engine does when the inner scope is gone. The model knows
// nothing of the allocator (fragmentation, the caching allocator's reserve)
// nor of copies' fixed latency: docs/tuning.md says how close it comes.

#include <tswap/trace/advise.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include <tswap/trace/copies.h>
#include <tswap/trace/intervals.h>
#include <tswap/trace/summary.h>

namespace tswap::trace {

std::uint64_t ProfiledLayer::bytes() const {
  std::uint64_t b = 0;
  for (const auto& t : tensors) b += t.bytes;
  return b;
}

std::string describe(const Plan& plan) {
  std::ostringstream out;
  if (plan.swapped.empty()) return "swap nothing";
  out << "swap ";
  bool first = true;
  for (const auto& tag : plan.swapped) {
    out << (first ? "" : " and ") << tag;
    first = false;
  }
  out << ", keep_last " << plan.keep_last << ", prefetch_depth " << plan.prefetch_depth;
  return out.str();
}

namespace {

// ---------------------------------------------------------------- profile

struct Window {
  std::optional<std::uint64_t> host_begin, host_end, device_begin, device_end;
  void take(const Event& e, bool begin) {
    const bool device = (e.flags & kFlagDeviceTime) != 0;
    auto& slot = begin ? (device ? device_begin : host_begin) : (device ? device_end : host_end);
    if (begin) {
      if (!slot || e.host_ns < *slot) slot = e.host_ns;
    } else {
      if (!slot || e.host_ns > *slot) slot = e.host_ns;
    }
  }
  bool complete(bool device) const {
    return device ? device_begin && device_end : host_begin && host_end;
  }
  std::uint64_t begin(bool device) const { return device ? *device_begin : *host_begin; }
  std::uint64_t end(bool device) const { return device ? *device_end : *host_end; }
};

struct RawLayer {
  Window forward, backward;
  std::vector<ProfiledTensor> tensors;  // saved_ns absolute until shifted
};

using TagStep = std::pair<std::uint16_t, std::uint32_t>;

}  // namespace

Profile profile(const Trace& trace, std::optional<double> link_gbps) {
  // Each tag's steps, with their layers' windows and tensors.
  std::map<TagStep, std::map<int, RawLayer>> steps;
  std::vector<std::uint16_t> tag_order;
  bool any_observed = false, any_device = false;
  // A swapped run's compute waited on copies: its windows hold those waits,
  // which the model adds itself. Times are read with the waits before them
  // taken out (the host's; a device-timed log's stalls are host waits too).
  std::vector<Interval<std::int64_t>> waits;
  for (const Event& e : trace.events()) {
    if (e.event_kind() != EventKind::stall || e.value == 0) continue;
    const auto end = static_cast<std::int64_t>(e.host_ns);
    waits.emplace_back(end - static_cast<std::int64_t>(std::min<std::uint64_t>(e.value, e.host_ns)),
                       end);
  }
  waits = merged(std::move(waits));
  auto compute_time = [&waits](std::uint64_t ns) {
    const auto t = static_cast<std::int64_t>(ns);
    return static_cast<std::uint64_t>(t - static_cast<std::int64_t>(covered(waits, std::int64_t{0}, t)));
  };
  for (const Event& raw_event : trace.events()) {
    Event e = raw_event;
    e.host_ns = compute_time(e.host_ns);
    const TagStep key{e.tag, e.step};
    switch (e.event_kind()) {
      case EventKind::layer_enter:
      case EventKind::layer_exit:
        steps[key][e.layer].forward.take(e, e.event_kind() == EventKind::layer_enter);
        any_device |= (e.flags & kFlagDeviceTime) != 0;
        if (std::find(tag_order.begin(), tag_order.end(), e.tag) == tag_order.end())
          tag_order.push_back(e.tag);
        break;
      case EventKind::backward_enter:
      case EventKind::backward_exit:
        steps[key][e.layer].backward.take(e, e.event_kind() == EventKind::backward_enter);
        break;
      case EventKind::kept:
        if (e.reason != static_cast<std::uint8_t>(KeepReason::observed)) break;
        any_observed = true;
        steps[key][e.layer].tensors.push_back(
            {e.index, e.value, static_cast<std::int64_t>(e.host_ns)});
        break;
      case EventKind::swap_created:
        steps[key][e.layer].tensors.push_back(
            {e.index, e.value, static_cast<std::int64_t>(e.host_ns)});
        break;
      default:
        break;
    }
  }
  if (tag_order.empty()) {
    throw AdviseError(trace.path() + ": no layer scope in the log: nothing to plan from (record "
                                     "a run with SwapContext scopes, e.g. TSWAP_OBSERVE=1)");
  }
  const bool device = any_device;
  auto complete = [&](const std::map<int, RawLayer>& layers) {
    if (layers.empty()) return false;
    for (const auto& [l, raw] : layers) {
      if (!raw.forward.complete(device)) return false;
      if (!raw.tensors.empty() && !raw.backward.complete(device)) return false;
    }
    return true;
  };
  // The last step complete for every tag: tags begin steps together (nested
  // tags each begin every step), so each takes its own last complete one.
  Profile p;
  p.device_times = device;
  p.observed = any_observed;
  std::int64_t zero = -1, last = 0;
  std::vector<std::pair<std::uint16_t, const std::map<int, RawLayer>*>> chosen;
  std::map<std::uint16_t, std::uint32_t> chosen_step;
  for (std::uint16_t tag : tag_order) {
    const std::map<int, RawLayer>* best = nullptr;
    std::uint32_t best_step = 0;
    for (const auto& [key, layers] : steps) {
      if (key.first != tag || !complete(layers) || key.second < best_step) continue;
      best = &layers;
      best_step = key.second;
    }
    if (best == nullptr) {
      const bool spans = std::any_of(trace.events().begin(), trace.events().end(), [](const Event& e) {
        return e.event_kind() == EventKind::backward_enter;
      });
      throw AdviseError(
          trace.path() + ": tag '" + std::string(trace.tag(tag)) +
          "' has no complete step (every layer's forward and backward) in the log: " +
          (spans ? std::string("record at least one whole training step")
                 : std::string("the log has no backward spans (format version 1, written "
                               "before them, or a run whose backward never ran): record it "
                               "again with this version")));
    }
    if (p.step == 0) p.step = best_step;
    chosen.emplace_back(tag, best);
    chosen_step[tag] = best_step;
    p.tags.emplace_back(trace.tag(tag));
    for (const auto& [l, raw] : *best) {
      const auto b = static_cast<std::int64_t>(raw.forward.begin(device));
      if (zero < 0 || b < zero) zero = b;
    }
  }
  // Saves are host times; with device-timed windows each is put at the same
  // share of its layer's device forward as of its host forward (the host
  // runs ahead of the device, so the two clocks' windows differ).
  auto on_window_clock = [device](const Window& w, std::int64_t host_ns) {
    if (!device || !w.complete(false) || !w.complete(true)) return host_ns;
    const auto hb = static_cast<double>(w.begin(false)), he = static_cast<double>(w.end(false));
    const auto db = static_cast<double>(w.begin(true)), de = static_cast<double>(w.end(true));
    const double share = he > hb ? std::clamp((static_cast<double>(host_ns) - hb) / (he - hb), 0.0, 1.0) : 0.0;
    return static_cast<std::int64_t>(db + share * (de - db));
  };
  // The step on the host's clock, where the engine's resident records are.
  std::int64_t host_first = std::numeric_limits<std::int64_t>::max(), host_last = 0;
  for (const auto& [tag, layers] : chosen) {
    for (const auto& [l, raw] : *layers) {
      ProfiledLayer pl;
      pl.tag = std::string(trace.tag(tag));
      pl.layer = l;
      pl.forward_begin = static_cast<std::int64_t>(raw.forward.begin(device)) - zero;
      pl.forward_end = static_cast<std::int64_t>(raw.forward.end(device)) - zero;
      if (raw.backward.complete(device)) {
        pl.backward_begin = static_cast<std::int64_t>(raw.backward.begin(device)) - zero;
        pl.backward_end = static_cast<std::int64_t>(raw.backward.end(device)) - zero;
      } else {
        pl.backward_begin = pl.backward_end = pl.forward_end;
      }
      pl.tensors = raw.tensors;
      for (auto& t : pl.tensors) {
        t.saved_ns = on_window_clock(raw.forward, t.saved_ns) - zero;
      }
      if (raw.forward.complete(false)) {
        host_first = std::min(host_first, static_cast<std::int64_t>(raw.forward.begin(false)));
        host_last = std::max(host_last, static_cast<std::int64_t>(raw.forward.end(false)));
      }
      if (raw.backward.complete(false)) {
        host_last = std::max(host_last, static_cast<std::int64_t>(raw.backward.end(false)));
      }
      std::sort(pl.tensors.begin(), pl.tensors.end(),
                [](const ProfiledTensor& a, const ProfiledTensor& b) { return a.index < b.index; });
      last = std::max({last, pl.forward_end, pl.backward_end});
      p.layers.push_back(std::move(pl));
    }
  }
  p.step_ns = last;
  std::optional<std::uint64_t> origin;
  for (const Event& e : trace.events()) {
    if (e.event_kind() != EventKind::layer_enter || e.step != p.step) continue;
    if (((e.flags & kFlagDeviceTime) != 0) != device) continue;
    origin = std::min(origin.value_or(e.host_ns), e.host_ns);
  }
  p.origin_ns = origin.value_or(0);
  // What the run did in that step.
  if (!any_observed) {
    std::uint64_t stalled = 0;
    std::int64_t level = 0, peak = 0;
    bool any_copy = false;
    for (const Event& e : trace.events()) {
      level += resident_delta(e);
      const auto t = static_cast<std::int64_t>(compute_time(e.host_ns));
      if (t >= host_first && t <= host_last) peak = std::max(peak, level);
      any_copy |= e.event_kind() == EventKind::d2h_queued;
      if (e.event_kind() != EventKind::stall) continue;
      for (const auto& [tag, layers] : chosen) {
        if (e.tag == tag && !layers->empty() && e.step == chosen_step.at(tag)) stalled += e.value;
      }
    }
    if (any_copy) {
      p.measured_stall_ns = stalled;
      p.measured_resident_peak = peak;
    }
  }
  // Nesting: the other tag's layer whose forward holds this one's.
  for (ProfiledLayer& inner : p.layers) {
    for (const ProfiledLayer& outer : p.layers) {
      if (outer.tag == inner.tag) continue;
      if (outer.forward_begin <= inner.forward_begin && inner.forward_end <= outer.forward_end &&
          (outer.forward_begin < inner.forward_begin || inner.forward_end < outer.forward_end)) {
        inner.enclosing_tag = outer.tag;
        inner.enclosing_layer = outer.layer;
      }
    }
  }
  // The link: the log's timed copies, per direction.
  std::uint64_t bytes[2] = {0, 0}, ns[2] = {0, 0};
  for_each_copy(trace, [&](const Copy& c) {
    const auto d = c.duration_ns();
    if (!d || *d == 0) return;
    const int i = c.direction == CopyDirection::out ? 0 : 1;
    bytes[i] += c.bytes;
    ns[i] += *d;
    ++p.copies_measured;
  });
  if (link_gbps && *link_gbps > 0) {  // given: it wins over what the log measured
    p.d2h_bytes_per_ns = p.h2d_bytes_per_ns = *link_gbps;
    p.copies_measured = 0;
  } else if (ns[0] > 0 && ns[1] > 0) {
    p.d2h_bytes_per_ns = static_cast<double>(bytes[0]) / static_cast<double>(ns[0]);
    p.h2d_bytes_per_ns = static_cast<double>(bytes[1]) / static_cast<double>(ns[1]);
    p.link_measured = true;
  } else {
    throw AdviseError(trace.path() + ": " +
                      (any_observed ? std::string("an observe-mode log copied nothing")
                                    : std::string("the log times no copy both ways")) +
                      " to measure the link from: give its rate with --link GB/s");
  }
  return p;
}

// ---------------------------------------------------------------- predict

namespace {

enum class PointKind : std::uint8_t {
  save,      // + bytes; a swapped tensor's copy out is queued
  release,   // a swapped layer: wait for its copies out, - its bytes
  back,      // a copy back queued: + bytes
  use,       // compute needs a swapped tensor: wait for its copy back
  free,      // backward is done with a tensor: - its bytes, if held
};

struct Point {
  std::int64_t at = 0;
  PointKind kind = PointKind::save;
  int order = 0;          // among points at the same time: frees first, then waits
  std::size_t layer = 0;  // index into Simulation::layers
  std::size_t tensor = 0;
};

/// One layer as a plan runs it: the profiled layer's tensors, or an outer
/// layer with an unswapped inner tag's tensors moved into it.
struct PlannedLayer {
  std::string tag;  // the tag it counts under (for stalls)
  int layer = 0;
  const ProfiledLayer* own = nullptr;
  std::vector<ProfiledTensor> tensors;
  bool swapped_tag = false;  // its tag has a context that swaps
  bool copies = false;       // copied out (not one of the last keep_last)
  std::size_t next = SIZE_MAX;  // the tag's next layer, whose first save releases this one
  std::size_t prefetcher = SIZE_MAX;  // the layer whose backward brings it back
};

std::int64_t transfer_ns(std::uint64_t bytes, double bytes_per_ns) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) / bytes_per_ns));
}

}  // namespace

Prediction predict(const Profile& profile, const Plan& plan) {
  // The layers as the plan saves them.
  std::vector<PlannedLayer> layers;
  std::map<std::pair<std::string, int>, std::size_t> by_key;
  for (const ProfiledLayer& l : profile.layers) {
    const bool moved = plan.swapped.count(l.tag) == 0 && !l.enclosing_tag.empty() &&
                       plan.swapped.count(l.enclosing_tag) != 0;
    if (moved) continue;
    PlannedLayer pl;
    pl.tag = l.tag;
    pl.layer = l.layer;
    pl.own = &l;
    pl.tensors = l.tensors;
    pl.swapped_tag = plan.swapped.count(l.tag) != 0;
    by_key[{l.tag, l.layer}] = layers.size();
    layers.push_back(std::move(pl));
  }
  for (const ProfiledLayer& l : profile.layers) {
    const bool moved = plan.swapped.count(l.tag) == 0 && !l.enclosing_tag.empty() &&
                       plan.swapped.count(l.enclosing_tag) != 0;
    if (!moved) continue;
    PlannedLayer& outer = layers[by_key.at({l.enclosing_tag, l.enclosing_layer})];
    outer.tensors.insert(outer.tensors.end(), l.tensors.begin(), l.tensors.end());
  }
  // Keys in save order, as the engine numbers them.
  for (PlannedLayer& pl : layers) {
    std::stable_sort(pl.tensors.begin(), pl.tensors.end(),
                     [](const ProfiledTensor& a, const ProfiledTensor& b) {
                       return a.saved_ns < b.saved_ns;
                     });
  }
  // Per swapped tag: which layers copy, who releases and who prefetches them.
  std::map<std::string, std::vector<std::size_t>> per_tag;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].swapped_tag && !layers[i].tensors.empty()) per_tag[layers[i].tag].push_back(i);
  }
  for (auto& [tag, members] : per_tag) {
    std::sort(members.begin(), members.end(),
              [&](std::size_t a, std::size_t b) { return layers[a].layer < layers[b].layer; });
    const int n = static_cast<int>(members.size());
    for (int k = 0; k < n; ++k) {
      PlannedLayer& pl = layers[members[static_cast<std::size_t>(k)]];
      pl.copies = k <= n - 1 - plan.keep_last;
      if (k + 1 < n) pl.next = members[static_cast<std::size_t>(k + 1)];
      if (plan.prefetch_depth > 0) {
        pl.prefetcher = members[static_cast<std::size_t>(std::min(k + plan.prefetch_depth, n - 1))];
      }
    }
  }
  // The step's points, in time order.
  std::vector<Point> points;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const PlannedLayer& pl = layers[i];
    const std::int64_t bb = pl.own->backward_begin, be = pl.own->backward_end;
    const std::size_t n = pl.tensors.size();
    for (std::size_t t = 0; t < n; ++t) {
      points.push_back({pl.tensors[t].saved_ns, PointKind::save, 3, i, t});
      // Backward uses the keys from the last down, evenly over its span;
      // autograd lets go of each once its node ran.
      const double share = static_cast<double>(n - 1 - t) / static_cast<double>(n);
      const auto use = bb + static_cast<std::int64_t>(share * static_cast<double>(be - bb));
      const auto done = bb + static_cast<std::int64_t>((share + 1.0 / static_cast<double>(n)) *
                                                       static_cast<double>(be - bb));
      points.push_back({std::max(done, pl.own->forward_end), PointKind::free, 0, i, t});
      if (!pl.copies) continue;
      points.push_back({use, PointKind::use, 2, i, t});
      std::int64_t back = use;
      if (pl.prefetcher != SIZE_MAX) {
        const ProfiledLayer& by = *layers[pl.prefetcher].own;
        back = by.backward_begin +
               static_cast<std::int64_t>(share * static_cast<double>(by.backward_end -
                                                                     by.backward_begin));
        back = std::min(back, use);
      }
      points.push_back({back, PointKind::back, 1, i, t});
    }
    if (pl.copies && pl.next != SIZE_MAX && !layers[pl.next].tensors.empty()) {
      // Released at the next layer's first save, before that save.
      points.push_back({layers[pl.next].tensors.front().saved_ns, PointKind::release, 2, i, 0});
    }
  }
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return std::tie(a.at, a.order) < std::tie(b.at, b.order);
  });

  Prediction out;
  std::int64_t delay = 0;  // the waits so far
  std::int64_t d2h_free = 0, h2d_free = 0;
  std::vector<std::int64_t> out_done(layers.size(), 0);
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> back_done;
  std::vector<std::int64_t> held(layers.size(), 0);  // device bytes each layer holds
  std::vector<bool> released(layers.size(), false);
  std::map<std::pair<std::size_t, std::size_t>, bool> on_device;  // tensors held now
  std::map<std::string, std::uint64_t> stall_per_tag;
  std::int64_t level = 0, swapped_level = 0;
  auto add = [&](std::size_t i, std::int64_t bytes, std::int64_t at) {
    held[i] += bytes;
    level += bytes;
    if (layers[i].swapped_tag) swapped_level += bytes;
    out.curve.emplace_back(at, level);
    out.swapped_curve.emplace_back(at, swapped_level);
    out.peak_bytes = std::max(out.peak_bytes, level);
    out.swapped_peak_bytes = std::max(out.swapped_peak_bytes, swapped_level);
  };
  auto wait_until = [&](std::int64_t now, std::int64_t ready, const std::string& tag) {
    if (ready <= now) return now;
    const std::int64_t waited = ready - now;
    delay += waited;
    out.stall_ns += static_cast<std::uint64_t>(waited);
    stall_per_tag[tag] += static_cast<std::uint64_t>(waited);
    return ready;
  };
  out.curve.emplace_back(0, 0);
  out.swapped_curve.emplace_back(0, 0);
  for (const Point& p : points) {
    std::int64_t now = p.at + delay;
    const PlannedLayer& pl = layers[p.layer];
    switch (p.kind) {
      case PointKind::save: {
        const std::uint64_t bytes = pl.tensors[p.tensor].bytes;
        add(p.layer, static_cast<std::int64_t>(bytes), now);
        on_device[{p.layer, p.tensor}] = true;
        if (pl.copies && bytes > 0) {
          d2h_free = std::max(d2h_free, now) + transfer_ns(bytes, profile.d2h_bytes_per_ns);
          out_done[p.layer] = d2h_free;
          out.bytes_out += bytes;
        }
        break;
      }
      case PointKind::release:
        now = wait_until(now, out_done[p.layer], pl.tag);
        add(p.layer, -held[p.layer], now);
        released[p.layer] = true;
        for (std::size_t t = 0; t < pl.tensors.size(); ++t) on_device[{p.layer, t}] = false;
        break;
      case PointKind::back: {
        if (!released[p.layer]) break;  // never left the device
        const std::uint64_t bytes = pl.tensors[p.tensor].bytes;
        if (bytes == 0) break;
        add(p.layer, static_cast<std::int64_t>(bytes), now);
        on_device[{p.layer, p.tensor}] = true;
        h2d_free = std::max(h2d_free, now) + transfer_ns(bytes, profile.h2d_bytes_per_ns);
        back_done[{p.layer, p.tensor}] = h2d_free;
        out.bytes_back += bytes;
        break;
      }
      case PointKind::use: {
        const auto it = back_done.find({p.layer, p.tensor});
        if (it != back_done.end()) wait_until(now, it->second, pl.tag);
        break;
      }
      case PointKind::free: {
        auto it = on_device.find({p.layer, p.tensor});
        if (it == on_device.end() || !it->second) break;
        it->second = false;
        add(p.layer, -static_cast<std::int64_t>(pl.tensors[p.tensor].bytes), now);
        break;
      }
    }
  }
  for (const auto& [tag, ns] : stall_per_tag) out.stall_per_tag.emplace_back(tag, ns);
  return out;
}

// ---------------------------------------------------------------- advise

Advice advise(const Profile& profile, std::uint64_t budget) {
  Advice a;
  a.budget = budget;
  a.without_swapping = predict(profile, Plan{});
  std::vector<std::string> tags = profile.tags;
  if (tags.size() > 12) tags.resize(12);
  int most_layers = 1;
  for (const std::string& tag : tags) {
    int n = 0;
    for (const ProfiledLayer& l : profile.layers) n += l.tag == tag;
    most_layers = std::max(most_layers, n);
  }
  struct Tried {
    Plan plan;
    Prediction prediction;
  };
  std::vector<Tried> fits;
  Tried lowest{Plan{}, a.without_swapping};
  for (std::uint32_t mask = 0; mask < (1u << tags.size()); ++mask) {
    for (int keep = 1; keep <= std::min(4, most_layers); ++keep) {
      for (int depth = 0; depth <= 3; ++depth) {
        Plan plan;
        for (std::size_t i = 0; i < tags.size(); ++i) {
          if (mask & (1u << i)) plan.swapped.insert(tags[i]);
        }
        if (plan.swapped.empty() && (keep != 1 || depth != 1)) continue;  // all the same
        plan.keep_last = keep;
        plan.prefetch_depth = depth;
        Prediction p = predict(profile, plan);
        if (p.peak_bytes < lowest.prediction.peak_bytes ||
            (p.peak_bytes == lowest.prediction.peak_bytes &&
             p.stall_ns < lowest.prediction.stall_ns)) {
          lowest = {plan, p};
        }
        if (p.peak_bytes <= static_cast<std::int64_t>(budget)) fits.push_back({plan, std::move(p)});
      }
    }
  }
  auto better = [](const Tried& x, const Tried& y) {
    const auto moved = [](const Prediction& p) { return p.bytes_out + p.bytes_back; };
    return std::make_tuple(x.prediction.stall_ns, moved(x.prediction), -x.plan.keep_last,
                           x.plan.prefetch_depth) <
           std::make_tuple(y.prediction.stall_ns, moved(y.prediction), -y.plan.keep_last,
                           y.plan.prefetch_depth);
  };
  std::stable_sort(fits.begin(), fits.end(), better);
  a.lowest_reachable_peak = lowest.prediction.peak_bytes;
  if (fits.empty()) {
    a.budget_met = false;
    a.plan = lowest.plan;
    a.prediction = lowest.prediction;
    return a;
  }
  a.budget_met = true;
  a.plan = fits.front().plan;
  a.prediction = fits.front().prediction;
  for (std::size_t i = 1; i < fits.size() && a.runners_up.size() < 5; ++i) {
    a.runners_up.emplace_back(fits[i].plan, fits[i].prediction);
  }
  return a;
}

}  // namespace tswap::trace
