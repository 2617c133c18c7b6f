// Custom autograd functions under swapping: whatever a function saves
// (inputs, outputs, views of either, fresh tensors), backward (retained,
// twice, or building a graph for double backward) computes what it computes
// without tensorswap, bit for bit; or, where LibTorch cannot take a saved
// tensor through hooks, forward stops with a message that says what to do.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tswap/tswap.h>

#include "support/errors.h"
#include "support/training.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using tswap_test::bitwise_equal;
using tswap_test::error_of;

constexpr bool kLeafViewsNeedNoSwapScope =
    TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1);

// y = x * w, saving both inputs (x a non-leaf, w a parameter).
struct MulSavingInputs : torch::autograd::Function<MulSavingInputs> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor w) {
    ctx->save_for_backward({x, w});
    return x * w;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    const auto saved = ctx->get_saved_variables();
    return {g[0] * saved[1], g[0] * saved[0]};
  }
};

// y = exp(x), saving its output.
struct ExpSavingOutput : torch::autograd::Function<ExpSavingOutput> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    torch::Tensor y = x.exp();
    ctx->save_for_backward({y});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};

// y = sin(x), saving a fresh tensor made in forward (cos x, no grad).
struct SinSavingFresh : torch::autograd::Function<SinSavingFresh> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    ctx->save_for_backward({x.cos()});
    return x.sin();
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};

// y = x * x, whose backward hands on a view of the unpacked tensor: the
// gradient aliases what was saved, as peers' suites test.
struct SquareReturningAView : torch::autograd::Function<SquareReturningAView> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    ctx->save_for_backward({x * 2});
    return x * x;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    torch::Tensor two_x = ctx->get_saved_variables()[0];
    return {(g[0] * two_x).t().t()};
  }
};

// y = x @ w^T, saving the view w.t() it made in forward (a leaf that
// requires grad through its base).
struct MatmulSavingAViewOfAnInput : torch::autograd::Function<MatmulSavingAViewOfAnInput> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor w) {
    torch::Tensor wt = w.t();
    ctx->save_for_backward({x, wt});
    return x.mm(wt);
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    const auto saved = ctx->get_saved_variables();
    return {g[0].mm(saved[1].t()), g[0].t().mm(saved[0])};
  }
};

// y = 3x, saving the view y.t() of its own output.
struct ScaleSavingAViewOfItsOutput : torch::autograd::Function<ScaleSavingAViewOfItsOutput> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x) {
    torch::Tensor y = x * 3;
    ctx->save_for_backward({y.t()});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    const torch::Tensor yt = ctx->get_saved_variables()[0];
    return {g[0] * 3 + 0 * yt.t()};
  }
};

using LayerFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& w)>;

struct Run {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;  // of the input, then each layer's weight
};

/// Four layers of `layer` over a [6, 6] input; with `tag`, each under its
/// own context. Backward as `backward` says.
Run run(const LayerFn& layer, const std::optional<std::string>& tag,
        const std::function<void(Run&, torch::Tensor input, std::vector<torch::Tensor>&)>& backward) {
  torch::manual_seed(7);
  torch::Tensor input = torch::randn({6, 6}, torch::requires_grad());
  std::vector<torch::Tensor> weights;
  for (int i = 0; i < 4; ++i) weights.push_back(torch::randn({6, 6}, torch::requires_grad()));
  std::vector<std::unique_ptr<tswap::SwapContext>> contexts;
  if (tag) {
    for (int i = 0; i < 4; ++i) contexts.push_back(std::make_unique<tswap::SwapContext>(*tag));
  }
  torch::Tensor h = input * 1.0;  // a non-leaf, as activations are
  for (int i = 0; i < 4; ++i) {
    std::optional<tswap::SwapScope> scope;
    if (tag) scope.emplace(*contexts[static_cast<std::size_t>(i)]);
    h = layer(h, weights[static_cast<std::size_t>(i)]).tanh();
  }
  Run r;
  r.loss = h.pow(2).mean();
  backward(r, input, weights);
  return r;
}

void plain_backward(Run& r, torch::Tensor input, std::vector<torch::Tensor>& weights) {
  r.loss.backward();
  r.grads.push_back(input.grad().clone());
  for (auto& w : weights) r.grads.push_back(w.grad().clone());
}

void retained_backward_twice(Run& r, torch::Tensor input, std::vector<torch::Tensor>& weights) {
  r.loss.backward({}, /*retain_graph=*/true);
  r.loss.backward();
  r.grads.push_back(input.grad().clone());
  for (auto& w : weights) r.grads.push_back(w.grad().clone());
}

void double_backward(Run& r, torch::Tensor input, std::vector<torch::Tensor>& weights) {
  const auto first = torch::autograd::grad({r.loss}, {input}, {}, /*retain_graph=*/true,
                                           /*create_graph=*/true);
  first[0].pow(2).sum().backward();
  r.grads.push_back(first[0].detach().clone());
  r.grads.push_back(input.grad().clone());
  for (auto& w : weights) r.grads.push_back(w.grad().defined() ? w.grad().clone() : w * 0);
}

