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

/// Swaps out of one tag and step that the log ends before: each was copied
/// out, then neither came back, was used, nor was let go of by autograd
/// (swap_destroyed) when the log ends. The recording stopped before their
/// backward (a session stopped mid-step, a process that died): nothing is
/// known to be wrong, and no rule is broken.
struct Unfinished {
  std::string tag;
  std::uint32_t step = 0;
  std::size_t swaps = 0;      // how many swaps out of that step are pending
  std::uint64_t host_ns = 0;  // the first one's copy out was queued
  std::string message;        // "'model.layer.*' step 3: 8 swaps out (layers 0-3, from ...) ..."
};

struct CheckResult {
  std::vector<Violation> violations;  // broken rules
  std::vector<Unfinished> unfinished; // by tag, then step
};

/// The rules (docs/profiling.md):
///   release-after-copy     a tensor's release never precedes the end of its copy out
///   use-after-copy-back    its use in backward never precedes the end of its copy back
///   prefetch-window        prefetches of layer L-1 are queued while layer L runs backward
///   swap-out-ascending     per step, layers swap out in ascending order
///   swap-in-descending     ...and come back in descending order
///   back-exactly-once      every swapped-out tensor comes back at most once, and
///                          exactly once if backward uses it after its release
/// A swap out may legally never come back: autograd dropped its graph
/// (swap_destroyed with no use), or it was never released and backward used
/// it from the device. One the log ends before is Unfinished, not broken.
/// Copies whose start or end the runtime could not time are checked by
/// what was recorded. release-after-copy and use-after-copy-back compare
/// host times: copies timed on the device (kFlagDeviceTime) are left out of
/// them, since on an accelerator the host's release and use legally come
/// before the device ends the copy (the compute stream waits for it there).
CheckResult check_schedule(const Trace& trace);

/// check_schedule(trace).violations.
std::vector<Violation> check_invariants(const Trace& trace);

/// What a recording thread does, read from its events: the lanes of
/// event_order(), in this order.
enum class LaneRole : std::uint8_t {
  compute,  // forward, backward: steps, layers, copies queued, releases, unpacks
  d2h,      // a copy stream's progress, to host (copy starts and ends only)
  h2d,      // ...back to the device
  copies,   // one stream that copies both ways
};
const char* to_string(LaneRole role);  // "compute", "d2h", "h2d", "copies"

/// The log's events as lines without times, one block per recording
/// thread, stalls, clock anchors and allocator samples (device_allocated,
/// device_reserved) left out: they depend on timing, not on the schedule;
/// so do nvtx_range records, which exist only while a tool is attached.
/// Device-timed records (kFlagDeviceTime, format version 2) are written by
/// the recorder's writer thread whatever ran them, so they go in blocks by
/// their stream instead: a device-timed stream of d2h copies is "lane
/// d2h", as the simulated runtime's copy thread is; backward_enter/exit
/// lines read like layer_enter lines. A block starts with
/// its lane's role, never a thread or process name, so renaming a test
/// binary or a worker thread leaves the order alone: "lane compute",
/// "lane d2h", "lane h2d" ("lane compute 1", "lane compute 2" when several
/// threads play one role, numbered by their first event). Lanes sort by
/// role, then by first event.
/// Steps count from each tag's first step in the log, so a recording begun
/// at step 100, or in the second test of a process, reads "step 1" too:
///   lane d2h
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
