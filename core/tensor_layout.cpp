#include "tensor_layout.h"

#include <ATen/Functions.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/core/grad_mode.h>

#include <sstream>

namespace tswap::detail {

TensorMeta TensorMeta::of(const at::Tensor& tensor) {
  TensorMeta m;
  m.sizes.assign(tensor.sizes().begin(), tensor.sizes().end());
  m.strides.assign(tensor.strides().begin(), tensor.strides().end());
  m.storage_offset = tensor.storage_offset();
  m.options = at::TensorOptions().dtype(tensor.dtype()).device(tensor.device());
  return m;
}

std::string TensorMeta::describe() const {
  std::ostringstream out;
  out << c10::DeviceTypeName(options.device().type())
      << c10::toString(options.dtype().toScalarType()) << "Type [";
  for (std::size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << "]";
  return out.str();
}

bool TensorMeta::operator==(const TensorMeta& other) const {
  return sizes == other.sizes && strides == other.strides &&
         storage_offset == other.storage_offset && options.dtype() == other.options.dtype() &&
         options.device() == other.options.device();
}

CopyMode choose_copy_mode(const at::Tensor& tensor) {
  const std::size_t view_bytes = static_cast<std::size_t>(tensor.numel()) * tensor.element_size();
  if (view_bytes >= tensor.storage().nbytes()) return CopyMode::whole_storage;
  // Elements that share memory (stride 0) cannot be written back one by one.
  // "Too hard to tell" (any other non-contiguous view) is fine: elements that
  // alias in the copy alias in the original too, so they hold equal values.
  if (at::has_internal_overlap(tensor) == at::MemOverlap::Yes) return CopyMode::whole_storage;
  return CopyMode::view_elements;
}

std::size_t copy_bytes(const at::Tensor& tensor, CopyMode mode) {
  return mode == CopyMode::whole_storage
             ? tensor.storage().nbytes()
             : static_cast<std::size_t>(tensor.numel()) * tensor.element_size();
}

std::int64_t span_elements(const TensorMeta& meta) {
  std::int64_t last = 0;
  for (std::size_t i = 0; i < meta.sizes.size(); ++i) {
    if (meta.sizes[i] == 0) return 0;
    last += (meta.sizes[i] - 1) * meta.strides[i];
  }
  return last + 1;
}

// Aliases are made as TensorImpls over the storage directly, not as
// at::empty({0}).set_(...): that is two dispatcher calls and a throwaway
// allocation per alias, and the engine makes one to three aliases per
// swapped tensor (about a tenth of its own time per tensor, by perf).
// The result is what set_ makes: the backend's dispatch keys (the
// constructor adds the autograd ones), a version counter of its own, no
// autograd metadata.
at::Tensor alias_of(const c10::Storage& storage, const TensorMeta& meta) {
  auto impl = c10::make_intrusive<c10::TensorImpl>(
      c10::Storage(storage), c10::DispatchKeySet(meta.options.computeDispatchKey()),
      meta.options.dtype());
  impl->set_sizes_and_strides(meta.sizes, meta.strides);
  impl->set_storage_offset(meta.storage_offset);
  return at::Tensor(std::move(impl));
}

at::Tensor bytes_of(const c10::Storage& storage) {
  const at::TensorOptions options = at::TensorOptions().dtype(at::kByte).device(storage.device());
  auto impl = c10::make_intrusive<c10::TensorImpl>(
      c10::Storage(storage), c10::DispatchKeySet(options.computeDispatchKey()), options.dtype());
  impl->set_sizes_contiguous({static_cast<std::int64_t>(storage.nbytes())});
  return at::Tensor(std::move(impl));
}

at::Tensor empty_like_layout(const TensorMeta& meta) {
  constexpr std::int64_t kAlignBytes = 64;
  const std::int64_t item = static_cast<std::int64_t>(meta.options.dtype().itemsize());
  const std::int64_t lead =
      kAlignBytes % item == 0 ? meta.storage_offset % (kAlignBytes / item) : 0;
  at::NoGradGuard no_grad;
  const at::Tensor block = at::empty({lead + span_elements(meta)}, meta.options);
  TensorMeta placed = meta;
  placed.storage_offset = lead;
  return alias_of(block.storage(), placed);
}

}  // namespace tswap::detail
