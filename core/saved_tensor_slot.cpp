#include "saved_tensor_slot.h"

#include <ATen/core/grad_mode.h>

#include <tswap/profiler/emit.h>

#include "check.h"
#include "eligibility.h"
#include "runtime_registry.h"
#include "step_index.h"
#include "storage_swap.h"
#include "swap_schedule.h"
#include "tag_state.h"

namespace tswap::detail {

SavedTensorSlot::SavedTensorSlot(std::shared_ptr<TagState> tag, int layer,
                                 std::shared_ptr<const SwapOptions> options)
    : tag_(std::move(tag)), layer_(layer), options_(std::move(options)) {}

SavedTensorSlot::~SavedTensorSlot() = default;

void SavedTensorSlot::call_pack_hook(const at::Tensor& tensor) {
  meta_ = TensorMeta::of(tensor);
  version_ = tensor.unsafeGetTensorImpl()->version_counter();
  if (version_.enabled()) saved_version_ = version_.current_version();
  count(tag_->counters.tensors_saved);

  const Eligibility eligibility = check_eligibility(tensor, *options_);
  if (eligibility.keep != KeepReason::none) {
    // tensor_data(): same storage and version counter, no autograd metadata,
    // so holding it makes no reference cycle through a grad_fn.
    kept_ = tensor.tensor_data();
    count(tag_->counters.tensors_kept);
    profiler::Fields f = fields();
    // Sizes of nested or sparse tensors ("not dense") are not plain numbers.
    f.value = eligibility.keep == KeepReason::not_dense
                  ? 0
                  : static_cast<std::uint64_t>(tensor.numel()) * tensor.element_size();
    f.reason = static_cast<std::uint8_t>(eligibility.keep);
    profiler::emit(trace::EventKind::kept, f);
    return;
  }
  swap_out(tensor, eligibility);
}

void SavedTensorSlot::swap_out(const at::Tensor& tensor, const Eligibility& eligibility) {
  std::shared_ptr<Runtime> runtime = runtime_for(tensor, *options_);
  TSWAP_CHECK(runtime->supports(tensor.device()), "the runtime of module tag '", tag_->tag, "' (",
              runtime->name(), ") cannot move tensors on ", tensor.device(),
              "; leave SwapOptions::runtime unset to pick the runtime by device");
  std::lock_guard<std::mutex> lock(tag_->mu);
  if (!tag_->step) {
    tag_->step = std::make_shared<StepIndex>();
    tag_->step->number = ++tag_->steps;
  }
  const std::shared_ptr<StepIndex> step = tag_->step;
  LayerKeys& keys = step->layer(layer_);
  if (keys.keys.empty()) release_layers_below(*step, layer_, tag_->trace_id);
  index_ = static_cast<std::int64_t>(keys.keys.size());

  const c10::StorageImpl* storage = tensor.storage().unsafeGetStorageImpl();
  auto [first, last] = keys.by_storage.equal_range(storage);
  for (auto it = first; it != last && !swap_; ++it) {
    std::shared_ptr<StorageSwap> seen = it->second.lock();
    if (seen && seen->storage_impl() == storage && seen->covers(tensor, eligibility.mode)) {
      swap_ = std::move(seen);
    }
  }
  if (!swap_) {
    swap_ = std::make_shared<StorageSwap>(tag_, step, std::move(runtime), tensor, eligibility.mode,
                                          layer_, static_cast<int>(index_));
    // The last layer stays on the device: its backward comes first.
    if (layer_ < tag_->layer_count_locked() - 1) swap_->copy_out();
    keys.by_storage.emplace(storage, swap_);
  }
  keys.keys.emplace_back(swap_);
}

void SavedTensorSlot::check_version() const {
  if (!version_.enabled()) return;
  const std::uint32_t now = version_.current_version();
  TSWAP_CHECK(now == saved_version_,
              "one of the variables needed for gradient computation has been modified by an "
              "inplace operation: [",
              meta_.describe(), "], saved in layer ", layer_, " of module tag '", tag_->tag, "'",
              (index_ >= 0 ? " as tensor " : ""),
              (index_ >= 0 ? std::to_string(index_) : std::string()), ", is at version ", now,
              "; expected version ", saved_version_,
              " instead. Autograd cannot check versions through saved-tensor hooks, so tensorswap "
              "does. Hint: do not modify a tensor in place after a layer's forward used it, or "
              "clone it first.");
}

profiler::Fields SavedTensorSlot::fields() const {
  profiler::Fields f;
  f.tag = tag_->trace_id;
  f.layer = static_cast<std::uint16_t>(layer_);
  return f;
}

at::Tensor SavedTensorSlot::call_unpack_hook() {
  check_version();
  if (kept_.defined()) return kept_;
  TORCH_INTERNAL_ASSERT(swap_, "unpack before pack");
  at::NoGradGuard no_grad;
  std::lock_guard<std::mutex> lock(tag_->mu);
  swap_->copy_in(/*prefetch=*/false);
  at::Tensor tensor = swap_->device_view(meta_);
  profiler::Fields f = fields();
  f.index = static_cast<std::uint32_t>(swap_->first_index());
  f.step = swap_->step()->number;
  f.value = static_cast<std::uint64_t>(index_);
  profiler::emit(trace::EventKind::unpack, f);
  // Then the layer below, in proportion. (Queued after this tensor's wait:
  // on an accelerator the wait is on the stream, so nothing is lost; on the
  // simulated runtime the H2D queue is rarely empty by then.)
  if (options_->prefetch) prefetch_for(*swap_->step(), layer_, index_);
  return tensor;
}

}  // namespace tswap::detail
