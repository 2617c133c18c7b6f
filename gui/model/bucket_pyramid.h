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
  template <class Merge>
  void build(std::vector<Bucket> finest, int base_shift, Merge merge) {
    levels_.clear();
    std::vector<Bucket> level = std::move(finest);
    int shift = base_shift;
    while (!level.empty()) {
      const bool last = level.size() == 1;
      std::vector<Bucket> up;
      up.reserve(level.size() / 2 + 1);
      for (const Bucket& b : level) {
        const std::uint64_t index = b.index >> 1;
        if (!up.empty() && up.back().index == index) {
          merge(up.back(), b);
        } else {
          up.push_back(b);
          up.back().index = index;
        }
      }
      if (levels_.empty() || 2 * level.size() <= levels_.back().buckets.size()) {
        levels_.push_back(Level{shift, std::move(level)});
      }
      if (last || shift >= 63) break;
      level = std::move(up);
      ++shift;
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
