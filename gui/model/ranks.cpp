#include "ranks.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <tswap/trace/format.h>

namespace tswap::viewer {

namespace {

std::string run_id_of(const trace::RunHeader& run) {
  // run_id is NUL-padded; a full 64 bytes has no NUL.
  const char* end = static_cast<const char*>(std::memchr(run.run_id, '\0', sizeof run.run_id));
  return std::string(run.run_id, end ? static_cast<std::size_t>(end - run.run_id) : sizeof run.run_id);
}

// Where the log's session started on rank 0's clock (Note [Rank alignment]),
// modulo 2^64: only differences between two logs' starts are used, and those
// are exact as long as the true difference fits in 63 bits (sessions of one
// run start seconds apart, not centuries); unsigned arithmetic so that a
// hostile header wraps instead of overflowing a signed integer.
std::uint64_t aligned_start(const trace::Trace& t) {
  return t.header().monotonic_start_ns + static_cast<std::uint64_t>(t.run().clock_offset_ns);
}

}  // namespace

RankSet RankSet::build(const std::vector<const trace::Trace*>& logs,
                       const std::vector<std::string>& names) {
  if (logs.size() != names.size()) throw std::invalid_argument("RankSet::build: a name per log");
  RankSet set;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const trace::RunHeader& run = logs[i]->run();
    RankLog r;
    r.input = i;
    if (run.flags & trace::kRunHasRank) {
      r.rank = run.rank;
      r.run_id = run_id_of(run);
      r.label = "rank " + std::to_string(run.rank);
    } else {
      r.label = names[i];
    }
    r.clock_aligned = (run.flags & trace::kRunClockAligned) != 0;
    set.ranks.push_back(std::move(r));
  }
  std::stable_sort(set.ranks.begin(), set.ranks.end(), [](const RankLog& a, const RankLog& b) {
    if (a.rank.has_value() != b.rank.has_value()) return a.rank.has_value();
    return a.rank && *a.rank < *b.rank;
  });

  // Shifts: Note [Rank alignment]. Each aligned start against the first
  // aligned log's, signed; the earliest of those is merged time 0.
  std::optional<std::uint64_t> reference;
  std::int64_t earliest = 0;
  for (const RankLog& r : set.ranks)
    if (r.clock_aligned) {
      const std::uint64_t s = aligned_start(*logs[r.input]);
      if (!reference) reference = s;
      earliest = std::min(earliest, static_cast<std::int64_t>(s - *reference));
    }
  std::string unaligned;
  for (RankLog& r : set.ranks) {
    if (r.clock_aligned) {
      const auto d = static_cast<std::int64_t>(aligned_start(*logs[r.input]) - *reference);
      r.shift = static_cast<std::uint64_t>(d) - static_cast<std::uint64_t>(earliest);
    } else {
      unaligned += (unaligned.empty() ? "" : ", ") + r.label;
    }
  }
  if (logs.size() > 1 && !unaligned.empty())
    set.note = unaligned + ": clocks not aligned, drawn from their session start";

  std::vector<std::string> ids;
  for (const RankLog& r : set.ranks)
    if (r.rank && std::find(ids.begin(), ids.end(), r.run_id) == ids.end()) ids.push_back(r.run_id);
  if (ids.size() > 1) {
    set.warning = "logs of different runs:";
    for (std::size_t i = 0; i < ids.size(); ++i)
      set.warning += (i ? ", " : " ") + (ids[i].empty() ? std::string("(no run id)") : ids[i]);
  }
  return set;
}

std::size_t RankSet::position_of(std::size_t input) const {
  for (std::size_t p = 0; p < ranks.size(); ++p)
    if (ranks[p].input == input) return p;
  throw std::out_of_range("RankSet::position_of: no such log");
}

std::uint64_t RankSet::merged(std::size_t input, std::uint64_t host_ns) const {
  const std::uint64_t shift = ranks[position_of(input)].shift;
  // Saturate: a hostile log's times near 2^64 stay at the end, not wrapped to 0.
  return host_ns > std::numeric_limits<std::uint64_t>::max() - shift
             ? std::numeric_limits<std::uint64_t>::max()
             : host_ns + shift;
}

MergedTimeline MergedTimeline::build(const RankSet& set, const std::vector<Timeline>& per_input,
                                     const std::vector<const trace::Trace*>& traces) {
  MergedTimeline m;
  bool first = true;
  std::unordered_map<std::string, std::uint16_t> first_ids;  // the first rank's tag ids by name
  if (!set.ranks.empty())
    for (const auto& [id, name] : traces.at(set.ranks.front().input)->tags())
      first_ids.emplace(name, static_cast<std::uint16_t>(id));
  for (const RankLog& r : set.ranks) {
    const Timeline& t = per_input.at(r.input);
    std::unordered_map<std::uint16_t, std::uint16_t> to_first;
    for (const auto& [id, name] : traces.at(r.input)->tags()) {
      const auto it = first_ids.find(name);
      if (it != first_ids.end()) to_first.emplace(static_cast<std::uint16_t>(id), it->second);
    }
    Group g;
    g.header_lane = m.timeline.lanes.size();
    Lane header;
    header.name = r.label;
    header.group_header = true;
    m.timeline.lanes.push_back(std::move(header));
    g.first_lane = m.timeline.lanes.size();
    g.lanes = t.lanes.size();
    g.header = r.label;
    g.input = r.input;
    for (const Lane& lane : t.lanes) {
      Lane moved = lane;
      for (Span& s : moved.spans) {
        s.begin = set.merged(r.input, s.begin);
        s.end = set.merged(r.input, s.end);
        const auto it = to_first.find(s.tag);
        if (it != to_first.end()) s.tag = it->second;
      }
      moved.lod.build(moved.spans);
      m.timeline.lanes.push_back(std::move(moved));
    }
    const std::uint64_t lo = set.merged(r.input, t.first), hi = set.merged(r.input, t.last);
    if (first) {
      // Steps and turns of the first rank: the ruler's marks, one set of them.
      for (StepMark s : t.step_marks) {
        s.ns = set.merged(r.input, s.ns);
        m.timeline.step_marks.push_back(s);
      }
      for (TurnMark s : t.turns) {
        s.ns = set.merged(r.input, s.ns);
        s.forward_end = set.merged(r.input, s.forward_end);
        m.timeline.turns.push_back(s);
      }
      m.timeline.first = lo;
      m.timeline.last = hi;
    } else {
      m.timeline.first = std::min(m.timeline.first, lo);
      m.timeline.last = std::max(m.timeline.last, hi);
    }
    m.timeline.copies_untimed = (first || m.timeline.copies_untimed) && t.copies_untimed;
    first = false;
    m.groups.push_back(std::move(g));
  }
  return m;
}

