#pragma once

// Which saved tensors are swapped and which stay on the device.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>

#include <tswap/options.h>
#include <tswap/trace/format.h>

#include "tensor_layout.h"

namespace tswap::detail {

/// Why a saved tensor stays on the device: the log's reasons.
using KeepReason = trace::KeepReason;

struct Eligibility {
  KeepReason keep = KeepReason::none;
  CopyMode mode = CopyMode::whole_storage;
  std::size_t bytes = 0;  // what a swap would copy each way
};

/// Applies the built-in checks, then min_bytes, then the user's predicate
/// (last, so it only sees tensors that would otherwise be swapped).
Eligibility check_eligibility(const at::Tensor& tensor, const SwapOptions& options);

}  // namespace tswap::detail
