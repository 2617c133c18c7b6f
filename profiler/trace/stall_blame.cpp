#include <tswap/trace/stall_blame.h>

#include <algorithm>
#include <limits>

namespace tswap::trace {
namespace {

bool is_queued(EventKind k) {
  return k == EventKind::d2h_queued || k == EventKind::h2d_queued;
}
bool is_start(EventKind k) {
  return k == EventKind::d2h_start || k == EventKind::h2d_start;
}

std::uint64_t first_ns(const Copy& c) {
  if (c.queued) return c.queued->ns;
  if (c.start) return c.start->ns;
  return c.done ? c.done->ns : 0;
}

std::optional<std::uint64_t> ns_of(const std::optional<CopyTime>& t) {
  return t ? std::optional<std::uint64_t>(t->ns) : std::nullopt;
}

void add_share(std::vector<StallShare>& shares, std::uint16_t tag, std::uint16_t layer,
               std::uint64_t ns) {
  if (ns == 0) return;
  for (StallShare& s : shares) {
    if (s.tag == tag && s.layer == layer) {
      s.ns += ns;
      return;
    }
  }
  shares.push_back(StallShare{tag, layer, ns});
}

}  // namespace

StallBlame::StallBlame(const Trace& trace) {
  const auto& events = trace.events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].event_kind() != EventKind::stall) continue;
    const Stall s = stall_of(events[i], i);
    waiting_[WaitId{s.key, s.direction}].push_back(stalls_.size());
    stalls_.push_back(s);
  }
  awaited_.resize(stalls_.size());
  merge_windows(trace);
}

void StallBlame::merge_windows(const Trace& trace) {
  // Each stall reaches back to its copy's queued record (a start where the
  // log has none): copies that ran since then may have delayed it.
  std::vector<std::uint64_t> reach(stalls_.size());
  for (std::size_t i = 0; i < stalls_.size(); ++i) reach[i] = stalls_[i].begin_ns;
  if (!waiting_.empty()) {
    for (const Event& e : trace.events()) {
      const EventKind k = e.event_kind();
      if (!is_queued(k) && !is_start(k)) continue;
      const CopyDirection d = (k == EventKind::d2h_queued || k == EventKind::d2h_start)
                                  ? CopyDirection::out
                                  : CopyDirection::back;
      const auto it = waiting_.find(WaitId{SwapKey::of(e), d});
      if (it == waiting_.end()) continue;
      for (std::size_t i : it->second) {
        if (e.host_ns <= stalls_[i].end_ns) reach[i] = std::min(reach[i], e.host_ns);
      }
    }
  }
  for (std::size_t i = 0; i < stalls_.size(); ++i) {
    if (stalls_[i].end_ns > reach[i]) windows_.emplace_back(reach[i], stalls_[i].end_ns);
  }
  // Merged, the windows let take() keep only the copies some stall can be charged to.
  std::sort(windows_.begin(), windows_.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
  for (const auto& w : windows_) {
    if (!merged.empty() && w.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, w.second);
    } else {
      merged.push_back(w);
    }
  }
  windows_ = std::move(merged);
}

bool StallBlame::in_some_window(std::uint64_t start, std::uint64_t done) const {
  // The first merged window that ends after `start`; the copy overlaps it
  // if it begins before `done`.
  const auto it =
      std::upper_bound(windows_.begin(), windows_.end(), start,
                       [](std::uint64_t t, const std::pair<std::uint64_t, std::uint64_t>& w) {
                         return t < w.second;
                       });
  return it != windows_.end() && it->first < done;
}

