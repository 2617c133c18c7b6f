#pragma once

// Device-resident bytes of saved activations over time: per layer and per
// tag (either stacked), in total, and what the same run would have held without
// swapping (each saved storage from its save until autograd frees it).

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

#include "bucket_pyramid.h"

namespace tswap::viewer {

class TimeMapping;

/// A step function: level v[i] from t[i] until t[i + 1].
class Curve {
 public:
  void append(std::uint64_t t, std::int64_t v);
  /// Room for `points` appends: a curve of tens of millions of points grown
  /// by doubling copies itself again and again and keeps up to twice the
  /// memory it needs.
  void reserve(std::size_t points);
  /// Precomputes block maxima; call once after the last append.
  void seal();

  std::int64_t at(double ns) const;  // 0 before the first point
  /// The highest level anywhere in [t0, t1).
  std::int64_t max_in(double t0, double t1) const;
  /// The highest level in each pixel column of the mapping, in work about
  /// the number of columns: from a pyramid of time buckets no wider than a
  /// column: a column is never below its exact maximum, and may include up
  /// to one bucket on either side (less than a pixel). Exact below 64 ns per
  /// pixel.
  std::vector<std::int64_t> columns(const TimeMapping& m) const;
  /// The same for columns [x0, x1) of the mapping only (x1 - x0 entries, the
  /// first for column x0): a curve that covers part of the view (one step
  /// of a compared log, comparison.h) costs its own columns, not the view's.
  std::vector<std::int64_t> columns(const TimeMapping& m, int x0, int x1) const;

  /// The points, in time order: level levels()[i] from times()[i].
  const std::vector<std::uint64_t>& times() const { return t_; }
  const std::vector<std::int64_t>& levels() const { return v_; }

  std::size_t points() const { return t_.size(); }
  std::int64_t peak(std::uint64_t* when = nullptr) const;

 private:
  static constexpr std::size_t kBlock = 256;
  static constexpr int kBaseShift = 6;  // level 0 buckets: 64 ns
  struct Bucket {
    std::uint64_t index;  // time >> shift
    std::int64_t max;     // highest level reached in it
    std::int64_t last;    // level at its end
  };
  std::vector<std::uint64_t> t_;
  std::vector<std::int64_t> v_;
  std::vector<std::int64_t> block_max_;  // max of v_ over each block of kBlock points
  BucketPyramid<Bucket> pyramid_;
  std::int64_t peak_ = 0;  // computed by seal(): views ask every frame
  std::uint64_t peak_at_ = 0;
};

/// What one layer's (or tag's) swapping bought, for the table.
struct Savings {
  std::int64_t peak_resident = 0;  // the highest its resident bytes reached
  /// Bytes whose device memory a release gave back, over the whole log. A
  /// deferred release gives nothing back (another holder keeps the storage),
  /// so it saves nothing.
  std::uint64_t bytes_saved = 0;
};

struct MemoryModel {
  struct LayerKey {
    std::uint16_t tag = 0;  // the trace's tag id
    std::uint16_t layer = 0;
  };
  std::vector<std::string> labels;      // "model.layer.* L3", in stacking order
  std::vector<LayerKey> layer_keys;     // one per label
  std::vector<Curve> layers;            // one per label
  std::vector<std::string> tag_labels;  // "model.layer.*", in stacking order
  std::vector<std::uint16_t> tag_ids;   // one per tag label
  std::vector<Curve> tags;              // one per tag: the sum of its layers
  Curve total;                      // the engine's resident bytes
  Curve without_swap;               // what would have been resident without swapping
  /// The device allocator's samples (device_allocated, device_reserved;
  /// format version 2, CUDA builds): empty curves (no points) in other logs.
  Curve device_allocated, device_reserved;
  std::vector<std::uint64_t> layer_saved, tag_saved;  // Savings::bytes_saved, one per curve
  /// Per tag label: the layers of its name, [first, second) in `layers`
  /// (sorted by layer there).
  std::vector<std::pair<std::size_t, std::size_t>> tag_layers;
  /// Indices into `layers` (`tags`), highest peak first: which areas to
  /// draw when there are too many to stack (stacked()).
  std::vector<std::size_t> layers_by_peak, tags_by_peak;

  static MemoryModel build(const trace::Trace& trace);
  /// The layer's figures (layer -1: the tag's); zeros for one that never
  /// held device memory. Logarithmic in the layers: a table of a million
  /// rows asks once per row.
  Savings savings(const std::string& tag, int layer) const;
  /// The layer (or tag) series to stack, in stacking order: all of them,
  /// or the `most` with the highest peaks when there are more. A frame
  /// draws those and one band for the rest (65,535 tags x 16 layers would
  /// be a million areas of a pixel or less).
  std::vector<std::size_t> stacked(bool by_tag, std::size_t most) const;
};

}  // namespace tswap::viewer
