#include "timeline.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include <tswap/trace/copies.h>

namespace tswap::viewer {

using trace::Event;
using trace::EventKind;

const char* to_string(SpanKind kind) {
  switch (kind) {
    case SpanKind::d2h: return "copy out (D2H)";
    case SpanKind::h2d: return "copy back (H2D)";
    case SpanKind::prefetch: return "prefetch (H2D)";
    case SpanKind::stall: return "stall";
    case SpanKind::layer: return "layer";
    case SpanKind::freed: return "release (freed)";
    case SpanKind::deferred: return "release (deferred)";
    case SpanKind::reuse: return "held again";
    case SpanKind::queued: return "copy queued";
    case SpanKind::backward: return "layer backward";
    case SpanKind::kernel: return "kernel";
    case SpanKind::other_copy: return "memcpy, other kind (DtoD, ...)";
  }
  return "?";
}

bool Filter::shows(const std::string& tag_name, const Span& s) const {
  if (!(kinds & (1u << static_cast<unsigned>(s.kind)))) return false;
  if (tag && *tag != tag_name) return false;
  if (layer && *layer != s.layer) return false;
  if (step && *step != s.step) return false;
  return true;
}

namespace {

/// Adds where `e` begins a step to `marks`, if it is a step_begin of a step
/// other than the last mark's: Timeline::step_marks, and step_marks().
void mark_step(std::vector<StepMark>& marks, const Event& e) {
  if (e.event_kind() != EventKind::step_begin) return;
  if (marks.empty() || marks.back().step != e.step) marks.push_back(StepMark{e.host_ns, e.step});
}

class Builder {
 public:
  Builder(const trace::Trace& t, const Filter& f) : t_(t), f_(f), copies_(t) {}

  std::optional<Timeline> run(const BuildProgress& progress) {
    const auto& events = t_.events();
    if (!events.empty()) {
      tl_.first = events.front().host_ns;
      tl_.last = events.back().host_ns;
    }
    if (!f_.active()) count_spans();
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (progress && i % 65536 == 0 && !progress(0.8 * static_cast<double>(i) / events.size())) {
        return std::nullopt;
      }
      take(events[i], static_cast<std::uint32_t>(i));
      copies_.take(i, on_copy_);
    }
    // Copies the log ends before: queued ones never said when they ran.
    copies_.finish(on_copy_);
    if (progress && !progress(0.8)) return std::nullopt;
    finish();
    if (progress && !progress(1.0)) return std::nullopt;
    return std::move(tl_);
  }

 private:
  /// A copy as trace::CopyPairing hands it out: a bar from start to done on
  /// its stream's lane; a copy that never started (a device that cannot
  /// time, a log cut short) a "queued" instant where it was queued.
  void copy(const trace::Copy& c) {
    any_copy_ = true;
    any_timed_ = any_timed_ || c.start || c.done;
    if (c.timed()) {
      const auto i = static_cast<std::uint32_t>(c.done->event);
      const Event& done = t_.events()[i];
      const SpanKind kind = c.direction == trace::CopyDirection::out ? SpanKind::d2h
                            : (done.flags & trace::kFlagPrefetch)    ? SpanKind::prefetch
                                                                     : SpanKind::h2d;
      Span s = span(done, c.start->ns, kind, i);
      s.device = c.source() == trace::TimeSource::device;
      add(stream_lane(done.stream), s);
    } else if (c.queued && !c.start) {
      const auto i = static_cast<std::uint32_t>(c.queued->event);
      const Event& queued = t_.events()[i];
      add(stream_lane(queued.stream), instant(queued, SpanKind::queued, i));
    }
  }

  Span span(const Event& e, std::uint64_t begin, SpanKind kind, std::uint32_t event) const {
    Span s;
    s.begin = begin;
    s.end = e.host_ns;
    s.event = event;
    s.kind = kind;
    s.tag = e.tag;
    s.layer = e.layer;
    s.index = e.index;
    s.step = e.step;
    s.bytes = e.value;
    return s;
  }
  Span instant(const Event& e, SpanKind kind, std::uint32_t event) const {
    return span(e, e.host_ns, kind, event);
  }

