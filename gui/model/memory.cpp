#include "memory.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <tswap/trace/summary.h>
#include <tswap/trace/swap_key.h>

#include "time_mapping.h"

namespace tswap::viewer {

namespace {

/// level + delta (- delta) in unsigned arithmetic, as the Chrome export sums resident
/// bytes: a crafted log's byte counts then wrap instead of overflowing
/// (undefined behaviour; the fuzzer found it).
std::int64_t add_wrapping(std::int64_t level, std::int64_t delta) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(level) + static_cast<std::uint64_t>(delta));
}
std::int64_t sub_wrapping(std::int64_t level, std::int64_t delta) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(level) - static_cast<std::uint64_t>(delta));
}

}  // namespace

void Curve::append(std::uint64_t t, std::int64_t v) {
  if (!t_.empty() && t_.back() == t) {
    v_.back() = v;  // several changes at one time: the last level holds
    return;
  }
  t_.push_back(t);
  v_.push_back(v);
}

void Curve::reserve(std::size_t points) {
  t_.reserve(points);
  v_.reserve(points);
}

void Curve::seal() {
  block_max_.clear();
  for (std::size_t b = 0; b < v_.size(); b += kBlock) {
    const auto end = v_.begin() + static_cast<std::ptrdiff_t>(std::min(v_.size(), b + kBlock));
    block_max_.push_back(*std::max_element(v_.begin() + static_cast<std::ptrdiff_t>(b), end));
  }
  peak_ = 0;
  peak_at_ = 0;
  if (!v_.empty()) {
    const auto it = std::max_element(v_.begin(), v_.end());
    peak_ = *it;
    peak_at_ = t_[static_cast<std::size_t>(it - v_.begin())];
  }
  std::vector<Bucket> finest;
  finest.reserve(t_.size());
  for (std::size_t i = 0; i < t_.size(); ++i) {
    const std::uint64_t index = t_[i] >> kBaseShift;
    if (!finest.empty() && finest.back().index == index) {
      finest.back().max = std::max(finest.back().max, v_[i]);
      finest.back().last = v_[i];
    } else {
      finest.push_back(Bucket{index, v_[i], v_[i]});
    }
  }
  pyramid_.build(std::move(finest), kBaseShift, [](Bucket& into, const Bucket& from) {
    into.max = std::max(into.max, from.max);
    into.last = from.last;
  });
}

std::int64_t Curve::at(double ns) const {
  const auto it = std::upper_bound(t_.begin(), t_.end(), ns,
                                   [](double t, std::uint64_t p) { return t < static_cast<double>(p); });
  return it == t_.begin() ? 0 : v_[static_cast<std::size_t>(it - t_.begin()) - 1];
}

std::int64_t Curve::max_in(double t0, double t1) const {
  std::int64_t best = at(t0);
  auto i = static_cast<std::size_t>(
      std::upper_bound(t_.begin(), t_.end(), t0,
                       [](double t, std::uint64_t p) { return t < static_cast<double>(p); }) -
      t_.begin());
  while (i < t_.size() && static_cast<double>(t_[i]) < t1) {
    // A whole block inside the range: its maximum, no scan.
    if (i % kBlock == 0 && i + kBlock <= t_.size() &&
        static_cast<double>(t_[i + kBlock - 1]) < t1) {
      best = std::max(best, block_max_[i / kBlock]);
      i += kBlock;
      continue;
    }
    best = std::max(best, v_[i]);
    ++i;
  }
  return best;
}

std::vector<std::int64_t> Curve::columns(const TimeMapping& m) const { return columns(m, 0, m.width()); }

