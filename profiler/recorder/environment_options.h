#pragma once

// The session options a TSWAP_LOG session takes from the environment:
//   TSWAP_LOG_CLOCK        auto | steady | tsc            (SessionOptions::clock)
//   TSWAP_LOG_COMPRESSION  none | zstd | zstd:LEVEL       (compression, compression_level)

#include <tswap/profiler.h>

namespace tswap::profiler::detail {

/// Sets what the variables say into `options`; leaves the rest. Throws
/// std::runtime_error naming the variable and its value when it is not one
/// of the above.
void apply_environment_options(SessionOptions& options);

}  // namespace tswap::profiler::detail
