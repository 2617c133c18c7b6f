#include "lod.h"

#include <algorithm>

#include "time_mapping.h"
#include "timeline.h"

namespace tswap::viewer {

void Lod::build(const std::vector<Span>& spans) {
  std::vector<Bucket> finest;
  finest.reserve(spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    const std::uint64_t index = s.begin >> kBaseShift;
    const std::uint32_t kind = 1u << static_cast<unsigned>(s.kind);
    if (!finest.empty() && finest.back().index == index) {
      Bucket& b = finest.back();
      b.end_max = std::max(b.end_max, s.end);
      ++b.count;
      b.kinds |= kind;
    } else {
      finest.push_back(Bucket{index, s.begin, s.end, 1, kind, static_cast<std::uint32_t>(i)});
    }
  }
  pyramid_.build(std::move(finest), kBaseShift, [](Bucket& into, const Bucket& from) {
    into.end_max = std::max(into.end_max, from.end_max);
    into.count += from.count;
    into.kinds |= from.kinds;
  });
}

const std::vector<Lod::Bucket>* Lod::level_for(double ns_per_px, int* shift) const {
  const auto* level = pyramid_.level_for(ns_per_px);
  if (level == nullptr) return nullptr;
  *shift = level->shift;
  return &level->buckets;
}

namespace {

/// Adds [x0, x1) to the items, merging with the last one where they meet.
void add(std::vector<DrawItem>& items, double x0, double x1, std::uint32_t kinds,
         std::uint32_t count, std::uint32_t span) {
  x1 = std::max(x1, x0 + 1);
  if (!items.empty() && x0 < items.back().x1) {
    DrawItem& last = items.back();
    last.x1 = std::max(last.x1, x1);
    last.kinds |= kinds;
    last.count += count;
    return;
  }
  items.push_back(DrawItem{x0, x1, kinds, count, span});
}

}  // namespace

std::vector<DrawItem> visible_items(const std::vector<Span>& spans, const Lod& lod,
                                    std::uint64_t longest, const TimeMapping& m) {
  std::vector<DrawItem> items;
  const double t0 = m.begin(), t1 = m.end(), width = m.width();
  const double from = std::max(0.0, t0 - static_cast<double>(longest));
  int shift = 0;
  if (const std::vector<Lod::Bucket>* level = lod.level_for(m.ns_per_px(), &shift)) {
    const auto first_index = to_ns(from) >> shift;
    auto it = std::lower_bound(level->begin(), level->end(), first_index,
                               [](const Lod::Bucket& b, std::uint64_t i) { return b.index < i; });
    for (; it != level->end(); ++it) {
      const double begin = static_cast<double>(it->begin_min);
      if (begin > t1) break;
      const double end = static_cast<double>(it->end_max);
      if (end < t0) continue;
      add(items, std::max(0.0, m.x(begin)), std::min(width, m.x(end)), it->kinds, it->count,
          it->first);
    }
    return items;
  }
  auto it = std::lower_bound(spans.begin(), spans.end(), from,
                             [](const Span& s, double t) { return static_cast<double>(s.begin) < t; });
  for (; it != spans.end(); ++it) {
    if (static_cast<double>(it->begin) > t1) break;
    if (static_cast<double>(it->end) < t0) continue;
    add(items, std::max(0.0, m.x(static_cast<double>(it->begin))),
        std::min(width, m.x(static_cast<double>(it->end))), 1u << static_cast<unsigned>(it->kind), 1,
        static_cast<std::uint32_t>(it - spans.begin()));
  }
  return items;
}

}  // namespace tswap::viewer