std::vector<std::int64_t> Curve::columns(const TimeMapping& m, int x0, int x1) const {
  const auto first = static_cast<std::size_t>(std::max(0, x0));
  const auto width = static_cast<std::size_t>(std::max(0, x1 - static_cast<int>(first)));
  std::vector<std::int64_t> out(width);
  // The coarsest level whose buckets are no wider than a column.
  const auto* pyramid_level = pyramid_.level_for(m.ns_per_px());
  if (pyramid_level == nullptr) {  // zoomed in past the finest buckets: exact
    for (std::size_t i = 0; i < width; ++i) {
      const auto x = static_cast<double>(first + i);
      out[i] = max_in(m.ns(x), m.ns(x + 1));
    }
    return out;
  }
  const std::vector<Bucket>* level = &pyramid_level->buckets;
  const int shift = pyramid_level->shift;
  // One sweep over the buckets. A column gets the maximum of every bucket
  // that overlaps it, and the level held at its start: the last level of
  // the bucket before the one straddling the start (or of the last bucket,
  // if none straddles it). No binary search per column: on arrays of
  // millions of points each one is a string of cache misses.
  const double bucket = static_cast<double>(std::uint64_t{1} << shift);
  const double begin = std::max(0.0, m.ns(static_cast<double>(first)));
  auto it = std::lower_bound(level->begin(), level->end(), to_ns(begin) >> shift,
                             [](const Bucket& b, std::uint64_t i) { return b.index < i; });
  if (it != level->begin()) --it;  // a bucket begun before the view may reach into it
  // The level before the first bucket taken.
  std::int64_t before_spill =
      it == level->end() ? at(begin) : at(static_cast<double>(it->index << shift) - 0.5);
  const Bucket* spill = nullptr;  // the last bucket taken
  for (std::size_t i = 0; i < width; ++i) {
    const auto x = static_cast<double>(first + i);
    const double start = m.ns(x), end = m.ns(x + 1);
    std::int64_t best = before_spill;
    if (spill) {
      const bool straddles = static_cast<double>(spill->index << shift) + bucket > start;
      best = straddles ? std::max(before_spill, spill->max) : spill->last;
    }
    while (it != level->end() && static_cast<double>(it->index << shift) < end) {
      if (static_cast<double>(it->index << shift) + bucket > start) best = std::max(best, it->max);
      if (spill) before_spill = spill->last;
      spill = &*it;
      ++it;
    }
    out[i] = best;
  }
  return out;
}

std::int64_t Curve::peak(std::uint64_t* when) const {
  if (when) *when = peak_at_;
  return peak_;
}

