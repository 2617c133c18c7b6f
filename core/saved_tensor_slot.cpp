#include "saved_tensor_slot.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/version.h>

#include <tswap/profiler/emit.h>

#include "check.h"
#include "context_state.h"
#include "eligibility.h"
#include "runtime_registry.h"
#include "step_index.h"
#include "storage_swap.h"
#include "swap_schedule.h"
#include "tag_state.h"

namespace tswap::detail {

// Note [Leaves without a grad accumulator]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A custom autograd function's forward runs under no-grad, so a view it
// makes there of an input or output (ctx->save_for_backward({a.t()})) is a
// leaf that reports requires_grad through its base, and nothing in the
// graph holds a grad accumulator for it; so is a fresh tensor made with
// requires_grad that the graph does not use. Without hooks SavedVariable
// keeps such a tensor as it is. With hooks, LibTorch before 2.1 keeps only
// a weak pointer to its grad accumulator, which is empty or already dead
// before pack is called, and its unpack fails an internal assert ("No grad
// accumulator for a saved leaf"). Nothing a hook does can change that, and
// the hooks are asked for before the tensor is known: so pack stops with a
// message that says what to change, instead of backward asserting later.
// LibTorch 2.1 holds the accumulator itself (pytorch/pytorch#104039).
#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1)
#define TSWAP_LEAF_NEEDS_GRAD_ACCUMULATOR 1
#else
#define TSWAP_LEAF_NEEDS_GRAD_ACCUMULATOR 0
#endif

namespace {

/// A leaf that requires grad whose grad accumulator nothing holds: the kind
/// LibTorch < 2.1 cannot unpack through hooks.
/// Before a layer's first save in a step: room for as many keys as the
/// layer had in the step before (TagState::keys_per_layer).
void reserve_like_last_step(const TagState& tag, LayerKeys& keys, int layer) {
  if (static_cast<std::size_t>(layer) >= tag.keys_per_layer.size()) return;
  const std::size_t n = tag.keys_per_layer[static_cast<std::size_t>(layer)];
  keys.keys.reserve(n);
  keys.by_storage.reserve(n);
}

bool is_leaf_without_grad_accumulator(const at::Tensor& t) {
  if (!t.requires_grad() || !t.is_leaf()) return false;
  torch::autograd::AutogradMeta* meta = torch::autograd::impl::get_autograd_meta(t);
  return meta == nullptr || meta->grad_accumulator_.expired();
}

}  // namespace

SavedTensorSlot::SavedTensorSlot(std::shared_ptr<TagState> tag, int layer, std::uint32_t step,
                                 std::shared_ptr<const SwapOptions> options)
    : tag_(std::move(tag)), layer_(layer), step_(step), options_(std::move(options)) {}

SavedTensorSlot::~SavedTensorSlot() = default;

void SavedTensorSlot::call_pack_hook(const at::Tensor& tensor) {
  meta_ = TensorMeta::of(tensor);
  if (TSWAP_LEAF_NEEDS_GRAD_ACCUMULATOR && is_leaf_without_grad_accumulator(tensor)) {
    TSWAP_CHECK(false, "layer ", layer_, " of module tag '", tag_->tag, "' saved [",
                meta_.describe(),
                "] for backward: a leaf that requires grad through no gradient accumulator of "
                "the graph, such as a view a custom autograd function made in forward "
                "(ctx->save_for_backward({a.t()}), ctx.save_for_backward(a.t()) in Python) or a fresh tensor made with "
                "requires_grad. LibTorch ",
                TORCH_VERSION,
                " cannot hand such a tensor through saved-tensor hooks (its backward would fail "
                "with \"No grad accumulator for a saved leaf\"; fixed in LibTorch 2.1). Save "
                "the input itself and make the view in backward, save it detached "
                "(a.t().detach()) when no gradient flows through it, or call the function "
                "inside a tswap::NoSwapScope (Python: with tensorswap.no_swap()).");
  }
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
    f.step = step_;
    profiler::emit(trace::EventKind::kept, f);
    return;
  }
  if (observing(*options_)) {
    observe(tensor, eligibility);
    return;
  }
  swap_out(tensor, eligibility);
}

std::shared_ptr<StepIndex> SavedTensorSlot::current_step_locked() {
  if (!tag_->step) {
    tag_->step = std::make_shared<StepIndex>();
    tag_->step->number = ++tag_->steps;
  }
  return tag_->step;
}

// Observe mode (SwapOptions::observe): the tensor stays with autograd, as
// if kept, but takes a key in its layer like a swapped one, so backward
// spans, layer numbering and the learned last layer are what swapping would
// give, and the log says what would have been copied.
void SavedTensorSlot::observe(const at::Tensor& tensor, const Eligibility& eligibility) {
  runtime_ = runtime_for(tensor, *options_);
  kept_ = tensor.tensor_data();
  count(tag_->counters.tensors_kept);
  std::lock_guard<std::mutex> lock(tag_->mu);
  observed_step_ = current_step_locked();
  LayerKeys& keys = observed_step_->layer(layer_);
  if (keys.keys.empty()) {
    reserve_like_last_step(*tag_, keys, layer_);
    release_layers_below(*tag_, *observed_step_, layer_);
  }
  index_ = static_cast<std::int64_t>(keys.keys.size());
  keys.keys.emplace_back();  // no swap behind it
  // A storage saved twice in a layer would be copied once.
  const bool seen = !keys.observed_storages.insert(tensor.storage().unsafeGetStorageImpl()).second;
  profiler::Fields f = fields();
  f.index = static_cast<std::uint32_t>(index_);
  f.step = observed_step_->number;
  f.value = seen ? 0 : eligibility.bytes;
  f.reason = static_cast<std::uint8_t>(KeepReason::observed);
  profiler::emit(trace::EventKind::kept, f);
}

