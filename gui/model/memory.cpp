#include "memory.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <tswap/trace/summary.h>

#include "time_mapping.h"

namespace tswap::viewer {

void Curve::append(std::uint64_t t, std::int64_t v) {
  if (!t_.empty() && t_.back() == t) {
    v_.back() = v;  // several changes at one time: the last level holds
    return;
  }
  t_.push_back(t);
  v_.push_back(v);
}

void Curve::seal() {
  block_max_.clear();
  for (std::size_t b = 0; b < v_.size(); b += kBlock) {
    const auto end = v_.begin() + static_cast<std::ptrdiff_t>(std::min(v_.size(), b + kBlock));
    block_max_.push_back(*std::max_element(v_.begin() + static_cast<std::ptrdiff_t>(b), end));
  }
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

std::vector<std::int64_t> Curve::columns(const TimeMapping& m) const {
  std::vector<std::int64_t> out(static_cast<std::size_t>(m.width()));
  for (int x = 0; x < m.width(); ++x) out[static_cast<std::size_t>(x)] = max_in(m.ns(x), m.ns(x + 1));
  return out;
}

std::int64_t Curve::peak(std::uint64_t* when) const {
  if (v_.empty()) return 0;
  const auto it = std::max_element(v_.begin(), v_.end());
  if (when) *when = t_[static_cast<std::size_t>(it - v_.begin())];
  return *it;
}

MemoryModel MemoryModel::build(const trace::Trace& trace) {
  MemoryModel m;
  std::map<std::pair<std::string, int>, std::pair<Curve, std::int64_t>> layers;  // curve, level
  using SwapKey = std::tuple<std::uint16_t, std::uint32_t, std::uint16_t, std::uint32_t>;
  std::map<SwapKey, std::int64_t> taken;  // bytes each live swap took over
  std::int64_t total = 0, without = 0;
  for (const trace::Event& e : trace.events()) {
    const SwapKey swap{e.tag, e.step, e.layer, e.index};
    if (e.event_kind() == trace::EventKind::swap_created) {
      taken[swap] = static_cast<std::int64_t>(e.value);
      without += static_cast<std::int64_t>(e.value);
      m.without_swap.append(e.host_ns, without);
    } else if (e.event_kind() == trace::EventKind::swap_destroyed) {
      // Without swapping, the storage would have been held until now.
      const auto it = taken.find(swap);
      if (it != taken.end()) {
        without -= it->second;
        taken.erase(it);
        m.without_swap.append(e.host_ns, without);
      }
    }
    const std::int64_t delta = trace::resident_delta(e);
    if (delta == 0) continue;
    auto& [curve, level] = layers[{std::string(trace.tag(e.tag)), static_cast<int>(e.layer)}];
    level += delta;
    curve.append(e.host_ns, level);
    total += delta;
    m.total.append(e.host_ns, total);
  }
  for (auto& [key, layer] : layers) {
    m.labels.push_back(key.first + " L" + std::to_string(key.second));
    layer.first.seal();
    m.layers.push_back(std::move(layer.first));
  }
  m.total.seal();
  m.without_swap.seal();
  return m;
}

}  // namespace tswap::viewer
