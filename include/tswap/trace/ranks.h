#pragma once

// Several logs of one distributed run, one per rank, side by side: each
// rank's totals (steps, events, peak resident bytes, bytes out, copy and
// stall time, its clock against rank 0's) and, per tag and layer, how far
// the ranks spread (min / median / max, and the rank at the max). Plain
// values built from each log's Summary, so that a caller holds one log in
// memory at a time; tswap-log summary prints them, the viewer and Python
// can ask the same.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <tswap/trace/summary.h>
#include <tswap/trace/trace.h>

namespace tswap::trace {

/// What rank_logs needs of one log: its path, run header, event count and
/// summary (ranked_input() of a loaded Trace).
struct RankInput {
  std::string file;
  RunHeader run{};
  std::uint64_t events = 0;
  Summary summary;
};
RankInput ranked_input(const Trace& trace);

/// The rank a log stands for: its run header's (kRunHasRank), else its
/// place among the logs given (from 0).
inline int rank_of(const RunHeader& run, std::size_t position) {
  return (run.flags & kRunHasRank) != 0 ? run.rank : static_cast<int>(position);
}

/// One rank's totals over its log (every tag together).
struct RankFigures {
  int rank = 0;
  bool rank_in_header = false;  // false: its place among the logs (a note says so)
  std::string file;
  std::string run_id;  // "" without kRunHasRank
  std::uint64_t steps = 0, events = 0;
  std::int64_t resident_peak = 0;  // Summary::resident_peak
  std::uint64_t bytes_out = 0, d2h_ns = 0, h2d_ns = 0;
  std::uint64_t stall_ns = 0;  // waited
  bool clock_aligned = false;  // kRunClockAligned: the two below are known
  std::int64_t clock_offset_ns = 0;
  std::uint64_t clock_uncertainty_ns = 0;
};

/// One figure over the ranks. A rank whose log lacks the row counts as 0
/// (it swapped nothing there). median: the middle value, the lower of the
/// two middle ones for an even count (a value some rank had). worst_rank:
/// the rank at max, the lowest such rank on a tie.
struct Spread {
  std::int64_t min = 0, median = 0, max = 0;
  int worst_rank = 0;
};

/// A tag's (layer -1) or one of its layers' spread across the ranks.
struct RankSpread {
  std::string tag;
  int layer = -1;
  Spread resident_peak;  // LayerSummary::resident_peak
  Spread copy_ns;        // d2h_ns + h2d_ns
  Spread stall_ns;       // waited
};

struct RankedLogs {
  std::vector<RankFigures> ranks;    // by rank
  std::vector<RankSpread> tags;      // by tag
  std::vector<RankSpread> layers;    // by tag, then layer
  std::vector<std::string> run_ids;  // the distinct run ids, in rank order ("" left out)
  /// Things a reader should know: a log without a rank, a mix of runs let through.
  std::vector<std::string> notes;
};

/// Why logs cannot be read as the ranks of one run.
class RanksError : public std::runtime_error {
 public:
  enum class Kind {
    no_logs,         // nothing given
    mixed_runs,      // different run ids (RankOptions::allow_mixed not set)
    duplicate_rank,  // two logs claim the same rank
  };
  RanksError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct RankOptions {
  bool allow_mixed = false;  // logs of different runs: a note instead of an error
};

/// The logs as the ranks of one run, in the order given (a log without a
/// rank takes its place in it). Throws RanksError.
RankedLogs rank_logs(const std::vector<RankInput>& logs, const RankOptions& options = {});
RankedLogs rank_logs(const std::vector<Trace>& logs, const RankOptions& options = {});

/// min / median / max of `values` (one per rank, by rank order in `ranks`).
Spread spread_of(const std::vector<std::int64_t>& values, const std::vector<int>& ranks);

}  // namespace tswap::trace
