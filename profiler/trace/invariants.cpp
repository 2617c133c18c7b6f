#include <algorithm>
#include <map>
#include <sstream>
#include <unordered_map>

#include <tswap/trace/analysis.h>
#include <tswap/trace/copies.h>
#include <tswap/trace/swap_key.h>
#include <tswap/trace/text.h>

namespace tswap::trace {
namespace {

/// What happened to one swap, by time.
struct SwapLife {
  const Event* d2h_queued = nullptr;
  const Event* d2h_done = nullptr;
  const Event* release = nullptr;
  const Event* h2d_done = nullptr;
  const Event* destroyed = nullptr;  // swap_destroyed: autograd let go of it
  std::vector<const Event*> back;    // h2d_queued and reuse
  std::vector<const Event*> unpacks;
};

std::string where(const Trace& t, const Event& e) {
  std::ostringstream out;
  out << "'" << printable(t.tag(e.tag)) << "' step " << e.step << " layer " << e.layer << " tensor "
      << e.index;
  return out.str();
}

std::string at(std::uint64_t ns) { return format_time(ns); }

class Checker {
 public:
  explicit Checker(const Trace& t) : t_(t) {}

  CheckResult run() {
    collect();
    check_swaps();
    check_layer_orders();
    check_prefetch_windows();
    return CheckResult{std::move(found_), unfinished()};
  }

 private:
  void add(const char* rule, const std::string& message, std::uint64_t ns) {
    found_.push_back(Violation{rule, message, ns});
  }

  void collect() {
    // When each copy ended, from the one pairing (Note [Copy pairing] in
    // copies.h). Note [Which clock a rule reads]: a release and a use are
    // the host's, and on an accelerator the host only queues work: the
    // engine makes the compute stream wait for the copy on the device and
    // goes on, so its host-timed release or use legally comes before the
    // device-timed end of the copy. The two timing rules compare a copy's
    // end only where the host timed it (the simulated runtime); on the
    // device, stream waits order them, which the log does not see.
    const auto& events = t_.events();
    const CopyPairing::OnCopy on_copy = [&](const Copy& c) {
      if (!c.done || c.done->source != TimeSource::host) return;
      SwapLife& life = lives_[c.key];
      (c.direction == CopyDirection::out ? life.d2h_done : life.h2d_done) = &events[c.done->event];
    };
    CopyPairing pairing(t_);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      pairing.take(i, on_copy);
      const SwapKey key = SwapKey::of(e);
      switch (e.event_kind()) {
        case EventKind::d2h_queued:
          lives_[key].d2h_queued = &e;
          out_order_[{e.tag, e.step}].push_back(&e);
          break;
        case EventKind::release:
          lives_[key].release = &e;
          break;
        case EventKind::h2d_queued:
          lives_[key].back.push_back(&e);
          in_order_[{e.tag, e.step}].push_back(&e);
          break;
        case EventKind::reuse:
          lives_[key].back.push_back(&e);
          break;
        case EventKind::swap_destroyed:
          lives_[key].destroyed = &e;
          break;
        case EventKind::unpack:
          lives_[key].unpacks.push_back(&e);
          first_unpack_.try_emplace(layer_key(e.tag, e.step, e.layer), &e);
          break;
        case EventKind::step_begin:
          depth_[{e.tag, e.step}] = std::max(decode_schedule(e.value).prefetch_depth, 0);
          break;
        default:
          break;
      }
    }
    pairing.finish(on_copy);
  }

  void check_swaps() {
    for (const auto& [key, life] : lives_) {
      if (life.release && life.d2h_done && life.release->host_ns < life.d2h_done->host_ns) {
        add("release-after-copy",
            "release of " + where(t_, *life.release) + " at " + at(life.release->host_ns) +
                " precedes the end of its copy out at " + at(life.d2h_done->host_ns),
            life.release->host_ns);
      }
      if (life.h2d_done) {
        for (const Event* u : life.unpacks) {
          if (u->host_ns < life.h2d_done->host_ns) {
            add("use-after-copy-back",
                "backward used " + where(t_, *u) + " at " + at(u->host_ns) +
                    " before its copy back ended at " + at(life.h2d_done->host_ns),
                u->host_ns);
          }
        }
      }
      if (life.d2h_queued) check_came_back(life);
    }
  }

  /// Note [Coming back]: a swap out comes back exactly once unless backward
  /// never needed it or never ran for it. Legal without a copy back:
  ///   - destroyed unused: autograd dropped the graph (a validation forward
  ///     with grad on, autograd::grad over a subset, a backward that raised);
  ///   - never released, then used: its tag's next layer saved nothing, so
  ///     backward took it straight from the device.
  /// Neither back, used nor destroyed when the log ends: the recording
  /// stopped first (unfinished, not a broken rule).
  void check_came_back(const SwapLife& life) {
    const Event& out = *life.d2h_queued;
    if (life.back.size() == 1) return;
    if (life.back.size() > 1) {
      add("back-exactly-once",
          where(t_, out) + " was swapped out at " + at(out.host_ns) + " and came back " +
              std::to_string(life.back.size()) + " times (expected once)",
          out.host_ns);
      return;
    }
    if (!life.unpacks.empty()) {
      if (life.release == nullptr) return;  // used straight from the device
      add("back-exactly-once",
          where(t_, out) + " was swapped out at " + at(out.host_ns) + ", released at " +
              at(life.release->host_ns) + " and used in backward at " +
              at(life.unpacks.front()->host_ns) + " but came back 0 times (expected once)",
          out.host_ns);
      return;
    }
    if (life.destroyed != nullptr) return;  // the graph was dropped without backward
    pending_[{out.tag, out.step}].push_back(&out);
  }

