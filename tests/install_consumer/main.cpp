// Built against the installed package: a two-layer model swaps, and the
// gradient matches the one without tensorswap. Exit code 0 on success.

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <cstdio>
#include <optional>

#include <tswap/tswap.h>

int main() {
  at::manual_seed(0);
  const at::Tensor w = at::randn({32, 32}).requires_grad_();
  const at::Tensor x = at::randn({8, 32});
  auto loss_of = [&](tswap::SwapContext* l0, tswap::SwapContext* l1) {
    at::Tensor h = x.mm(w);
    {
      std::optional<tswap::SwapScope> s;
      if (l0) s.emplace(*l0);
      h = h.tanh().mm(w);
    }
    {
      std::optional<tswap::SwapScope> s;
      if (l1) s.emplace(*l1);
      h = h.tanh();
    }
    return h.sum();
  };
  const at::Tensor expected = torch::autograd::grad({loss_of(nullptr, nullptr)}, {w})[0];
  tswap::SwapOptions options;
  options.min_bytes = 0;  // these tensors are 1 KiB, below the default of 1 MiB
  tswap::SwapContext l0("consumer.layer.*", options), l1("consumer.layer.*", options);
  const at::Tensor got = torch::autograd::grad({loss_of(&l0, &l1)}, {w})[0];
  const auto c = tswap::stats().per_tag.at("consumer.layer.*");
  std::printf("swapped out %llu, back in %llu, gradients %s\n",
              static_cast<unsigned long long>(c.tensors_swapped_out),
              static_cast<unsigned long long>(c.tensors_swapped_in),
              at::equal(expected, got) ? "equal" : "DIFFERENT");
  return c.tensors_swapped_out > 0 && at::equal(expected, got) ? 0 : 1;
}