  void take(const Event& e, std::uint32_t i) {
    track_turn(e);
    switch (e.event_kind()) {
      case EventKind::step_begin: mark_step(tl_.step_marks, e); break;
      case EventKind::stall: {
        const trace::Stall stall = trace::stall_of(e, i);
        add(thread_lane(e.thread), span(e, stall.begin_ns, SpanKind::stall, i));
        break;
      }
      case EventKind::release:
        add(thread_lane(e.thread),
            instant(e, e.reason == static_cast<std::uint8_t>(trace::ReleaseReason::freed)
                           ? SpanKind::freed
                           : SpanKind::deferred,
                    i));
        break;
      case EventKind::reuse: add(thread_lane(e.thread), instant(e, SpanKind::reuse, i)); break;
      case EventKind::layer_enter:
      case EventKind::backward_enter: entered_[scope_of(e)] = e.host_ns; break;
      case EventKind::layer_exit:
      case EventKind::backward_exit: {
        const auto s = entered_.find(scope_of(e));
        if (s == entered_.end()) break;
        Span layer = span(e, s->second,
                          e.event_kind() == EventKind::layer_exit ? SpanKind::layer : SpanKind::backward, i);
        layer.device = trace::time_source(e) == trace::TimeSource::device;
        add(layer_lane(e.tag, layer.device), layer);
        entered_.erase(s);
        break;
      }
      default: break;
    }
  }

  /// One layer scope open: forward or backward, who timed it and where.
  /// Host scopes pair on their thread, device-timed ones (written by the
  /// writer thread, long after) on their stream; host never with device.
  using Scope = std::tuple<bool, bool, std::uint16_t, std::uint16_t, std::uint16_t>;
  static Scope scope_of(const Event& e) {
    const bool device = trace::time_source(e) == trace::TimeSource::device;
    const bool forward = e.event_kind() == EventKind::layer_enter || e.event_kind() == EventKind::layer_exit;
    return {device, forward, device ? std::uint16_t{e.stream} : e.thread, e.tag, e.layer};
  }

  /// Follows forward's last layer exit and backward's first event after it,
  /// per step number (TurnMark); not filtered, as step marks are not. Host
  /// times only: on a GPU the device finishes forward's last layer after
  /// the host has begun backward.
  void track_turn(const Event& e) {
    const EventKind kind = e.event_kind();
    if (trace::time_source(e) == trace::TimeSource::device) return;
    if (kind == EventKind::layer_exit) {
      Turn& t = turns_[e.step];
      t.forward_end = e.host_ns;
      t.backward.reset();  // forward went on: an earlier candidate was not the turn
    } else if (kind == EventKind::unpack || kind == EventKind::h2d_queued || kind == EventKind::reuse) {
      const auto t = turns_.find(e.step);
      if (t != turns_.end() && !t->second.backward) t->second.backward = e.host_ns;
    }
  }

  /// The lane of `id`, named `prefix` and the name of `id` the first time
  /// (`name` looks it up; not per span: a lookup and a string for each of
  /// millions of spans).
  std::size_t lane(std::map<std::uint32_t, std::size_t>& index, std::uint32_t id, Lane::Type type,
                   const char* prefix, std::string_view (trace::Trace::*name)(std::uint32_t) const) {
    const auto [it, added] = index.try_emplace(id, lanes_.size());
    if (added) {
      Lane l;
      l.type = type;
      l.name = prefix + std::string((t_.*name)(id));
      if (const auto n = expected_.find({type, id}); n != expected_.end()) l.spans.reserve(n->second);
      lanes_.push_back(std::move(l));
    }
    return it->second;
  }

  /// How many spans each lane will get, from one pass over the kinds: a
  /// lane then takes its memory once. Grown by doubling, a lane of millions
  /// of spans was copied again at each step, held up to twice the memory it
  /// needed, and three times while it grew. Unfiltered builds only (a
  /// filter keeps fewer). A copy lands on its done's stream, or, never
  /// timed, on its queued record's; a tag whose layers the device timed
  /// reserves its count for its launches' lane too (layer spans are few).
  /// Ids are 8 and 16 bits: flat counts.
  void count_spans() {
    std::vector<std::size_t> done(256), queued(256), threads(65536), tags(65536);
    for (const Event& e : t_.events()) {
      switch (e.event_kind()) {
        case EventKind::d2h_done:
        case EventKind::h2d_done: ++done[e.stream]; break;
        case EventKind::d2h_queued:
        case EventKind::h2d_queued: ++queued[e.stream]; break;
        case EventKind::stall:
        case EventKind::release:
        case EventKind::reuse: ++threads[e.thread]; break;
        case EventKind::layer_exit:
        case EventKind::backward_exit: ++tags[e.tag]; break;
        default: break;
      }
    }
    auto note = [&](Lane::Type type, const std::vector<std::size_t>& n) {
      for (std::uint32_t id = 0; id < n.size(); ++id)
        if (n[id] > 0) expected_.emplace(std::make_pair(type, id), n[id]);
    };
    for (std::size_t id = 0; id < done.size(); ++id) done[id] = done[id] > 0 ? done[id] : queued[id];
    note(Lane::Type::stream, done);
    note(Lane::Type::thread, threads);
    note(Lane::Type::layers, tags);
  }

