#pragma once

// Level of detail for one lane: what to draw for a time range at a given
// scale, in work proportional to the pixels, not the spans. Bars narrower
// than a pixel merge into one bar per pixel, coloured by the kinds merged.

#include <cstdint>
#include <vector>

#include "bucket_pyramid.h"

namespace tswap::viewer {

struct Span;
class TimeMapping;

/// One thing to draw: a bar from x0 to x1 (pixels; x1 - x0 >= 1).
struct DrawItem {
  double x0 = 0, x1 = 0;
  std::uint32_t kinds = 0;  // bit per SpanKind merged here
  std::uint32_t count = 0;  // spans merged here
  std::uint32_t span = 0;   // the span's position in its lane when count == 1
};

/// Level of detail over a lane's spans: a BucketPyramid whose buckets know
/// how many spans begin in them, their kinds, and the latest end among them.
/// Built once, in linear time.
class Lod {
 public:
  static constexpr int kBaseShift = 6;  // 64 ns
  struct Bucket {
    std::uint64_t index;      // begin >> shift
    std::uint64_t begin_min;  // the earliest begin in it: touching neighbours stay apart
    std::uint64_t end_max;
    std::uint32_t count;
    std::uint32_t kinds;
    std::uint32_t first;      // position of its first span in the lane
  };

  void build(const std::vector<Span>& spans);
  /// Buckets of the level whose width is at most `ns_per_px` (nullptr when
  /// spans are wider than buckets at this scale: draw them one by one).
  const std::vector<Bucket>* level_for(double ns_per_px, int* shift) const;

 private:
  BucketPyramid<Bucket> pyramid_;
};

/// What to draw of `spans` (with `lod` and `longest` from the same lane) in
/// the mapping's visible range. At most about one item per pixel, sorted by
/// x, never overlapping; counts add up to the spans in view.
std::vector<DrawItem> visible_items(const std::vector<Span>& spans, const Lod& lod,
                                    std::uint64_t longest, const TimeMapping& mapping);

}  // namespace tswap::viewer
