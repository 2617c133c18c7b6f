#include "eligibility.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>

namespace tswap::detail {

namespace {

bool is_parameter_like(const at::TensorBase& t) {
  return t.is_leaf() && t.requires_grad();
}

KeepReason builtin_reason(const at::Tensor& t, bool has_runtime) {
  if (t.layout() != at::kStrided || t.is_quantized() || t.is_nested() || t.is_mkldnn()) {
    return KeepReason::not_dense;
  }
  if (!t.has_storage() || t.is_meta()) return KeepReason::no_storage;
  if (t.storage().nbytes() == 0 || t.numel() == 0) return KeepReason::empty;
  if (is_parameter_like(t)) return KeepReason::parameter;
  if (t.is_view() && is_parameter_like(t._base())) return KeepReason::view_of_parameter;
  if (!has_runtime && !t.is_cpu() && !c10::impl::hasDeviceGuardImpl(t.device().type())) {
    return KeepReason::no_runtime;
  }
  return KeepReason::none;
}

}  // namespace

Eligibility check_eligibility(const at::Tensor& tensor, const SwapOptions& options) {
  Eligibility e;
  e.keep = builtin_reason(tensor, options.runtime != nullptr);
  if (e.keep != KeepReason::none) return e;
  e.mode = choose_copy_mode(tensor);
  e.bytes = copy_bytes(tensor, e.mode);
  if (e.bytes < options.min_bytes) {
    e.keep = KeepReason::min_bytes;
  } else if (options.predicate && !options.predicate(tensor)) {
    e.keep = KeepReason::predicate;
  }
  return e;
}

}  // namespace tswap::detail
