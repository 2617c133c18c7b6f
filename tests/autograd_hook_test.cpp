// Installing tensorswap's engine changes nothing outside scopes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/torch.h>

#include <tswap/tswap.h>

#include "support/errors.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using torch::autograd::Engine;
using tswap_test::error_of;

TEST(AutogradHook, MakingAContextInstallsTheEngineOnce) {
  tswap::SwapContext a("hook.install.*");
  Engine& installed = Engine::get_default_engine();
  EXPECT_NE(&installed, &Engine::get_base_engine());
  tswap::SwapContext b("hook.install.*");
  EXPECT_EQ(&Engine::get_default_engine(), &installed);
}

TEST(AutogradHook, HooksExistOnlyInsideAScope) {
  tswap::SwapContext layer("hook.scope.*");
  EXPECT_EQ(Engine::get_default_engine().get_default_saved_variable_hooks(), nullptr);
  {
    tswap::SwapScope scope(layer);
    EXPECT_NE(Engine::get_default_engine().get_default_saved_variable_hooks(), nullptr);
  }
  EXPECT_EQ(Engine::get_default_engine().get_default_saved_variable_hooks(), nullptr);
}

TEST(AutogradHook, OutsideScopesAutogradStillChecksVersions) {
  tswap::SwapContext layer("hook.versions.*");
  auto x = torch::randn({4}, torch::requires_grad()) * 1.0;
  auto y = x.sin();
  x.add_(1);
  const std::string message = error_of([&] { y.sum().backward(); });
  EXPECT_THAT(message, HasSubstr("one of the variables needed for gradient computation has been "
                                 "modified by an inplace operation"));
  EXPECT_THAT(message, Not(HasSubstr("tensorswap")));
}

TEST(AutogradHook, OutsideScopesBackwardTwiceStillFails) {
  tswap::SwapContext layer("hook.twice.*");
  auto x = torch::randn({4}, torch::requires_grad());
  auto loss = x.sin().sum();
  loss.backward();
  EXPECT_THAT(error_of([&] { loss.backward(); }),
              HasSubstr("Trying to backward through the graph a second time"));
}

TEST(AutogradHook, InsideScopesBackwardTwiceFailsAsAutogradWould) {
  tswap::SwapContext layer0("hook.twice_in.*"), layer1("hook.twice_in.*");
  auto x = torch::randn({4}, torch::requires_grad()) * 1.0;
  torch::Tensor loss;
  {
    tswap::SwapScope scope(layer0);
    loss = x.sin().sum();
  }
  loss.backward();
  EXPECT_THAT(error_of([&] { loss.backward(); }),
              HasSubstr("Trying to backward through the graph a second time"));
}

TEST(AutogradHook, RetainedGraphsBackwardTwiceWithSwapping) {
  tswap::SwapContext layer0("hook.retain.*"), layer1("hook.retain.*");
  auto w = torch::randn({8}, torch::requires_grad());
  torch::Tensor h, loss;
  {
    tswap::SwapScope scope(layer0);
    h = (w * 2).sin();
  }
  {
    tswap::SwapScope scope(layer1);
    loss = h.exp().sum();
  }
  loss.backward({}, /*retain_graph=*/true);
  const torch::Tensor first = w.grad().clone();
  loss.backward();
  EXPECT_TRUE(torch::equal(w.grad(), first * 2));
}

TEST(AutogradHook, WorkOutsideScopesLeavesTheCountersAlone) {
  tswap::SwapContext layer("hook.outside.*");
  const auto before = tswap::stats().total;
  auto x = torch::randn({16}, torch::requires_grad());
  (x * 2).sin().exp().sum().backward();
  const auto after = tswap::stats().total;
  EXPECT_EQ(after.tensors_saved, before.tensors_saved);
}

}  // namespace
