#pragma once

// Which saved tensors are swapped and which stay on the device.

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>

#include <tswap/options.h>

#include "tensor_layout.h"

namespace tswap::detail {

/// Why a saved tensor stays on the device (none: it is swapped).
enum class KeepReason : std::uint8_t {
  none,
  not_dense,          // sparse, mkldnn, nested, quantized: no plain storage to copy
  no_storage,         // no storage, or a meta tensor
  empty,              // empty storage or no elements
  parameter,          // a leaf that requires grad: the user holds it anyway
  view_of_parameter,  // e.g. weight.t() saved by a matmul
  no_runtime,         // a device LibTorch has no stream support for
  min_bytes,          // smaller than SwapOptions::min_bytes
  predicate,          // SwapOptions::predicate said no
};

const char* to_string(KeepReason reason);

struct Eligibility {
  KeepReason keep = KeepReason::none;
  CopyMode mode = CopyMode::whole_storage;
  std::size_t bytes = 0;  // what a swap would copy each way
};

/// Applies the built-in checks, then min_bytes, then the user's predicate
/// (last, so it only sees tensors that would otherwise be swapped).
Eligibility check_eligibility(const at::Tensor& tensor, const SwapOptions& options);

}  // namespace tswap::detail