void expect_same(const LayerFn& layer, const std::string& tag,
                 const std::function<void(Run&, torch::Tensor, std::vector<torch::Tensor>&)>& bw) {
  const Run without = run(layer, std::nullopt, bw);
  const tswap::Stats before = tswap::stats();
  const Run with = run(layer, tag, bw);
  EXPECT_TRUE(bitwise_equal(with.loss, without.loss));
  ASSERT_EQ(with.grads.size(), without.grads.size());
  for (std::size_t i = 0; i < with.grads.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(with.grads[i], without.grads[i])) << "gradient " << i;
  }
  const tswap::SwapCounters& c = tswap::stats().per_tag.at(tag);
  EXPECT_GT(c.tensors_swapped_out, before.per_tag.count(tag) ? before.per_tag.at(tag).tensors_swapped_out : 0u)
      << "the test must swap something to test anything";
}

const LayerFn kSavingInputs = [](const torch::Tensor& x, const torch::Tensor& w) {
  return MulSavingInputs::apply(x, w);
};
const LayerFn kSavingOutput = [](const torch::Tensor& x, const torch::Tensor& w) {
  return ExpSavingOutput::apply(x.mm(w) * 0.1);
};
const LayerFn kSavingFresh = [](const torch::Tensor& x, const torch::Tensor& w) {
  return SinSavingFresh::apply(x.mm(w));
};
const LayerFn kReturningAView = [](const torch::Tensor& x, const torch::Tensor& w) {
  return SquareReturningAView::apply(x.mm(w) * 0.3);
};
const LayerFn kSavingAViewOfAnInput = [](const torch::Tensor& x, const torch::Tensor& w) {
  return MatmulSavingAViewOfAnInput::apply(x * 1.5, w);
};
const LayerFn kSavingAViewOfItsOutput = [](const torch::Tensor& x, const torch::Tensor& w) {
  return ScaleSavingAViewOfItsOutput::apply(x.mm(w));
};

TEST(CustomFunction, SavingInputsGivesTheSameGradients) {
  expect_same(kSavingInputs, "custom.inputs.*", plain_backward);
}
TEST(CustomFunction, SavingItsOutputGivesTheSameGradients) {
  expect_same(kSavingOutput, "custom.output.*", plain_backward);
}
TEST(CustomFunction, SavingAFreshTensorGivesTheSameGradients) {
  expect_same(kSavingFresh, "custom.fresh.*", plain_backward);
}
TEST(CustomFunction, ABackwardReturningAViewOfWhatItUnpackedGivesTheSameGradients) {
  expect_same(kReturningAView, "custom.view_grad.*", plain_backward);
}
TEST(CustomFunction, ARetainedGraphBackwardTwiceGivesTheSameGradients) {
  expect_same(kSavingInputs, "custom.retain.inputs.*", retained_backward_twice);
  expect_same(kSavingOutput, "custom.retain.output.*", retained_backward_twice);
  expect_same(kReturningAView, "custom.retain.view_grad.*", retained_backward_twice);
}
TEST(CustomFunction, DoubleBackwardThroughACreatedGraphGivesTheSameGradients) {
  expect_same(kSavingInputs, "custom.double.inputs.*", double_backward);
  expect_same(kSavingOutput, "custom.double.output.*", double_backward);
  expect_same(kSavingFresh, "custom.double.fresh.*", double_backward);
}

// A view made in forward is a leaf that requires grad with no gradient
// accumulator (Note [Leaves without a grad accumulator]).
void expect_leaf_view_handled(const LayerFn& layer, const std::string& tag) {
  if (!kLeafViewsNeedNoSwapScope) {
    expect_same(layer, tag, plain_backward);
    return;
  }
  const std::string message = error_of([&] { run(layer, tag, plain_backward); });
  EXPECT_THAT(message, HasSubstr("tensorswap: layer 0 of module tag '" + tag + "' saved [CPUFloatType [6, 6]]"));
  EXPECT_THAT(message, HasSubstr("a leaf that requires grad through no gradient accumulator"));
  EXPECT_THAT(message, HasSubstr("inside a tswap::NoSwapScope"));
  EXPECT_THAT(message, Not(HasSubstr("No grad accumulator for a saved leaf!")));
}

TEST(CustomFunction, SavingAViewOfAnInputWorksOrSaysWhatToChange) {
  expect_leaf_view_handled(kSavingAViewOfAnInput, "custom.view_in.*");
}
TEST(CustomFunction, SavingAViewOfItsOutputWorksOrSaysWhatToChange) {
  expect_leaf_view_handled(kSavingAViewOfItsOutput, "custom.view_out.*");
}

