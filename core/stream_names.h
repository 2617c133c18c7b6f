#pragma once

#include <c10/core/Stream.h>

#include <string>

namespace tswap::detail {

/// Names a copy stream for NVTX tools, so Nsight Systems shows it by name.
/// Does something only for CUDA streams in a build against a LibTorch with
/// CUDA and the CUDA toolkit's NVTX headers; a no-op otherwise.
void name_copy_stream(const c10::Stream& stream, const std::string& name);

}  // namespace tswap::detail
