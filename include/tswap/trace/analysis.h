#pragma once

// Checks and comparisons over a loaded log: the ordering invariants of the
// swap schedule, and a timing-free event order for regression tests.

#include <cstdint>
#include <string>
#include <vector>

#include <tswap/trace/trace.h>

namespace tswap::trace {

/// One broken rule.
struct Violation {
  std::string rule;     // "release-after-copy", ...
  std::string message;  // what, where, when
  std::uint64_t host_ns = 0;
};

/// The rules (docs/tswap-log.md):
///   release-after-copy     a tensor's release never precedes the end of its copy out
///   use-after-copy-back    its use in backward never precedes the end of its copy back
///   prefetch-window        prefetches of layer L-1 are queued while layer L runs backward
///   swap-out-ascending     per step, layers swap out in ascending order
///   swap-in-descending     ...and come back in descending order
///   back-exactly-once      every swapped-out tensor comes back exactly once
/// Copies whose start or end the runtime could not time are checked by
/// what was recorded.
std::vector<Violation> check_invariants(const Trace& trace);

/// The log's events as lines without times, one block per thread (threads
/// by name, then by first event), stalls left out (they depend on timing).
/// Steps count from each tag's first step in the log, so a recording begun
/// at step 100, or in the second test of a process, reads "step 1" too:
///   thread tswap-sim-d2h
///   d2h_start model.layer.* L0 #0 step 1
std::vector<std::string> event_order(const Trace& trace);

/// Where two logs' event orders part.
struct OrderDiff {
  bool same = true;
  std::size_t line = 0;           // first differing line (0-based) when not the same
  std::vector<std::string> a, b;  // up to 3 lines of each side from there
  std::size_t a_lines = 0, b_lines = 0;
};
OrderDiff diff_order(const Trace& a, const Trace& b);

/// One event, for people: "12.345678 ms d2h_queued model.layer.* L3 #5 step 2 (4.0 MiB) on sim
/// d2h".
std::string describe(const Trace& trace, const Event& event);

}  // namespace tswap::trace
