#include "storage_swap.h"

#include <ATen/Functions.h>
#include <ATen/core/grad_mode.h>

#include "step_index.h"
#include "tag_state.h"

namespace tswap::detail {

// Note [Release ordering]
// ~~~~~~~~~~~~~~~~~~~~~~~
// The engine frees a saved activation's device memory by dropping its last
// reference, never by resizing a storage others may still read (the
// reference design's resize_(0) is a use-after-free when a residual or the
// user still holds the tensor). Two rules keep the memory safe:
//
//  1. Before dropping, the compute stream waits for the copy out
//     (await_copy_out). The caching allocator hands a freed block to later
//     work of the compute stream only, which is then ordered after the copy
//     has read it; on the simulated runtime the wait blocks the caller.
//  2. A block a copy stream touches is recorded on that stream (the
//     accelerator runtime records it; the simulated runtime keeps the
//     tensors alive in the queued copy), so memory dropped on any other path
//     (a graph freed before backward, an exception) is not reused under a
//     running copy either.
//
// Ownership is decided after rule 1's wait: only then are the copy's own
// references to the storage gone, so a use count equal to the engine's
// references means nothing else holds it.

StorageSwap::StorageSwap(std::shared_ptr<TagState> tag, std::shared_ptr<StepIndex> step,
                         std::shared_ptr<Runtime> runtime, const at::Tensor& saved, CopyMode mode,
                         int layer, int first_index)
    : tag_(std::move(tag)),
      step_(std::move(step)),
      runtime_(std::move(runtime)),
      mode_(mode),
      meta_(TensorMeta::of(saved)),
      layer_(layer),
      first_index_(first_index),
      bytes_(copy_bytes(saved, mode)) {
  set_held(mode == CopyMode::whole_storage ? bytes_of(saved.storage()) : saved.tensor_data(),
           State::on_device);
  tag_->add_saved(bytes_);
  profiler::emit(trace::EventKind::swap_created, fields(bytes_));
}

StorageSwap::~StorageSwap() {
  profiler::emit(trace::EventKind::swap_destroyed, fields(device_.defined() ? bytes_ : 0));
  if (device_.defined()) tag_->add_resident(-static_cast<std::int64_t>(bytes_));
}

profiler::Fields StorageSwap::fields(std::uint64_t value) const {
  profiler::Fields f;
  f.tag = tag_->trace_id;
  f.layer = static_cast<std::uint16_t>(layer_);
  f.index = static_cast<std::uint32_t>(first_index_);
  f.step = step_->number;
  f.value = value;
  return f;
}

CopyLabel StorageSwap::label(bool prefetch) const {
  const profiler::Fields f = fields(0);
  return CopyLabel{f.tag, f.layer, f.index, f.step, prefetch};
}

void StorageSwap::record_stall(std::int64_t waited, bool copy_back) {
  if (waited <= 0) return;
  count(tag_->counters.stall_ns, static_cast<std::uint64_t>(waited));
  profiler::Fields f = fields(static_cast<std::uint64_t>(waited));
  f.flags = copy_back ? trace::kFlagWaitH2D : 0;
  profiler::emit(trace::EventKind::stall, f);
}

void StorageSwap::set_held(at::Tensor device, State state) {
  if (!device_.defined() && device.defined()) tag_->add_resident(static_cast<std::int64_t>(bytes_));
  if (device_.defined() && !device.defined())
    tag_->add_resident(-static_cast<std::int64_t>(bytes_));
  device_ = std::move(device);
  state_ = state;
}

const c10::StorageImpl* StorageSwap::storage_impl() const {
  return device_.defined() ? device_.storage().unsafeGetStorageImpl() : nullptr;
}

bool StorageSwap::covers(const at::Tensor& saved, CopyMode mode) const {
  if (mode != mode_) return false;
  return mode == CopyMode::whole_storage || TensorMeta::of(saved) == meta_;
}

void StorageSwap::copy_out() {
  TORCH_INTERNAL_ASSERT(state_ == State::on_device);
  waiting_to_copy_out_ = false;
  at::Tensor host = runtime_->allocate_host(bytes_);
  if (mode_ == CopyMode::view_elements) {
    host = host.view(meta_.options.dtype().toScalarType()).view(meta_.sizes);
  }
  copied_out_ = runtime_->copy_to_host(device_, host, label(false));
  host_ = std::move(host);
  state_ = State::copying_out;
  count(tag_->counters.tensors_swapped_out);
  count(tag_->counters.bytes_swapped_out, bytes_);
}

void StorageSwap::await_copy_out() {
  TORCH_INTERNAL_ASSERT(state_ == State::copying_out);
  record_stall(runtime_->compute_wait(copied_out_), /*copy_back=*/false);
}

void StorageSwap::release(bool last_reference) {
  TORCH_INTERNAL_ASSERT(state_ == State::copying_out);
  profiler::Fields f = fields(bytes_);
  if (last_reference) {
    count(tag_->counters.releases);
    f.reason = static_cast<std::uint8_t>(trace::ReleaseReason::freed);
  } else {
    deferred_ = device_.storage().getWeakStorageImpl();
    count(tag_->counters.deferred_releases);
    f.reason = static_cast<std::uint8_t>(trace::ReleaseReason::deferred_held);
  }
  set_held(at::Tensor(), State::released);
  profiler::emit(trace::EventKind::release, f);
}

void StorageSwap::copy_in(bool prefetch) {
  if (state_ != State::released) return;
  if (c10::intrusive_ptr<c10::StorageImpl> alive = deferred_.lock()) {
    // A deferred release whose other holder still has the storage: hold it
    // again instead of copying. Taken now, not at use: the holder (often the
    // next layer's swap) may let go before this layer's backward runs.
    deferred_.reset();
    const c10::Storage storage(std::move(alive));
    set_held(mode_ == CopyMode::whole_storage ? bytes_of(storage) : alias_of(storage, meta_),
             State::restored);
    host_ = at::Tensor();
    count(tag_->counters.reused_without_copy);
    profiler::emit(trace::EventKind::reuse, fields(bytes_));
    return;
  }
  at::Tensor device =
      mode_ == CopyMode::whole_storage
          ? at::empty({static_cast<std::int64_t>(bytes_)},
                      at::TensorOptions().dtype(at::kByte).device(meta_.options.device()))
          : empty_like_layout(meta_);
  copied_in_ = runtime_->copy_to_device(host_, device, label(prefetch));
  // The queued copy keeps the host buffer alive; the pool gets it back after.
  host_ = at::Tensor();
  set_held(std::move(device), State::restored);
  count(tag_->counters.tensors_swapped_in);
  count(tag_->counters.bytes_swapped_in, bytes_);
  if (prefetch) count(tag_->counters.prefetches);
}

at::Tensor StorageSwap::device_view(const TensorMeta& meta) {
  TORCH_INTERNAL_ASSERT(state_ != State::released, "device_view before copy_in");
  waiting_to_copy_out_ = false;  // backward has it: too late to copy it out
  if (copied_in_) record_stall(runtime_->compute_wait(copied_in_), /*copy_back=*/true);
  if (mode_ == CopyMode::view_elements) {
    // device_ is the view itself: saved, rebuilt by empty_like_layout, or
    // the deferred original.
    return alias_of(device_.storage(), TensorMeta::of(device_));
  }
  return alias_of(device_.storage(), meta);
}

}  // namespace tswap::detail
