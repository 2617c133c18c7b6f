#pragma once

#include <ATen/core/Tensor.h>

#include <memory>

#include <tswap/options.h>
#include <tswap/runtime.h>

namespace tswap::detail {

/// The runtime a saved tensor goes through: the options' own, else the
/// simulated runtime for CPU tensors and the device's accelerator runtime
/// for the rest.
std::shared_ptr<Runtime> runtime_for(const at::Tensor& tensor, const SwapOptions& options);

}  // namespace tswap::detail
