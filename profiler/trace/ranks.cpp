#include <tswap/trace/ranks.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <utility>

namespace tswap::trace {
namespace {

std::string run_id_of(const RunHeader& run) {
  if ((run.flags & kRunHasRank) == 0) return "";
  return std::string(run.run_id, strnlen(run.run_id, sizeof run.run_id));
}

RankFigures figures_of(const RankInput& in, std::size_t position) {
  RankFigures f;
  f.rank = rank_of(in.run, position);
  f.rank_in_header = (in.run.flags & kRunHasRank) != 0;
  f.file = in.file;
  f.run_id = run_id_of(in.run);
  f.steps = in.summary.steps;
  f.events = in.events;
  f.resident_peak = in.summary.resident_peak;
  for (const LayerSummary& t : in.summary.tags) {
    f.bytes_out += t.bytes_out;
    f.d2h_ns += t.d2h_ns;
    f.h2d_ns += t.h2d_ns;
    f.stall_ns += t.stall_ns;
  }
  f.clock_aligned = (in.run.flags & kRunClockAligned) != 0;
  if (f.clock_aligned) {
    f.clock_offset_ns = in.run.clock_offset_ns;
    f.clock_uncertainty_ns = in.run.clock_uncertainty_ns;
  }
  return f;
}

using RowKey = std::pair<std::string, int>;  // tag, layer (-1: the tag's total)

/// Each row's figures per rank (in the order of the sorted ranks), 0 where
/// a rank lacks the row.
std::vector<RankSpread> spreads(const std::vector<const std::vector<LayerSummary>*>& per_rank,
                                const std::vector<int>& ranks) {
  std::map<RowKey, std::vector<const LayerSummary*>> rows;
  for (std::size_t r = 0; r < per_rank.size(); ++r) {
    for (const LayerSummary& l : *per_rank[r]) {
      auto& slot = rows[{l.tag, l.layer}];
      slot.resize(per_rank.size(), nullptr);
      slot[r] = &l;
    }
  }
  std::vector<RankSpread> out;
  for (const auto& [key, by_rank] : rows) {
    std::vector<std::int64_t> peak, copy, stall;
    for (const LayerSummary* l : by_rank) {
      peak.push_back(l ? l->resident_peak : 0);
      copy.push_back(l ? static_cast<std::int64_t>(l->d2h_ns + l->h2d_ns) : 0);
      stall.push_back(l ? static_cast<std::int64_t>(l->stall_ns) : 0);
    }
    RankSpread s;
    s.tag = key.first;
    s.layer = key.second;
    s.resident_peak = spread_of(peak, ranks);
    s.copy_ns = spread_of(copy, ranks);
    s.stall_ns = spread_of(stall, ranks);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

RankInput ranked_input(const Trace& trace) {
  return RankInput{trace.path(), trace.run(), trace.events().size(), summarize(trace)};
}

Spread spread_of(const std::vector<std::int64_t>& values, const std::vector<int>& ranks) {
  Spread s;
  if (values.empty()) return s;
  std::vector<std::int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = sorted[(sorted.size() - 1) / 2];
  bool found = false;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] != s.max) continue;
    if (!found || ranks[i] < s.worst_rank) s.worst_rank = ranks[i];
    found = true;
  }
  return s;
}

RankedLogs rank_logs(const std::vector<RankInput>& logs, const RankOptions& options) {
  if (logs.empty()) throw RanksError(RanksError::Kind::no_logs, "no logs to read as ranks");
  RankedLogs out;
  std::vector<std::size_t> order(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) {
    out.ranks.push_back(figures_of(logs[i], i));
    order[i] = i;
  }
  // Two logs of one rank cannot both be that rank, mixed runs or not.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return out.ranks[a].rank < out.ranks[b].rank;
  });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const RankFigures& a = out.ranks[order[i - 1]];
    const RankFigures& b = out.ranks[order[i]];
    if (a.rank == b.rank) {
      throw RanksError(RanksError::Kind::duplicate_rank,
                       a.file + " and " + b.file + " both claim rank " + std::to_string(a.rank));
    }
  }
  // Mixed runs: the first log of another run id than the first one seen.
  const RankFigures* first = nullptr;
  for (std::size_t i : order) {
    const RankFigures& f = out.ranks[i];
    if (f.run_id.empty()) continue;
    if (std::find(out.run_ids.begin(), out.run_ids.end(), f.run_id) == out.run_ids.end())
      out.run_ids.push_back(f.run_id);
    if (!first) {
      first = &f;
    } else if (f.run_id != first->run_id && !options.allow_mixed) {
      throw RanksError(RanksError::Kind::mixed_runs, "logs of different runs: " + first->file +
                                                         " is of run '" + printable(first->run_id) +
                                                         "', " + f.file + " of run '" +
                                                         printable(f.run_id) + "'");
    }
  }
  if (out.run_ids.size() > 1) {
    out.notes.push_back("logs of " + std::to_string(out.run_ids.size()) +
                        " different runs, read together as asked (--allow-mixed)");
  }
  std::vector<RankFigures> sorted;
  std::vector<int> ranks;
  std::vector<const std::vector<LayerSummary>*> tags, layers;
  for (std::size_t i : order) {
    const RankFigures& f = out.ranks[i];
    if (!f.rank_in_header) {
      out.notes.push_back(f.file + " has no rank in its header: read as rank " +
                          std::to_string(f.rank) + ", its place among the logs");
    }
    sorted.push_back(f);
    ranks.push_back(f.rank);
    tags.push_back(&logs[i].summary.tags);
    layers.push_back(&logs[i].summary.layers);
  }
  out.ranks = std::move(sorted);
  out.tags = spreads(tags, ranks);
  out.layers = spreads(layers, ranks);
  return out;
}

RankedLogs rank_logs(const std::vector<Trace>& logs, const RankOptions& options) {
  std::vector<RankInput> inputs;
  inputs.reserve(logs.size());
  for (const Trace& t : logs) inputs.push_back(ranked_input(t));
  return rank_logs(inputs, options);
}

}  // namespace tswap::trace
