#pragma once

// The object autograd holds for each tensor saved inside a scope: the
// saved-tensor hooks of one SavedVariable.

#include <torch/csrc/autograd/saved_variable_hooks.h>

#include <c10/core/TensorImpl.h>

#include <cstdint>
#include <memory>

#include <tswap/options.h>
#include <tswap/runtime.h>
#include <tswap/profiler/emit.h>

#include "tensor_layout.h"

namespace tswap::detail {

class TagState;
class StorageSwap;
struct Eligibility;

/// Pack (forward thread, inside the scope) keeps the tensor or hands it to
/// a StorageSwap under key (layer, index); unpack (the autograd worker that
/// runs the backward node) checks the version and gets the tensor back.
/// Autograd owns the slot; the slot co-owns its swap.
struct StepIndex;

class SavedTensorSlot final : public torch::autograd::SavedVariableHooks {
 public:
  /// `layer`, `step`: where the scope that saves the tensor sits in its
  /// tag's schedule (Note [Layers in run order]).
  SavedTensorSlot(std::shared_ptr<TagState> tag, int layer, std::uint32_t step,
                  std::shared_ptr<const SwapOptions> options);
  ~SavedTensorSlot() override;

  void call_pack_hook(const at::Tensor& tensor) override;
  at::Tensor call_unpack_hook() override;

 private:
  void swap_out(const at::Tensor& tensor, const Eligibility& eligibility);
  void observe(const at::Tensor& tensor, const Eligibility& eligibility);
  /// The step forward records now (made if none); the tag's mutex held.
  std::shared_ptr<StepIndex> current_step_locked();
  void check_version() const;
  /// The fields every record of this slot has: its tag and layer.
  profiler::Fields fields() const;
  /// Note [Backward layer spans]: this slot's layer is used in backward
  /// (begin, before the wait for its copy) and was used (end, after).
  void begin_backward_use(StepIndex& step, Runtime& runtime);
  void end_backward_use(StepIndex& step, Runtime& runtime);

  std::shared_ptr<TagState> tag_;
  const int layer_;
  const std::uint32_t step_;
  std::shared_ptr<const SwapOptions> options_;

  // Set by pack.
  TensorMeta meta_;
  // Autograd stops checking versions once hooks are installed ("we can't
  // track versions through the hooks"): the slot checks them instead.
  c10::VariableVersion version_{c10::VariableVersion::DISABLED};
  std::uint32_t saved_version_ = 0;
  at::Tensor kept_;                    // not swapped: the data, no autograd metadata
  std::shared_ptr<StorageSwap> swap_;  // swapped
  std::int64_t index_ = -1;            // tensor index within the layer's keys
  // Observed (SwapOptions::observe): the step its key is in, and the
  // runtime its backward boundaries are marked on.
  std::shared_ptr<StepIndex> observed_step_;
  std::shared_ptr<Runtime> runtime_;
};

}  // namespace tswap::detail
