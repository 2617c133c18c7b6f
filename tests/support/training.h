#pragma once

// Training steps side by side: a model with tensorswap and the same model
// without, compared bit for bit.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models.h"

namespace tswap_test {

/// Whether two tensors have the same dtype, sizes and bytes (NaNs included).
::testing::AssertionResult bitwise_equal(const torch::Tensor& a, const torch::Tensor& b);

struct StepResult {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;  // one per parameter, in parameters() order
};

/// One SGD step: forward with dropout seeded by `seed`, loss = mean(out^2),
/// backward, grads copied out, parameters updated, grads zeroed.
StepResult train_step(Stack& model, const torch::Tensor& input, uint64_t seed, double lr = 0.05);

using ModelFactory = std::function<Stack(const SwapSetup&)>;
using InputFactory = std::function<torch::Tensor(int step)>;

/// Builds the model twice from one seed, without tensorswap and with
/// `swapped`, trains both `steps` steps on the same inputs, and expects
/// losses and every gradient to be bitwise equal at every step, and no
/// swapped bytes left resident after each backward.
void expect_same_training(const ModelFactory& make, const SwapSetup& swapped, int steps,
                          const InputFactory& input);

}  // namespace tswap_test
