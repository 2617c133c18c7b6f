#pragma once

// Planning the next run from this one: which module tags to swap, with how
// many last layers kept and how deep a prefetch, under a budget for the
// device memory of saved activations (Note [Planning], advise.cpp).
//
// profile() reads one step of a log (an observe-mode run, or a swapped
// one): each layer's forward and backward windows, what each tensor would
// move and when it was saved, and the link's rate. predict() replays that
// step under a Plan on a model of the engine and the link and gives the
// memory curve and the time compute would wait. advise() tries every plan
// and picks the one that meets the budget with the least waiting.

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::trace {

/// The log cannot be planned from (no complete step, no link rate).
class AdviseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One tensor a layer saved that the engine could swap.
struct ProfiledTensor {
  std::uint32_t index = 0;   // its key in the layer (save order)
  std::uint64_t bytes = 0;   // what a copy moves each way (0: a storage saved again)
  std::int64_t saved_ns = 0;  // when it was saved, from the step's start
};

/// One layer of one tag in the profiled step. Times from the step's start.
struct ProfiledLayer {
  std::string tag;
  int layer = 0;
  std::int64_t forward_begin = 0, forward_end = 0;
  std::int64_t backward_begin = 0, backward_end = 0;
  std::vector<ProfiledTensor> tensors;
  /// The tag whose scope encloses this layer's forward (nested tags: an
  /// MLP's in its block's), "" for none. With the outer tag swapped and
  /// this one not, its tensors are saved in the outer tag's layer.
  std::string enclosing_tag;
  int enclosing_layer = -1;

  std::uint64_t bytes() const;
};

struct Profile {
  std::vector<ProfiledLayer> layers;  // by tag, then layer
  std::vector<std::string> tags;      // in the log's order
  std::uint32_t step = 0;             // the profiled step (the first tag's number)
  std::int64_t step_ns = 0;           // its length
  /// Where the step begins on the log's clock (Record::host_ns): the
  /// earliest layer_enter of `step` of the windows' time source, for
  /// drawing a prediction on the log's time axis. The profile's own times
  /// have a swapped run's waits taken out, so later points of a run that
  /// stalled drift from the log's.
  std::uint64_t origin_ns = 0;
  bool device_times = false;          // windows from device-timed records
  bool observed = false;              // an observe-mode log (nothing was copied)
  /// Bytes per ns each way (GB/s), measured from the log's timed copies or
  /// given; and whether measured.
  double d2h_bytes_per_ns = 0, h2d_bytes_per_ns = 0;
  bool link_measured = false;
  std::size_t copies_measured = 0;
  /// What the run itself did in the profiled step (a swapped run; none for
  /// an observe run): compute's waits on copies, and the engine's resident
  /// bytes at their highest (the log's resident_delta replayed), to hold a
  /// prediction for this run's plan against.
  std::optional<std::uint64_t> measured_stall_ns;
  std::optional<std::int64_t> measured_resident_peak;
};

/// Reads the last complete step of `trace` (every tag's layers entered and
/// their backward ended). `link_gbps`, when given, is the link's rate;
/// otherwise it is measured from the log's timed copies. Throws AdviseError
/// when there is no such step or no rate for the link.
Profile profile(const Trace& trace, std::optional<double> link_gbps = std::nullopt);

/// What the next run does.
struct Plan {
  std::set<std::string> swapped;  // tags with a context; the others have none
  int keep_last = 1;
  int prefetch_depth = 1;

  friend bool operator==(const Plan& a, const Plan& b) {
    return a.swapped == b.swapped && a.keep_last == b.keep_last &&
           a.prefetch_depth == b.prefetch_depth;
  }
};
std::string describe(const Plan& plan);  // "swap model.layer.*, keep_last 1, prefetch_depth 1"

struct Prediction {
  /// Device bytes of saved activations over the step (every profiled tag,
  /// swapped or not): (time from the step's start, bytes), steps of the curve.
  std::vector<std::pair<std::int64_t, std::int64_t>> curve;
  std::int64_t peak_bytes = 0;
  /// The same for the swapped tags alone: what the engine holds
  /// (tswap::stats().step_peak_resident_bytes, the log's resident peak).
  std::vector<std::pair<std::int64_t, std::int64_t>> swapped_curve;
  std::int64_t swapped_peak_bytes = 0;
  /// Time compute would wait for copies in the step, and per tag.
  std::uint64_t stall_ns = 0;
  std::vector<std::pair<std::string, std::uint64_t>> stall_per_tag;
  std::uint64_t bytes_out = 0, bytes_back = 0;  // moved over the link
};

Prediction predict(const Profile& profile, const Plan& plan);

struct Advice {
  std::uint64_t budget = 0;
  Plan plan;  // the choice
  Prediction prediction;
  bool budget_met = false;
  Prediction without_swapping;  // the empty plan
  /// Without a plan that meets the budget: the lowest peak any plan reaches
  /// (plan and prediction above are that plan's).
  std::int64_t lowest_reachable_peak = 0;
  /// The next best plans that meet the budget, best first (at most 5).
  std::vector<std::pair<Plan, Prediction>> runners_up;
};

/// Tries every subset of tags (up to 12 tags), keep_last 1..4 and prefetch
/// depth 0..3; among plans whose peak fits `budget`, the one with the least
/// stall, then the fewest bytes moved, then the most layers kept, then the
/// shallowest prefetch.
Advice advise(const Profile& profile, std::uint64_t budget);

}  // namespace tswap::trace
