#pragma once

// One unit of swapping: a device storage (or one narrow view of it) that one
// layer saved, its host copy, and where it lives now.

#include <ATen/core/Tensor.h>
#include <c10/util/intrusive_ptr.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include <tswap/profiler/emit.h>
#include <tswap/runtime.h>

#include "tensor_layout.h"

namespace tswap::detail {

class TagState;
struct StepIndex;

/// Shared by the saved-tensor slots whose tensors live in it (they own it;
/// the step index only points at it). Every member but the destructor must
/// be called with the tag's mutex held; the destructor only touches atomics.
///
/// States, in order:
///   on_device    saved, never copied (its layer is the tag's last)
///   copying_out  a copy to host is queued; the device memory is still held
///   released     the engine dropped its device memory (freed, or deferred
///                to another holder, see weak_)
///   restored     brought back for backward; held until the slots die
class StorageSwap {
 public:
  enum class State : std::uint8_t { on_device, copying_out, released, restored };

  StorageSwap(std::shared_ptr<TagState> tag, std::shared_ptr<StepIndex> step,
              std::shared_ptr<Runtime> runtime, const at::Tensor& saved, CopyMode mode, int layer,
              int first_index);
  ~StorageSwap();

  StorageSwap(const StorageSwap&) = delete;
  StorageSwap& operator=(const StorageSwap&) = delete;

  State state() const { return state_; }
  int layer() const { return layer_; }
  int first_index() const { return first_index_; }
  std::size_t bytes() const { return bytes_; }
  const std::shared_ptr<StepIndex>& step() const { return step_; }
  Runtime& runtime() const { return *runtime_; }
  /// The device storage this swap holds; nullptr once released.
  const c10::StorageImpl* storage_impl() const;
  /// References to that storage, the engine's included.
  std::size_t storage_use_count() const { return device_.storage().use_count(); }
  /// Whether `saved` (a tensor on storage_impl()) is what this swap copies.
  bool covers(const at::Tensor& saved, CopyMode mode) const;

  /// Queues the copy to host (on_device -> copying_out).
  void copy_out();
  /// The copy out's completion (copying_out and later).
  const EventPtr& copied_out() const { return copied_out_; }
  /// Held back by SwapOptions::max_copies_in_flight (still on_device): a
  /// copy out is wanted once earlier ones end (request_copy_out), or at the
  /// layer's release. Backward using it first cancels the wish.
  void wait_to_copy_out() { waiting_to_copy_out_ = true; }
  bool waiting_to_copy_out() const { return waiting_to_copy_out_ && state_ == State::on_device; }
  /// Makes compute wait for the copy out (copying_out only).
  void await_copy_out();
  /// Drops the engine's hold on the device memory (copying_out -> released).
  /// `last_reference`: nothing outside the engine holds the storage, so this
  /// frees it; otherwise the release is deferred to the other holder.
  void release(bool last_reference);
  /// Brings the memory back (released -> restored): holds a deferred
  /// storage again if its other holder still has it, else queues the copy
  /// back. Nothing to do in any other state.
  void copy_in(bool prefetch);
  /// The device tensor a slot saved as `meta`: makes compute wait for the
  /// copy back, and aliases the memory. Call copy_in first.
  at::Tensor device_view(const TensorMeta& meta);

 private:
  void set_held(at::Tensor device, State state);
  /// This swap's identity in logs, with `value`.
  profiler::Fields fields(std::uint64_t value) const;
  CopyLabel label(bool prefetch) const;
  void record_stall(std::int64_t waited, bool copy_back);

  std::shared_ptr<TagState> tag_;
  std::shared_ptr<StepIndex> step_;
  std::shared_ptr<Runtime> runtime_;
  const CopyMode mode_;
  const TensorMeta meta_;  // of the first tensor saved (the view, in view_elements mode)
  const int layer_;
  const int first_index_;
  const std::size_t bytes_;
  State state_ = State::on_device;

  // What the engine holds on the device: the whole storage as bytes, or the
  // view. Defined in on_device, copying_out and restored.
  at::Tensor device_;
  // After a deferred release: the storage someone else still holds.
  c10::weak_intrusive_ptr<c10::StorageImpl> deferred_{c10::intrusive_ptr<c10::StorageImpl>()};
  at::Tensor host_;  // the host copy, from copy_out until the copy back is queued
  EventPtr copied_out_;
  EventPtr copied_in_;
  bool waiting_to_copy_out_ = false;
};

}  // namespace tswap::detail