  std::vector<Unfinished> unfinished() const {
    std::vector<Unfinished> list;
    for (const auto& [tag_step, outs] : pending_) {
      std::uint16_t low = outs.front()->layer, high = low;
      std::uint64_t first = outs.front()->host_ns;
      for (const Event* e : outs) {
        low = std::min(low, e->layer);
        high = std::max(high, e->layer);
        first = std::min(first, e->host_ns);
      }
      Unfinished u;
      u.tag = std::string(t_.tag(tag_step.first));  // raw; the message prints it escaped
      u.step = tag_step.second;
      u.swaps = outs.size();
      u.host_ns = first;
      std::ostringstream m;
      m << "'" << printable(u.tag) << "' step " << u.step << ": " << u.swaps << " swap"
        << (u.swaps == 1 ? "" : "s") << " out (layer" << (low == high ? " " : "s ") << low;
      if (low != high) m << "-" << high;
      m << ", from " << at(first)
        << ") neither came back nor " << (u.swaps == 1 ? "was" : "were")
        << " let go of by autograd before the log ends";
      u.message = m.str();
      list.push_back(std::move(u));
    }
    return list;
  }

  void check_layer_orders() {
    for (const auto& [tag_step, events] : out_order_) {
      for (std::size_t i = 1; i < events.size(); ++i) {
        if (events[i]->layer < events[i - 1]->layer) {
          add("swap-out-ascending",
              "layer " + std::to_string(events[i]->layer) + " swapped out at " +
                  at(events[i]->host_ns) + " after layer " + std::to_string(events[i - 1]->layer) +
                  " (" + where(t_, *events[i]) + ")",
              events[i]->host_ns);
        }
      }
    }
    for (const auto& [tag_step, events] : in_order_) {
      // With prefetch depth d, layers within d of each other come back
      // interleaved (each in proportion to the same layer's backward).
      const int spread = std::max(depth(tag_step), 1);
      for (std::size_t i = 1; i < events.size(); ++i) {
        if (events[i]->layer >= events[i - 1]->layer + spread) {
          add("swap-in-descending",
              "layer " + std::to_string(events[i]->layer) + " came back at " +
                  at(events[i]->host_ns) + " after layer " + std::to_string(events[i - 1]->layer) +
                  " (" + where(t_, *events[i]) + ")",
              events[i]->host_ns);
        }
      }
    }
  }

  /// A prefetch of layer L is queued during the backward of one of the d
  /// layers above it (d: the step's prefetch depth), before L's own.
  void check_prefetch_windows() {
    for (const auto& [tag_step, events] : in_order_) {
      const int d = depth(tag_step);
      for (const Event* e : events) {
        if (!(e->flags & kFlagPrefetch)) continue;
        const Event* earliest_above = nullptr;  // the first unpack of layers L+1 .. L+d
        for (int j = 1; j <= d && e->layer + j <= 0xffff; ++j) {
          const Event* u = first_unpack(tag_step.first, tag_step.second, e->layer + j);
          if (u != nullptr && (earliest_above == nullptr || u->host_ns < earliest_above->host_ns))
            earliest_above = u;
        }
        const Event* own = first_unpack(tag_step.first, tag_step.second, e->layer);  // of layer L
        if (earliest_above == nullptr || e->host_ns < earliest_above->host_ns ||
            (own != nullptr && e->host_ns > own->host_ns)) {
          const std::string window =
              d == 0 ? "the step prefetches nothing (prefetch depth 0)"
              : d == 1 ? "is not within the backward of layer " + std::to_string(e->layer + 1)
                       : "is not within the backward of layers " + std::to_string(e->layer + 1) +
                             "-" + std::to_string(e->layer + d) + " (prefetch depth " +
                             std::to_string(d) + ")";
          add("prefetch-window",
              "prefetch of " + where(t_, *e) + " at " + at(e->host_ns) + " " +
                  (d == 0 ? "but " : "") + window,
              e->host_ns);
        }
      }
    }
  }

  /// The prefetch depth the tag's step was run with (1 in older logs).
  int depth(const std::pair<std::uint16_t, std::uint32_t>& tag_step) const {
    const auto it = depth_.find(tag_step);
    return it == depth_.end() ? 1 : it->second;
  }

  /// A layer of one tag's step (SwapKey with index 0).
  static SwapKey layer_key(std::uint16_t tag, std::uint32_t step, std::uint32_t layer) {
    return SwapKey{tag, step, static_cast<std::uint16_t>(layer), 0};
  }
  const Event* first_unpack(std::uint16_t tag, std::uint32_t step, std::uint32_t layer) const {
    const auto it = first_unpack_.find(layer_key(tag, step, layer));
    return it == first_unpack_.end() ? nullptr : it->second;
  }

  const Trace& t_;
  std::vector<Violation> found_;
  // Swaps out the log ends before, by tag and step (Note [Coming back]).
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::vector<const Event*>> pending_;
  std::unordered_map<SwapKey, SwapLife> lives_;
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::vector<const Event*>> out_order_,
      in_order_;
  std::map<std::pair<std::uint16_t, std::uint32_t>, int> depth_;  // from step_begin
  // The first unpack of each (tag, step, layer): one entry per layer that
  // backward used, never sized by a layer number from the log.
  std::unordered_map<SwapKey, const Event*> first_unpack_;
};

}  // namespace

CheckResult check_schedule(const Trace& trace) {
  return Checker(trace).run();
}

std::vector<Violation> check_invariants(const Trace& trace) {
  return check_schedule(trace).violations;
}

}  // namespace tswap::trace
