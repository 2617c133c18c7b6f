#pragma once

// How a saved tensor sits in its storage, and how to rebuild it.

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <c10/util/SmallVector.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tswap::detail {

/// Sizes, strides, storage offset, dtype and device of a tensor: all it takes
/// to make the same tensor again over a storage.
struct TensorMeta {
  c10::SmallVector<std::int64_t, 6> sizes;
  c10::SmallVector<std::int64_t, 6> strides;
  std::int64_t storage_offset = 0;
  at::TensorOptions options;  // dtype and device only

  static TensorMeta of(const at::Tensor& tensor);
  /// "CPUFloatType [4, 8]", as autograd names tensors in its messages.
  std::string describe() const;
  bool operator==(const TensorMeta& other) const;
};

/// What a swap copies.
enum class CopyMode : std::uint8_t {
  /// The whole storage, byte for byte: the tensor and every other view of
  /// that storage come back exactly, at their offsets.
  whole_storage,
  /// Only the tensor's elements, for a view much smaller than its storage
  /// (a slice, one chunk of a fused projection).
  view_elements,
};

/// whole_storage unless the view covers fewer bytes than its storage and
/// has no internal overlap (a broadcast view copies its small storage).
CopyMode choose_copy_mode(const at::Tensor& tensor);

/// Bytes a swap of `tensor` in `mode` moves each way.
std::size_t copy_bytes(const at::Tensor& tensor, CopyMode mode);

/// Elements from the lowest to the highest element the strides reach.
std::int64_t span_elements(const TensorMeta& meta);

/// A tensor over `storage` laid out as `meta` says. No copy, no autograd.
at::Tensor alias_of(const c10::Storage& storage, const TensorMeta& meta);

/// The whole of `storage` as a 1-D uint8 tensor.
at::Tensor bytes_of(const c10::Storage& storage);

/// A fresh tensor with `meta`'s sizes and strides on `meta`'s device. Its
/// start keeps the alignment `meta`'s storage offset had (modulo 64 bytes),
/// so kernels pick the same vectorized paths and results stay bitwise equal.
at::Tensor empty_like_layout(const TensorMeta& meta);

}  // namespace tswap::detail
