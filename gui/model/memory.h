#pragma once

// Device-resident bytes of saved activations over time: per layer
// (stacked), in total, and what the same run would have held without
// swapping (each saved storage from its save until autograd frees it).

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::viewer {

class TimeMapping;

/// A step function: level v[i] from t[i] until t[i + 1].
class Curve {
 public:
  void append(std::uint64_t t, std::int64_t v);
  /// Precomputes block maxima; call once after the last append.
  void seal();

  std::int64_t at(double ns) const;  // 0 before the first point
  /// The highest level anywhere in [t0, t1).
  std::int64_t max_in(double t0, double t1) const;
  /// max_in for each pixel column of the mapping, in work about the number
  /// of columns plus points in view / kBlock.
  std::vector<std::int64_t> columns(const TimeMapping& m) const;

  std::size_t points() const { return t_.size(); }
  std::int64_t peak(std::uint64_t* when = nullptr) const;

 private:
  static constexpr std::size_t kBlock = 256;
  std::vector<std::uint64_t> t_;
  std::vector<std::int64_t> v_;
  std::vector<std::int64_t> block_max_;  // max of v_ over each block of kBlock points
};

struct MemoryModel {
  std::vector<std::string> labels;  // "model.layer.* L3", in stacking order
  std::vector<Curve> layers;        // one per label
  Curve total;                      // the engine's resident bytes
  Curve without_swap;               // what would have been resident without swapping

  static MemoryModel build(const trace::Trace& trace);
};

}  // namespace tswap::viewer