MemoryModel MemoryModel::build(const trace::Trace& trace) {
  MemoryModel m;
  // By (tag id, layer): no string per event. Named and ordered at the end.
  std::map<std::pair<std::uint16_t, std::uint16_t>, std::pair<Curve, std::int64_t>> layers;
  std::map<std::uint16_t, std::pair<Curve, std::int64_t>> tags;
  std::unordered_map<trace::SwapKey, std::int64_t> taken;  // bytes each live swap took over
  // Counted first, so that every curve is allocated once at its size.
  std::size_t total_points = 0, without_points = 0, allocated_points = 0, reserved_points = 0;
  {
    std::map<std::pair<std::uint16_t, std::uint16_t>, std::size_t> layer_points;
    std::map<std::uint16_t, std::size_t> tag_points;
    for (const trace::Event& e : trace.events()) {
      const auto kind = e.event_kind();
      if (kind == trace::EventKind::swap_created || kind == trace::EventKind::swap_destroyed) ++without_points;
      if (kind == trace::EventKind::device_allocated) ++allocated_points;
      if (kind == trace::EventKind::device_reserved) ++reserved_points;
      if (trace::resident_delta(e) == 0) continue;
      ++layer_points[{e.tag, e.layer}];
      ++tag_points[e.tag];
      ++total_points;
    }
    for (const auto& [key, n] : layer_points) layers[key].first.reserve(n);
    for (const auto& [tag, n] : tag_points) tags[tag].first.reserve(n);
  }
  m.total.reserve(total_points);
  m.without_swap.reserve(without_points);
  m.device_allocated.reserve(allocated_points);
  m.device_reserved.reserve(reserved_points);
  std::int64_t total = 0, without = 0;
  std::map<std::pair<std::uint16_t, std::uint16_t>, std::uint64_t> saved;
  for (const trace::Event& e : trace.events()) {
    if (e.event_kind() == trace::EventKind::release &&
        e.reason == static_cast<std::uint8_t>(trace::ReleaseReason::freed)) {
      saved[{e.tag, e.layer}] += e.value;
    }
    const trace::SwapKey swap = trace::SwapKey::of(e);
    if (e.event_kind() == trace::EventKind::device_allocated) {
      m.device_allocated.append(e.host_ns, static_cast<std::int64_t>(e.value));
    } else if (e.event_kind() == trace::EventKind::device_reserved) {
      m.device_reserved.append(e.host_ns, static_cast<std::int64_t>(e.value));
    } else if (e.event_kind() == trace::EventKind::swap_created) {
      taken[swap] = static_cast<std::int64_t>(e.value);
      without = add_wrapping(without, static_cast<std::int64_t>(e.value));
      m.without_swap.append(e.host_ns, without);
    } else if (e.event_kind() == trace::EventKind::swap_destroyed) {
      // Without swapping, the storage would have been held until now.
      const auto it = taken.find(swap);
      if (it != taken.end()) {
        without = sub_wrapping(without, it->second);
        taken.erase(it);
        m.without_swap.append(e.host_ns, without);
      }
    }
    const std::int64_t delta = trace::resident_delta(e);
    if (delta == 0) continue;
    auto& [curve, level] = layers[{e.tag, e.layer}];
    level = add_wrapping(level, delta);
    curve.append(e.host_ns, level);
    auto& [tag_curve, tag_level] = tags[e.tag];
    tag_level = add_wrapping(tag_level, delta);
    tag_curve.append(e.host_ns, tag_level);
    total = add_wrapping(total, delta);
    m.total.append(e.host_ns, total);
  }
  using Named = std::pair<std::pair<std::string, int>, std::pair<std::uint16_t, Curve*>>;
  std::vector<Named> named;
  for (auto& [key, layer] : layers) {
    named.push_back({{std::string(trace.tag(key.first)), key.second}, {key.first, &layer.first}});
  }
  std::sort(named.begin(), named.end(),
            [](const Named& a, const Named& b) { return a.first < b.first; });
  std::map<std::uint16_t, std::uint64_t> tag_saved;
  for (auto& [key, id_curve] : named) {
    const auto [tag, curve] = id_curve;
    const auto layer = static_cast<std::uint16_t>(key.second);
    m.labels.push_back(key.first + " L" + std::to_string(key.second));
    m.layer_keys.push_back(MemoryModel::LayerKey{tag, layer});
    const auto s = saved.find({tag, layer});
    m.layer_saved.push_back(s == saved.end() ? 0 : s->second);
    tag_saved[tag] += m.layer_saved.back();
    curve->seal();
    m.layers.push_back(std::move(*curve));
  }
  std::vector<std::pair<std::string, std::uint16_t>> tag_named;
  for (auto& [tag, curve] : tags) tag_named.push_back({std::string(trace.tag(tag)), tag});
  std::sort(tag_named.begin(), tag_named.end());
  for (const auto& [name, tag] : tag_named) {
    m.tag_labels.push_back(name);
    m.tag_ids.push_back(tag);
    m.tag_saved.push_back(tag_saved[tag]);
    Curve& curve = tags[tag].first;
    curve.seal();
    m.tags.push_back(std::move(curve));
    // `named` is sorted by name: this name's layers are one run of it.
    const auto lo = std::lower_bound(named.begin(), named.end(), name,
                                     [](const Named& n, const std::string& s) { return n.first.first < s; });
    const auto hi = std::upper_bound(lo, named.end(), name,
                                     [](const std::string& s, const Named& n) { return s < n.first.first; });
    m.tag_layers.emplace_back(static_cast<std::size_t>(lo - named.begin()),
                              static_cast<std::size_t>(hi - named.begin()));
  }
  m.total.seal();
  m.without_swap.seal();
  m.device_allocated.seal();
  m.device_reserved.seal();
  auto by_peak = [](const std::vector<Curve>& curves) {
    std::vector<std::size_t> order(curves.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return curves[a].peak() > curves[b].peak(); });
    return order;
  };
  m.layers_by_peak = by_peak(m.layers);
  m.tags_by_peak = by_peak(m.tags);
  return m;
}

Savings MemoryModel::savings(const std::string& tag, int layer) const {
  const auto it = std::lower_bound(tag_labels.begin(), tag_labels.end(), tag);
  if (it == tag_labels.end() || *it != tag) return {};
  const auto i = static_cast<std::size_t>(it - tag_labels.begin());
  if (layer < 0) return Savings{tags[i].peak(), tag_saved[i]};
  const auto [first, last] = tag_layers[i];
  const auto begin = layer_keys.begin() + static_cast<std::ptrdiff_t>(first);
  const auto end = layer_keys.begin() + static_cast<std::ptrdiff_t>(last);
  const auto at = std::lower_bound(begin, end, layer,
                                   [](const LayerKey& k, int l) { return k.layer < l; });
  if (at == end || at->layer != layer) return {};
  const auto j = static_cast<std::size_t>(at - layer_keys.begin());
  return Savings{layers[j].peak(), layer_saved[j]};
}

std::vector<std::size_t> MemoryModel::stacked(bool by_tag, std::size_t most) const {
  const std::vector<std::size_t>& order = by_tag ? tags_by_peak : layers_by_peak;
  std::vector<std::size_t> out(order.begin(),
                               order.begin() + static_cast<std::ptrdiff_t>(std::min(most, order.size())));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tswap::viewer