void SavedTensorSlot::swap_out(const at::Tensor& tensor, const Eligibility& eligibility) {
  std::shared_ptr<Runtime> runtime = runtime_for(tensor, *options_);
  TSWAP_CHECK(runtime->supports(tensor.device()), "the runtime of module tag '", tag_->tag, "' (",
              runtime->name(), ") cannot move tensors on ", tensor.device(),
              "; leave SwapOptions::runtime unset to pick the runtime by device");
  std::lock_guard<std::mutex> lock(tag_->mu);
  const std::shared_ptr<StepIndex> step = current_step_locked();
  LayerKeys& keys = step->layer(layer_);
  if (keys.keys.empty()) {
    reserve_like_last_step(*tag_, keys, layer_);
    release_layers_below(*tag_, *step, layer_);
  }
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
    // The last layers stay on the device: their backward comes first.
    if (layer_ <= tag_->last_layer_locked() - options_->keep_last) {
      request_copy_out(*tag_, swap_, options_->max_copies_in_flight);
    } else if (options_->max_copies_in_flight > 0) {
      request_copy_out(*tag_, nullptr, options_->max_copies_in_flight);  // let waiting ones go
    }
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

// Note [Backward layer spans]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Layer scopes run in forward only, so backward has no scope to mark. Its
// layers show in what backward unpacks instead: a layer's backward begins at
// its first unpack in the step (backward_enter, written before the wait for
// its copy, so a stall falls inside the span) and ends at the unpack that
// used the last of its keys (backward_exit). Every key counts once, so a
// storage saved twice is used twice. If backward moves on to another layer
// of the step before it used every key (autograd::grad over part of the
// graph, a tensor backward never needs), the open span ends at its last
// use, written late with that time; a second backward (retain_graph) opens
// a new span. Each boundary is also handed to the runtime, which may mark
// it on the device (Note [Device timeline]). Kept tensors have no keys and
// are not counted.

namespace {

profiler::Fields backward_fields(std::uint16_t tag, int layer, std::uint32_t step) {
  profiler::Fields f;
  f.tag = tag;
  f.layer = static_cast<std::uint16_t>(layer);
  f.step = step;
  return f;
}

void mark_backward(Runtime& runtime, trace::EventKind kind, const profiler::Fields& f) {
  if (!profiler::recording()) return;
  ComputeMark m;
  m.kind = kind;
  m.tag = f.tag;
  m.layer = f.layer;
  m.step = f.step;
  runtime.mark_compute(m);
}

/// Ends the open backward span of `step` at `at_ns` (now: -1).
void close_backward_span(StepIndex& step, std::uint16_t tag, Runtime& runtime, std::int64_t at_ns) {
  const profiler::Fields f = backward_fields(tag, step.backward_layer, step.number);
  if (at_ns < 0) {
    profiler::emit(trace::EventKind::backward_exit, f);
  } else {
    profiler::emit_at(trace::EventKind::backward_exit, f, at_ns);
  }
  mark_backward(runtime, trace::EventKind::backward_exit, f);
  step.backward_layer = -1;
}

}  // namespace

void SavedTensorSlot::begin_backward_use(StepIndex& step, Runtime& runtime) {
  step.backward_began = true;
  if (step.backward_layer == layer_) return;
  if (step.backward_layer >= 0) {
    // Backward moved on before using every key of the open layer.
    close_backward_span(step, tag_->trace_id, runtime, step.layer(step.backward_layer).last_use_ns);
  }
  LayerKeys& keys = step.layer(layer_);
  keys.used.assign(keys.keys.size(), false);
  keys.used_count = 0;
  step.backward_layer = layer_;
  const profiler::Fields f = backward_fields(tag_->trace_id, layer_, step.number);
  profiler::emit(trace::EventKind::backward_enter, f);
  mark_backward(runtime, trace::EventKind::backward_enter, f);
}

void SavedTensorSlot::end_backward_use(StepIndex& step, Runtime& runtime) {
  LayerKeys& keys = step.layer(layer_);
  const auto key = static_cast<std::size_t>(index_);
  if (key < keys.used.size() && !keys.used[key]) {
    keys.used[key] = true;
    ++keys.used_count;
  }
  // Read only for a late backward_exit, which is written only while recording:
  // no clock read per unpack otherwise.
  if (profiler::recording()) keys.last_use_ns = profiler::clock_ns();
  if (keys.used_count >= keys.keys.size()) close_backward_span(step, tag_->trace_id, runtime, -1);
}

at::Tensor SavedTensorSlot::call_unpack_hook() {
  check_version();
  if (observed_step_) {
    std::lock_guard<std::mutex> lock(tag_->mu);
    begin_backward_use(*observed_step_, *runtime_);
    end_backward_use(*observed_step_, *runtime_);
  }
  if (kept_.defined()) return kept_;
  TORCH_INTERNAL_ASSERT(swap_, "unpack before pack");
  at::NoGradGuard no_grad;
  std::lock_guard<std::mutex> lock(tag_->mu);
  // The slot's own step (its swap's), not the one forward records now.
  StepIndex& step = *swap_->step();
  begin_backward_use(step, swap_->runtime());
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
  prefetch_for(*swap_->step(), layer_, index_, options_->prefetch_depth);
  end_backward_use(step, swap_->runtime());
  return tensor;
}

}  // namespace tswap::detail
