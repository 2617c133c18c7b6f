#include <tswap/trace/copies.h>

#include <algorithm>
#include <vector>

namespace tswap::trace {
namespace {

bool is_out(EventKind k) {
  return k == EventKind::d2h_queued || k == EventKind::d2h_start || k == EventKind::d2h_done;
}

CopyTime time_of(const Event& e, std::size_t index) { return CopyTime{e.host_ns, time_source(e), index}; }

Copy new_copy(const Event& e, CopyDirection d) {
  Copy c;
  c.key = SwapKey::of(e);
  c.direction = d;
  c.bytes = e.value;
  c.prefetch = (e.flags & kFlagPrefetch) != 0;
  c.stream = e.stream;
  return c;
}

/// What a start or done adds to the copy it completes: where it ran.
void note(Copy& c, const Event& e) {
  if (e.stream != 0) c.stream = e.stream;
  c.prefetch = c.prefetch || (e.flags & kFlagPrefetch) != 0;
}

std::size_t first_event(const Copy& c) {
  if (c.queued) return c.queued->event;
  if (c.start) return c.start->event;
  return c.done ? c.done->event : 0;
}

}  // namespace

const char* to_string(TimeSource source) {
  return source == TimeSource::device ? "device" : "host";
}

std::optional<std::uint64_t> Copy::duration_ns() const {
  if (!timed()) return std::nullopt;
  return done->ns >= start->ns ? done->ns - start->ns : 0;  // never negative
}

TimeSource Copy::source() const {
  if (start) return start->source;
  if (done) return done->source;
  return queued ? queued->source : TimeSource::host;
}

std::size_t Copy::last_event() const {
  std::size_t last = 0;
  for (const auto* t : {&queued, &start, &done}) {
    if (*t) last = std::max(last, (*t)->event);
  }
  return last;
}

Stall stall_of(const Event& e, std::size_t index) {
  Stall s;
  s.key = SwapKey::of(e);
  s.direction = (e.flags & kFlagWaitH2D) ? CopyDirection::back : CopyDirection::out;
  s.end_ns = e.host_ns;
  s.waited_ns = e.value;
  s.begin_ns = e.host_ns >= e.value ? e.host_ns - e.value : 0;
  s.event = index;
  return s;
}

CopyPairing::CopyPairing(const Trace& trace) : trace_(trace) {
  switch (static_cast<CopyTiming>(trace.header().copy_timing)) {
    case CopyTiming::host:
    case CopyTiming::device: return;
    case CopyTiming::none: timed_[0] = timed_[1] = false; return;
    case CopyTiming::unknown: break;
  }
  // Version 1 (or nothing swapped when the header was written): the log
  // times a direction if it holds any start or done of it. Without one, a
  // queued copy is all there will be, and is handed out at once instead of
  // being held to the end of the log.
  timed_[0] = timed_[1] = false;
  for (const Event& e : trace.events()) {
    switch (e.event_kind()) {
      case EventKind::d2h_start:
      case EventKind::d2h_done: timed_[0] = true; break;
      case EventKind::h2d_start:
      case EventKind::h2d_done: timed_[1] = true; break;
      default: break;
    }
    if (timed_[0] && timed_[1]) break;
  }
}

void CopyPairing::take(std::size_t index, const OnCopy& on_copy, const OnStall& on_stall) {
  const Event& e = trace_.events()[index];
  const EventKind k = e.event_kind();
  const CopyDirection d = is_out(k) ? CopyDirection::out : CopyDirection::back;
  switch (k) {
    case EventKind::d2h_queued:
    case EventKind::h2d_queued: queued(e, index, d, on_copy); break;
    case EventKind::d2h_start:
    case EventKind::h2d_start: start(e, index, d, on_copy); break;
    case EventKind::d2h_done:
    case EventKind::h2d_done: done(e, index, d, on_copy); break;
    case EventKind::stall:
      if (on_stall) on_stall(stall_of(e, index));
      break;
    default: break;
  }
}

void CopyPairing::queued(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy) {
  Copy c = new_copy(e, d);
  c.queued = time_of(e, index);
  if (!timed_[static_cast<int>(d)]) {
    on_copy(c);
    return;
  }
  const SwapKey key = SwapKey::of(e);
  // A device-timed start mapped onto the log's clock a little before the
  // host queued it: the queued record still belongs to that copy.
  for (TimeSource source : {TimeSource::device, TimeSource::host}) {
    const auto it = running_.find(Id{key, d, source});
    if (it != running_.end() && !it->second.queued) {
      it->second.queued = c.queued;
      return;
    }
  }
  const Id id{key, d, TimeSource::host};
  const auto it = queued_.find(id);
  if (it != queued_.end()) {
    on_copy(it->second);  // queued again before it started: the first never ran
    it->second = std::move(c);
  } else {
    put(queued_, id, std::move(c));
  }
}

void CopyPairing::start(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy) {
  const SwapKey key = SwapKey::of(e);
  Copy c;
  const auto q = queued_.find(Id{key, d, TimeSource::host});
  if (q != queued_.end()) {
    c = std::move(q->second);
    recycle(queued_, q);
  } else {
    c = new_copy(e, d);
  }
  c.start = time_of(e, index);
  note(c, e);
  const Id id{key, d, time_source(e)};
  const auto it = running_.find(id);
  if (it != running_.end()) {
    on_copy(it->second);  // started again before it was done: the first has no done
    it->second = std::move(c);
  } else {
    put(running_, id, std::move(c));
  }
}

void CopyPairing::done(const Event& e, std::size_t index, CopyDirection d, const OnCopy& on_copy) {
  const SwapKey key = SwapKey::of(e);
  Copy c;
  const auto r = running_.find(Id{key, d, time_source(e)});
  if (r != running_.end()) {
    c = std::move(r->second);
    recycle(running_, r);
  } else {
    // A done without its start: what the log knows of it, queued record included.
    const auto q = queued_.find(Id{key, d, TimeSource::host});
    if (q != queued_.end()) {
      c = std::move(q->second);
      recycle(queued_, q);
    } else {
      c = new_copy(e, d);
    }
  }
  c.done = time_of(e, index);
  note(c, e);
  on_copy(c);
}

void CopyPairing::put(Map& m, const Id& id, Copy c) {
  if (spare_.empty()) {
    m.emplace(id, std::move(c));
    return;
  }
  Map::node_type node = std::move(spare_.back());
  spare_.pop_back();
  node.key() = id;
  node.mapped() = std::move(c);
  m.insert(std::move(node));
}

void CopyPairing::recycle(Map& m, Map::iterator it) {
  if (spare_.size() < kSpareNodes) {
    spare_.push_back(m.extract(it));
  } else {
    m.erase(it);
  }
}

void CopyPairing::finish(const OnCopy& on_copy) {
  std::vector<Copy> left;
  left.reserve(in_flight());
  for (auto& [id, c] : queued_) left.push_back(std::move(c));
  for (auto& [id, c] : running_) left.push_back(std::move(c));
  queued_.clear();
  running_.clear();
  std::sort(left.begin(), left.end(),
            [](const Copy& a, const Copy& b) { return first_event(a) < first_event(b); });
  for (const Copy& c : left) on_copy(c);
}

void for_each_copy(const Trace& trace, const CopyPairing::OnCopy& on_copy,
                   const CopyPairing::OnStall& on_stall) {
  CopyPairing pairing(trace);
  for (std::size_t i = 0; i < trace.events().size(); ++i) pairing.take(i, on_copy, on_stall);
  pairing.finish(on_copy);
}

}  // namespace tswap::trace