  std::size_t stream_lane(std::uint32_t id) {
    return lane(streams_, id, Lane::Type::stream, "stream ", &trace::Trace::stream);
  }
  std::size_t thread_lane(std::uint32_t id) {
    return lane(threads_, id, Lane::Type::thread, "thread ", &trace::Trace::thread);
  }
  /// A tag's layers: device-timed spans, or host-timed ones while the tag
  /// has none; host-timed spans of a tag the device timed go to a lane of
  /// launches, named and marked in finish() (the host runs ahead: its spans
  /// come before the device's first).
  std::size_t layer_lane(std::uint32_t tag, bool device) {
    if (device) device_tags_.insert(tag);
    return lane(device ? layer_lanes_ : host_layer_lanes_, tag, Lane::Type::layers, "layers ", &trace::Trace::tag);
  }

  void add(std::size_t lane, const Span& s) {
    if (f_.active() && !f_.shows(std::string(t_.tag(s.tag)), s)) return;
    lanes_[lane].spans.push_back(s);
  }

  void finish() {
    tl_.copies_untimed = any_copy_ && !any_timed_;
    for (const auto& [step, t] : turns_) {
      if (t.backward) tl_.turns.push_back(TurnMark{*t.backward, t.forward_end, step});
    }
    std::sort(tl_.turns.begin(), tl_.turns.end(),
              [](const TurnMark& a, const TurnMark& b) { return a.ns < b.ns; });
    for (Lane& l : lanes_) {
      if (l.spans.empty()) continue;
      // Most lanes come out in order (a stream's copies, a thread's
      // releases); stable_sort would still merge them all through a buffer
      // as large as the lane.
      const auto by_begin = [](const Span& a, const Span& b) { return a.begin < b.begin; };
      if (!std::is_sorted(l.spans.begin(), l.spans.end(), by_begin)) {
        std::stable_sort(l.spans.begin(), l.spans.end(), by_begin);
      }
      for (const Span& s : l.spans) l.longest = std::max(l.longest, s.end - s.begin);
      l.lod.build(l.spans);
    }
    for (const auto& [tag, lane] : host_layer_lanes_) {
      // The device's spans, where there are any, are the layer's own.
      if (device_tags_.count(tag)) lanes_[lane].launches = true;
    }
    // Streams, then layers, then threads; by name within each; a tag's
    // launches right after its layers (named after the sort: " (host)"
    // would sort before another tag whose name continues with '!').
    std::stable_sort(lanes_.begin(), lanes_.end(), [](const Lane& a, const Lane& b) {
      return std::tie(a.type, a.name, a.launches) < std::tie(b.type, b.name, b.launches);
    });
    for (Lane& l : lanes_) {
      if (l.launches) l.name += " (host)";
    }
    for (Lane& l : lanes_) {
      if (!l.spans.empty()) tl_.lanes.push_back(std::move(l));
    }
  }

  const trace::Trace& t_;
  const Filter& f_;
  Timeline tl_;
  std::vector<Lane> lanes_;
  std::map<std::uint32_t, std::size_t> streams_, threads_, layer_lanes_, host_layer_lanes_;
  std::set<std::uint32_t> device_tags_;  // tags with device-timed layer spans, whatever the filter
  trace::CopyPairing copies_;
  bool any_copy_ = false, any_timed_ = false;  // whatever the filter shows
  const trace::CopyPairing::OnCopy on_copy_ = [this](const trace::Copy& c) { copy(c); };
  std::map<Scope, std::uint64_t> entered_;
  std::map<std::pair<Lane::Type, std::uint32_t>, std::size_t> expected_;  // count_spans()
  struct Turn {
    std::uint64_t forward_end = 0;          // the step's latest layer exit so far
    std::optional<std::uint64_t> backward;  // its first backward event since then
  };
  std::map<std::uint32_t, Turn> turns_;  // by step number
};

}  // namespace

std::vector<StepMark> step_marks(const trace::Trace& trace) {
  std::vector<StepMark> marks;
  for (const Event& e : trace.events()) mark_step(marks, e);
  return marks;
}

std::optional<Timeline> Timeline::build(const trace::Trace& trace, const Filter& filter,
                                        const BuildProgress& progress) {
  return Builder(trace, filter).run(progress);
}

}  // namespace tswap::viewer