const MergedTimeline::Group& MergedTimeline::group_of(std::size_t lane) const {
  for (const Group& g : groups)
    if (lane >= g.header_lane && lane < g.first_lane + g.lanes) return g;
  throw std::out_of_range("MergedTimeline::group_of: no such lane");
}

Curve shifted(const Curve& c, std::uint64_t shift) {
  Curve out;
  out.reserve(c.points());
  const auto& t = c.times();
  const auto& v = c.levels();
  for (std::size_t i = 0; i < t.size(); ++i)
    out.append(t[i] > std::numeric_limits<std::uint64_t>::max() - shift
                   ? std::numeric_limits<std::uint64_t>::max()
                   : t[i] + shift,
               v[i]);
  out.seal();
  return out;
}

Curve pointwise_max(const std::vector<Curve>& curves) {
  // Sweep every curve's change points in time order, keeping each curve's
  // current level (0 before its first point); a point per time at which
  // the maximum changes. Work: points x log(points) for the merge, and the
  // maximum recomputed over the (few) curves at each time.
  std::vector<std::pair<std::uint64_t, std::size_t>> changes;  // time, curve
  for (std::size_t c = 0; c < curves.size(); ++c)
    for (std::uint64_t t : curves[c].times()) changes.emplace_back(t, c);
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::size_t> next(curves.size(), 0);
  std::vector<std::int64_t> level(curves.size(), 0);
  Curve out;
  std::optional<std::int64_t> last;
  for (std::size_t i = 0; i < changes.size();) {
    const std::uint64_t t = changes[i].first;
    // Every point at time t, of every curve, before reading the maximum:
    // a curve's several points at one time end at its last.
    for (; i < changes.size() && changes[i].first == t; ++i) {
      const std::size_t c = changes[i].second;
      level[c] = curves[c].levels()[next[c]++];
    }
    std::int64_t m = level.front();  // not floored at 0: levels may be negative
    for (std::int64_t l : level) m = std::max(m, l);
    if (!last || *last != m) {
      out.append(t, m);
      last = m;
    }
  }
  out.seal();
  return out;
}

RankMemory RankMemory::build(const RankSet& set, const std::vector<MemoryModel>& per_input) {
  RankMemory m;
  for (const RankLog& r : set.ranks) {
    const MemoryModel& model = per_input.at(r.input);
    m.labels.push_back(r.label);
    m.totals.push_back(shifted(model.total, r.shift));
    m.without_swap.push_back(shifted(model.without_swap, r.shift));
  }
  m.max_total = pointwise_max(m.totals);
  return m;
}

std::vector<RankRow> rank_rows(const RankSet& set, const std::vector<trace::Summary>& per_input) {
  std::vector<RankRow> rows;
  for (std::size_t p = 0; p < set.ranks.size(); ++p) {
    const trace::Summary& s = per_input.at(set.ranks[p].input);
    for (const trace::LayerSummary& total : s.tags) {
      for (const trace::LayerSummary& layer : s.layers)
        if (layer.tag == total.tag) rows.push_back({p, set.ranks[p].label, layer});
      rows.push_back({p, set.ranks[p].label, total});
    }
  }
  return rows;
}

RankedRun RankedRun::build(std::vector<std::shared_ptr<const trace::Trace>> traces,
                           std::vector<std::string> names) {
  if (traces.empty()) throw std::invalid_argument("RankedRun::build: no log");
  RankedRun r;
  r.traces = std::move(traces);
  r.names = std::move(names);
  r.set = RankSet::build(r.trace_ptrs(), r.names);
  for (const auto& t : r.traces) {
    r.memories.push_back(MemoryModel::build(*t));
    r.summaries.push_back(trace::summarize(*t));
  }
  r.memory = RankMemory::build(r.set, r.memories);
  r.rows = rank_rows(r.set, r.summaries);
  return r;
}

std::vector<const trace::Trace*> RankedRun::trace_ptrs() const {
  std::vector<const trace::Trace*> p;
  for (const auto& t : traces) p.push_back(t.get());
  return p;
}

std::optional<MergedTimeline> RankedRun::timeline(const Filter& filter, const BuildProgress& progress) const {
  std::vector<Timeline> own;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const double n = static_cast<double>(traces.size());
    std::optional<Timeline> t = Timeline::build(*traces[i], filter, [&](double f) {
      return !progress || progress((static_cast<double>(i) + f) / n);
    });
    if (!t) return std::nullopt;
    own.push_back(std::move(*t));
  }
  return MergedTimeline::build(set, own, trace_ptrs());
}

}  // namespace tswap::viewer
