#pragma once

// A pyramid of time buckets, the level-of-detail mechanism shared by the
// timeline's lanes (Lod) and the memory curves (Curve): the finest level's
// buckets are 2^base_shift ns wide, each level above halves the time
// resolution, up to a single bucket. Drawing at a scale picks the coarsest
// level whose buckets are no wider than a pixel, so a frame touches about
// one bucket per pixel whatever the log's size.
//
// A level is kept only when it has at most half the buckets of the finer
// one kept: where events are microseconds apart the first levels above
// 64 ns are near-copies of each other, and the finer one serves as well
// (about as much work, no less exact).

#include <cstdint>
#include <utility>
#include <vector>

namespace tswap::viewer {

/// `Bucket` has a `std::uint64_t index` (its time >> the level's shift);
/// the rest is the caller's summary of what fell into it.
template <class Bucket>
class BucketPyramid {
 public:
  struct Level {
    int shift;  // buckets are 2^shift ns wide
    std::vector<Bucket> buckets;
  };

  /// Builds the levels above `finest` (buckets 2^base_shift ns wide, by
  /// index). `merge(into, from)` folds a bucket into the coarser one that
  /// covers it; a coarser bucket starts as a copy of its first finer one.
  /// `merge` must be associative (max, sum, or, last): a level is folded
  /// straight from the last one kept, several shifts below. Levels that are
  /// not kept are only counted, never made: where events are microseconds
  /// apart the first few above 64 ns would each be a copy of the whole lane.
  template <class Merge>
  void build(std::vector<Bucket> finest, int base_shift, Merge merge) {
    levels_.clear();
    if (finest.empty()) return;
    levels_.push_back(Level{base_shift, std::move(finest)});
    for (int shift = base_shift + 1; shift <= 63 && levels_.back().buckets.size() > 1; ++shift) {
      const Level& from = levels_.back();
      const int up = shift - from.shift;
      std::size_t count = 0;
      std::uint64_t last = 0;
      for (const Bucket& b : from.buckets) {
        const std::uint64_t index = b.index >> up;
        if (count == 0 || index != last) ++count, last = index;
      }
      if (2 * count > from.buckets.size()) {
        if (count == 1) break;  // a single bucket that does not halve the level: no coarser one would
        continue;
      }
      std::vector<Bucket> level;
      level.reserve(count);
      for (const Bucket& b : from.buckets) {
        const std::uint64_t index = b.index >> up;
        if (!level.empty() && level.back().index == index) {
          merge(level.back(), b);
        } else {
          level.push_back(b);
          level.back().index = index;
        }
      }
      levels_.push_back(Level{shift, std::move(level)});
    }
  }

  /// The coarsest kept level whose buckets are at most `ns_per_px` wide;
  /// nullptr when even the finest are wider (zoomed in past them).
  const Level* level_for(double ns_per_px) const {
    const Level* found = nullptr;
    for (const Level& level : levels_) {
      if (static_cast<double>(std::uint64_t{1} << level.shift) > ns_per_px) break;
      found = &level;
    }
    return found;
  }

 private:
  std::vector<Level> levels_;
};

}  // namespace tswap::viewer
