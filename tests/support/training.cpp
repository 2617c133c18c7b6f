#include "training.h"

#include <cstring>

#include <tswap/stats.h>

namespace tswap_test {

::testing::AssertionResult bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.dtype() != b.dtype()) {
    return ::testing::AssertionFailure() << "dtype " << a.dtype() << " vs " << b.dtype();
  }
  if (a.sizes() != b.sizes()) {
    return ::testing::AssertionFailure() << "sizes " << a.sizes() << " vs " << b.sizes();
  }
  const torch::Tensor ca = a.contiguous().cpu(), cb = b.contiguous().cpu();
  const auto* pa = static_cast<const unsigned char*>(ca.data_ptr());
  const auto* pb = static_cast<const unsigned char*>(cb.data_ptr());
  const size_t item = ca.element_size();
  for (int64_t i = 0; i < ca.numel(); ++i) {
    if (std::memcmp(pa + i * item, pb + i * item, item) != 0) {
      return ::testing::AssertionFailure()
             << "first difference at flat index " << i << ": " << ca.flatten()[i].item<double>()
             << " vs " << cb.flatten()[i].item<double>();
    }
  }
  return ::testing::AssertionSuccess();
}

StepResult train_step(Stack& model, const torch::Tensor& input, uint64_t seed, double lr) {
  torch::manual_seed(seed);
  StepResult r;
  r.loss = model->forward(input).pow(2).mean();
  r.loss.backward();
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) {
    r.grads.push_back(p.grad().clone());
    p.sub_(lr * p.grad());
    p.mutable_grad().zero_();
  }
  r.loss = r.loss.detach();
  return r;
}

void expect_same_training(const ModelFactory& make, const SwapSetup& swapped, int steps,
                          const InputFactory& input) {
  torch::manual_seed(1234);
  Stack baseline = make(SwapSetup::none());
  torch::manual_seed(1234);
  Stack with_swap = make(swapped);
  for (size_t i = 0; i < baseline->parameters().size(); ++i) {
    ASSERT_TRUE(bitwise_equal(baseline->parameters()[i], with_swap->parameters()[i]))
        << "initial parameter " << i;
  }
  for (int step = 0; step < steps; ++step) {
    const torch::Tensor x = input(step);
    const StepResult expected = train_step(baseline, x, 100 + step);
    const StepResult got = train_step(with_swap, x, 100 + step);
    ASSERT_TRUE(bitwise_equal(expected.loss, got.loss)) << "loss at step " << step;
    ASSERT_EQ(expected.grads.size(), got.grads.size());
    for (size_t i = 0; i < got.grads.size(); ++i) {
      ASSERT_TRUE(bitwise_equal(expected.grads[i], got.grads[i]))
          << "gradient of parameter " << i << " at step " << step;
    }
    EXPECT_EQ(tswap::stats().total.resident_bytes, 0) << "bytes left resident after step " << step;
  }
}

}  // namespace tswap_test
