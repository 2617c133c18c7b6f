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

/// A forward layer boundary, for the runtimes that may have device work in
/// it: the options' own runtime, else every accelerator runtime made so far
/// (the layer's tensors are not known yet; one device per process is usual).
void mark_forward(const SwapOptions& options, const ComputeMark& mark);

}  // namespace tswap::detail