void StallBlame::take(const Copy& c) {
  // Which copy each stall waited for: the latest of its swap and direction
  // known before the stall ended (a swap copied back twice waits on the second).
  if (const auto it = waiting_.find(WaitId{c.key, c.direction}); it != waiting_.end()) {
    const std::uint64_t first = first_ns(c);
    for (std::size_t i : it->second) {
      Awaited& a = awaited_[i];
      if (first > stalls_[i].end_ns || (a.known && first < a.first_ns)) continue;
      a = Awaited{true, first, c.stream, ns_of(c.queued), ns_of(c.start), ns_of(c.done)};
    }
  }
  const std::optional<std::uint64_t> took = c.duration_ns();
  if (!took || *took == 0 || !in_some_window(c.start->ns, c.done->ns)) return;
  runs_[c.stream].push_back(Run{c.start->ns, c.done->ns, c.key.tag, c.key.layer});
}

std::vector<StallShare> StallBlame::split(const Stall& stall, const Awaited& awaited,
                                          const std::vector<Run>& runs,
                                          const std::vector<std::uint64_t>& done_so_far) const {
  std::vector<StallShare> shares;
  const std::uint64_t begin = stall.begin_ns;
  // The wake after the awaited copy's done is its own: nothing on the
  // stream delays a copy that is done.
  const std::uint64_t done = std::min(stall.end_ns, awaited.done.value_or(stall.end_ns));
  const std::uint64_t start = std::min(awaited.start.value_or(done), done);
  const std::uint64_t queued = std::min(awaited.queued.value_or(start), start);
  // Up to its done, the queue ahead is charged for as long as it kept the
  // copy from starting, at most: the rest is its own run.
  std::uint64_t late = done > begin ? done - begin : 0;
  // Back from the awaited copy's start over the copies that started before
  // it (runs are sorted by start; done_so_far[i] is the latest done of runs[0..i]).
  std::size_t i = static_cast<std::size_t>(
      std::lower_bound(runs.begin(), runs.end(), start,
                       [](const Run& r, std::uint64_t t) { return r.start < t; }) -
      runs.begin());
  std::uint64_t cursor = start;  // charged from here on
  while (late > 0 && cursor > queued && i > 0 && done_so_far[i - 1] > queued) {
    const Run& r = runs[--i];
    const std::uint64_t to = std::min(cursor, r.done);
    const std::uint64_t from = std::max(r.start, queued);
    if (to <= from) continue;
    late -= std::min(late, cursor - to);  // the stream idle: the awaited copy's
    const std::uint64_t ran = std::min(late, to - from);
    add_share(shares, r.tag, r.layer, ran);
    late -= ran;
    cursor = from;
  }
  std::uint64_t charged = 0;
  for (const StallShare& s : shares) charged += s.ns;
  // The rest is the awaited copy's (the stall's own swap): the wake, its
  // own run on time, the idle stream.
  add_share(shares, stall.key.tag, stall.key.layer, stall.waited_ns - charged);
  return shares;
}

std::vector<BlamedStall> StallBlame::finish() {
  std::unordered_map<std::uint8_t, std::vector<std::uint64_t>> done_so_far;
  for (auto& [stream, runs] : runs_) {
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return a.start < b.start; });
    std::vector<std::uint64_t>& d = done_so_far[stream];
    d.reserve(runs.size());
    for (const Run& r : runs) d.push_back(d.empty() ? r.done : std::max(d.back(), r.done));
  }
  static const std::vector<Run> kNoRuns;
  static const std::vector<std::uint64_t> kNoDone;
  std::vector<BlamedStall> out;
  out.reserve(stalls_.size());
  for (std::size_t i = 0; i < stalls_.size(); ++i) {
    BlamedStall b;
    b.stall = stalls_[i];
    const Awaited& a = awaited_[i];
    if (!a.known) {
      add_share(b.shares, b.stall.key.tag, b.stall.key.layer, b.stall.waited_ns);
    } else {
      b.stream = a.stream;
      const auto runs = runs_.find(a.stream);
      b.shares = runs == runs_.end() ? split(b.stall, a, kNoRuns, kNoDone)
                                     : split(b.stall, a, runs->second, done_so_far[a.stream]);
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<BlamedStall> blame_stalls(const Trace& trace) {
  StallBlame blame(trace);
  for_each_copy(trace, [&](const Copy& c) { blame.take(c); });
  return blame.finish();
}

}  // namespace tswap::trace
