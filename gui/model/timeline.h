#pragma once

// A log turned into lanes of spans: one lane per copy stream, one per host
// thread (stalls, releases), one per module tag (its layers), each span a
// bar to draw. Immutable once built; built on a worker thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tswap/trace/trace.h>

#include "lod.h"

namespace tswap::viewer {

/// What a bar stands for; its colour.
enum class SpanKind : std::uint8_t {
  d2h,       // a copy to host, start to done
  h2d,       // a copy back asked for by backward
  prefetch,  // a copy back queued ahead
  stall,     // compute waiting on a copy
  layer,     // a layer's forward: its outermost scope, enter to exit
  freed,     // a release that freed memory (an instant)
  deferred,  // a release left to another holder (an instant)
  reuse,     // a deferred storage held again (an instant)
  queued,    // a copy queued on a stream that could not time it (accelerator)
  backward,  // a layer's backward: its first unpack to its last (format version 2)
  kernel,    // a CUDA kernel from an attached Nsight Systems capture (capture_lanes.h)
  other_copy,  // a capture's memcpy that is none of the log's directions: DtoD, peer, HtoH, ...
};
inline constexpr int kSpanKinds = 12;
const char* to_string(SpanKind kind);
/// Kinds only an attached capture's lanes hold, none of the log's records:
/// the log's kind filter does not offer them.
constexpr bool is_capture_kind(SpanKind k) { return k == SpanKind::kernel || k == SpanKind::other_copy; }

struct Span {
  std::uint64_t begin = 0, end = 0;  // ns; equal for instants
  std::uint32_t event = 0;           // index in Trace::events() of the event that ends it
  SpanKind kind = SpanKind::d2h;
  bool device = false;  // both ends timed by the device (kFlagDeviceTime), not the host
  std::uint16_t tag = 0, layer = 0;
  std::uint32_t index = 0, step = 0;
  std::uint64_t bytes = 0;
};

struct Lane {
  // Drawn in this order; capture lanes (an attached nsys export) come last.
  enum class Type { stream, layers, thread, capture };
  Type type = Type::thread;
  std::string name;            // "stream sim d2h", "thread main", "layers model.layer.*"
  /// A layers lane of host times for a tag whose layers the device timed
  /// too ("layers model.layer.* (host)", right after the device's lane):
  /// when the host launched each layer, not when its kernels ran. Set from
  /// the whole log, whatever the filter, so that a lane keeps its name.
  bool launches = false;
  /// A row without spans that heads a rank's lanes when several ranks'
  /// logs are shown (ranks.h): its name is the rank's ("rank 0").
  bool group_header = false;
  std::vector<Span> spans;     // by begin
  std::uint64_t longest = 0;   // the longest span: how far back a visible span can begin
  Lod lod;
};

/// What to show. Empty fields show everything.
struct Filter {
  std::optional<std::string> tag;
  std::optional<int> layer;
  std::optional<std::uint32_t> step;
  std::uint32_t kinds = (1u << kSpanKinds) - 1;  // bit per SpanKind

  bool shows(const std::string& tag_name, const Span& s) const;
  bool active() const { return tag || layer || step || kinds != (1u << kSpanKinds) - 1; }
};

/// Called with a fraction done in [0, 1]; return false to cancel (the
/// build then returns nullopt).
using BuildProgress = std::function<bool(double)>;

/// Where a training step begins. Every tag records its own step_begin (a
/// block's tag and its MLP's, microseconds apart): one mark per step number.
struct StepMark {
  std::uint64_t ns = 0;
  std::uint32_t step = 0;
  bool operator==(const StepMark& o) const { return ns == o.ns && step == o.step; }
};

/// Where a step turns from forward to backward: its first unpack, copy back
/// or storage held again after the last (host-timed) layer exit of its
/// forward. Layer scopes (layer_enter/exit) only run in forward, and those
/// three only happen in backward, so the turn lies between `forward_end`
/// and `ns`; drawn at `ns`. Steps are grouped by number across tags, as
/// step marks are.
struct TurnMark {
  std::uint64_t ns = 0;           // backward's first event
  std::uint64_t forward_end = 0;  // forward's last layer exit
  std::uint32_t step = 0;
  bool operator==(const TurnMark& o) const {
    return ns == o.ns && forward_end == o.forward_end && step == o.step;
  }
};

/// Timeline::step_marks without the lanes: where each step begins, for a
/// log that is only compared with the one shown (comparison.h).
std::vector<StepMark> step_marks(const trace::Trace& trace);

struct Timeline {
  std::vector<Lane> lanes;
  std::vector<StepMark> step_marks;
  std::vector<TurnMark> turns;            // by time; one per step that reached backward, whatever the filter
  std::uint64_t first = 0, last = 0;      // the events' extent, and an attached capture's lanes'
  /// [first, last] before append_capture_lanes widened it: the log's own
  /// extent, which a capture attached in the first one's place starts from.
  /// Unset while no capture is attached.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> log_extent;
  /// The log has copies and not one of them was timed (an accelerator that
  /// cannot time: only their queueing is known), whatever the filter: say
  /// "copies not timed on this device" rather than draw empty copy lanes.
  bool copies_untimed = false;

  static std::optional<Timeline> build(const trace::Trace& trace, const Filter& filter = {},
                                       const BuildProgress& progress = {});
};

}  // namespace tswap::viewer
