#pragma once

// Where a process stands in a distributed run, as its log records it
// (Note [Ranks] in include/tswap/profiler.h): what the environment says,
// how a log path names the rank, and the RunHeader it goes into.

#include <string>

#include <tswap/profiler.h>
#include <tswap/trace/format.h>

namespace tswap::profiler::detail {

/// Throws std::invalid_argument saying what is out of range.
void check_run_info(const RunInfo& info);

/// `path` with its placeholders replaced for `info` (expand_log_path()).
std::string expand_log_path(const std::string& path, const RunInfo& info);

/// `info` into a header, clock fields untouched.
void fill_run_header(trace::RunHeader& h, const RunInfo& info);

}  // namespace tswap::profiler::detail
