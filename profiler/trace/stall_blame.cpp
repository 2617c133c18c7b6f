#include <tswap/trace/stall_blame.h>

#include <algorithm>

namespace tswap::trace {
namespace {

std::uint64_t first_ns(const Copy& c) {
  if (c.queued) return c.queued->ns;
  if (c.start) return c.start->ns;
  return c.done ? c.done->ns : 0;
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
    if (s.end_ns > s.begin_ns) windows_.emplace_back(s.begin_ns, s.end_ns);
  }
  awaited_.resize(stalls_.size());
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

bool StallBlame::during_some_stall(std::uint64_t start, std::uint64_t done) const {
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
      a.known = true;
      a.first_ns = first;
      a.stream = c.stream;
      a.start = c.start ? std::optional<std::uint64_t>(c.start->ns) : std::nullopt;
      a.done = c.done ? std::optional<std::uint64_t>(c.done->ns) : std::nullopt;
    }
  }
  const std::optional<std::uint64_t> took = c.duration_ns();
  if (!took || *took == 0 || !during_some_stall(c.start->ns, c.done->ns)) return;
  runs_[c.stream].push_back(Run{c.start->ns, c.done->ns, c.key.tag, c.key.layer});
}

std::vector<StallShare> StallBlame::split(const Stall& stall, const Awaited& awaited,
                                          const std::vector<Run>& runs,
                                          const std::vector<std::uint64_t>& done_so_far) const {
  std::vector<StallShare> shares;
  // Nothing on the stream delays the awaited copy after its done, and a
  // copy that started after it was queued behind it.
  std::uint64_t end = stall.end_ns;
  if (awaited.done) end = std::min(end, *awaited.done);
  const std::uint64_t ahead_until = awaited.start.value_or(end);
  // runs are sorted by start; done_so_far[i] is the latest done of runs[0..i].
  std::size_t i = static_cast<std::size_t>(
      std::upper_bound(done_so_far.begin(), done_so_far.end(), stall.begin_ns) -
      done_so_far.begin());
  std::uint64_t cursor = stall.begin_ns;  // charged up to here
  for (; i < runs.size() && runs[i].start < end && runs[i].start <= ahead_until; ++i) {
    const std::uint64_t from = std::max(cursor, runs[i].start);
    const std::uint64_t to = std::min(end, runs[i].done);
    if (to <= from) continue;
    add_share(shares, runs[i].tag, runs[i].layer, to - from);
    cursor = to;
  }
  std::uint64_t charged = 0;
  for (const StallShare& s : shares) charged += s.ns;
  // The rest is the awaited copy's (the stall's own swap): idle, its own run, the wake.
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