TEST(CustomFunction, InsideANoSwapScopeAViewOfAnInputGivesTheSameGradients) {
  const LayerFn unswapped_view = [](const torch::Tensor& x, const torch::Tensor& w) {
    torch::Tensor y = x.sin();  // swapped
    tswap::NoSwapScope keep;   // what the function saves stays with autograd
    return MatmulSavingAViewOfAnInput::apply(y, w);
  };
  expect_same(unswapped_view, "custom.no_swap.*", plain_backward);
}

TEST(NoSwapScope, HidesSavedTensorsFromTheEngineAndNests) {
  tswap::SwapContext layer("no_swap.nest.*"), other("no_swap.nest.*");
  const tswap::Stats before = tswap::stats();
  auto x = torch::randn({4}, torch::requires_grad()) * 1.0;
  {
    tswap::SwapScope scope(layer);
    tswap::NoSwapScope a;
    {
      tswap::NoSwapScope b;
      x = x.sin();
    }
    x = x.cos();  // still inside a
  }
  const std::uint64_t saved_before =
      before.per_tag.count("no_swap.nest.*") ? before.per_tag.at("no_swap.nest.*").tensors_saved : 0;
  EXPECT_EQ(tswap::stats().per_tag.at("no_swap.nest.*").tensors_saved, saved_before);
  {
    tswap::SwapScope scope(other);
    x = x.exp();  // no NoSwapScope left: exp saves its result
  }
  EXPECT_EQ(tswap::stats().per_tag.at("no_swap.nest.*").tensors_saved, saved_before + 1);
  x.sum().backward();
}

}  // namespace

namespace {

// Checkpointing the reentrant way (torch.utils.checkpoint(use_reentrant=True)):
// forward runs the layer without grad and saves only its inputs; backward
// runs the layer again, inside its scope, under grad, and differentiates
// through that. The scope entered in backward is inert (Note [Scopes
// inside backward]).
tswap::SwapContext* g_recomputed = nullptr;

torch::Tensor checkpointed_layer(const torch::Tensor& x, const torch::Tensor& w) {
  return x.mm(w).tanh().sin();
}

struct Recompute : torch::autograd::Function<Recompute> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor w) {
    ctx->save_for_backward({x, w});
    return checkpointed_layer(x, w);  // autograd runs forward without grad
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor x = saved[0].detach().requires_grad_(true);
    const torch::Tensor w = saved[1].detach().requires_grad_(true);
    torch::AutoGradMode grad(true);
    torch::Tensor y;
    {
      std::optional<tswap::SwapScope> again;
      if (g_recomputed != nullptr) again.emplace(*g_recomputed);
      y = checkpointed_layer(x, w);
    }
    return torch::autograd::grad({y}, {x, w}, {g[0]});
  }
};

}  // namespace

TEST(Checkpointing, ALayerRecomputedInBackwardSwapsNothingThereAndStartsNoStep) {
  const auto train = [](bool swap, int steps, bool scope_in_backward = true) {
    torch::manual_seed(3);
    const torch::Tensor w0 = torch::randn({16, 16}, torch::requires_grad());
    const torch::Tensor w1 = torch::randn({16, 16}, torch::requires_grad());
    const torch::Tensor w2 = torch::randn({16, 16}, torch::requires_grad());
    tswap::SwapOptions o;
    o.min_bytes = 0;
    o.enabled = swap;
    tswap::SwapContext c0("ckpt.cpp.*", o), c1("ckpt.cpp.*", o), c2("ckpt.cpp.*", o);
    std::vector<torch::Tensor> grads;
    for (int s = 0; s < steps; ++s) {
      torch::Tensor h = torch::ones({8, 16}) * 0.1;
      { tswap::SwapScope scope(c0); h = h.mm(w0).tanh(); }
      g_recomputed = scope_in_backward ? &c1 : nullptr;
      { tswap::SwapScope scope(c1); h = Recompute::apply(h, w1); }
      { tswap::SwapScope scope(c2); h = h.mm(w2).tanh(); }
      h.pow(2).mean().backward();
    }
    for (const auto& w : {w0, w1, w2}) grads.push_back(w.grad().clone());
    return grads;
  };
  const auto plain = train(false, 2);
  tswap::reset_stats();
  train(true, 2, /*scope_in_backward=*/false);
  const tswap::SwapCounters unscoped = tswap::stats().per_tag.at("ckpt.cpp.*");
  tswap::reset_stats();
  const auto swapped = train(true, 2);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(plain[i], swapped[i])) << "weight " << i;
  }
  const tswap::SwapCounters c = tswap::stats().per_tag.at("ckpt.cpp.*");
  EXPECT_EQ(c.steps, 2u) << "the recomputation in backward started no step of its own";
  EXPECT_GT(c.tensors_swapped_out, 0u);
  // What the recomputation saves stays with autograd: the engine sees what
  // it sees when backward recomputes outside every scope.
  EXPECT_EQ(c.tensors_saved, unscoped.tensors_saved);
  EXPECT_EQ(c.tensors_swapped_out, unscoped.tensors_swapped_out);
  g_recomputed = nullptr;
}
