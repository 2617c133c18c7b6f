#pragma once

// Unions of time intervals and how much of one interval they cover: the
// overlap figures of device_overlap() (device-timed copies against layer
// spans) and of tswap::nsys::join (memcpys against kernels).

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace tswap::trace {

/// [first, second), in ns of some clock (unsigned for a log's, signed for a capture's).
template <class T>
using Interval = std::pair<T, T>;

/// The union of `v`: sorted, disjoint, intervals that touch joined.
template <class T>
std::vector<Interval<T>> merged(std::vector<Interval<T>> v) {
  std::sort(v.begin(), v.end());
  std::vector<Interval<T>> out;
  for (const Interval<T>& i : v) {
    if (!out.empty() && i.first <= out.back().second) {
      out.back().second = std::max(out.back().second, i.second);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

/// How much of [b, e) a merged() union covers.
template <class T>
std::uint64_t covered(const std::vector<Interval<T>>& u, T b, T e) {
  // The first interval that ends after b.
  auto it = std::upper_bound(u.begin(), u.end(), b,
                             [](T t, const Interval<T>& i) { return t < i.second; });
  std::uint64_t n = 0;
  for (; it != u.end() && it->first < e; ++it) {
    n += static_cast<std::uint64_t>(std::min(e, it->second) - std::max(b, it->first));
  }
  return n;
}

}  // namespace tswap::trace
