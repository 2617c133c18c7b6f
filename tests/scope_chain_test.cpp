// A SwapScope destroyed out of order, or on another thread than the one
// that entered it, leaves no thread pointing at it (Note [Scope chains]).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/torch.h>

#include <future>
#include <memory>
#include <optional>
#include <thread>

#include <tswap/tswap.h>

#include "support/warnings.h"

namespace {

using ::testing::HasSubstr;
using torch::autograd::Engine;

std::uint64_t saved(const std::string& tag) {
  const tswap::Stats s = tswap::stats();
  return s.per_tag.count(tag) ? s.per_tag.at(tag).tensors_saved : 0;
}

TEST(ScopeChain, AScopeDestroyedOnAnotherThreadLeavesItsThreadClean) {
  tswap::SwapContext layer("chain.other_thread.*"), mine("chain.destroyer.*");
  auto x = torch::randn({8, 8}, torch::requires_grad()) * 2;
  std::unique_ptr<tswap::SwapScope> handed_over;
  std::promise<void> entered, destroyed;
  std::future<void> destroyed_done = destroyed.get_future();
  torch::Tensor kept_alive;
  std::uint64_t saved_after = 0;
  bool hooks_after = true;
  std::thread forward([&] {
    handed_over = std::make_unique<tswap::SwapScope>(layer);  // entered on this thread
    kept_alive = x.sin();                                     // saved under the tag
    entered.set_value();
    destroyed_done.wait();
    // Its scope is gone: what this thread saves now is not the tag's, and
    // the engine hands out no hooks (it used to read the dead scope here).
    hooks_after = Engine::get_default_engine().get_default_saved_variable_hooks() != nullptr;
    kept_alive = kept_alive.cos();
    saved_after = saved("chain.other_thread.*");
    // And a new scope on this thread works.
    tswap::SwapScope again(layer);
    kept_alive = kept_alive.exp();
  });
  entered.get_future().wait();
  ASSERT_EQ(saved("chain.other_thread.*"), 1u);

  tswap_test::CapturedWarnings warnings;
  {
    tswap::SwapScope own(mine);  // the destroying thread's own chain
    handed_over.reset();
    // ... is untouched: its scope still gets what it saves.
    kept_alive = x.tan();
    EXPECT_EQ(saved("chain.destroyer.*"), 1u);
  }
  destroyed.set_value();
  forward.join();
  EXPECT_FALSE(hooks_after);
  EXPECT_EQ(saved_after, 1u) << "an unscoped save was counted under the dead scope's tag";
  EXPECT_EQ(saved("chain.other_thread.*"), 2u) << "the new scope on that thread swaps again";
  ASSERT_EQ(warnings.messages.size(), 1u);
  EXPECT_THAT(warnings.messages[0],
              HasSubstr("tensorswap: a SwapScope of module tag 'chain.other_thread.*' (layer 0) "
                        "was destroyed on another thread than the one that entered it"));
  EXPECT_EQ(Engine::get_default_engine().get_default_saved_variable_hooks(), nullptr)
      << "the destroying thread's chain ends where it began";
}

TEST(ScopeChain, AnOuterScopeEndedFirstLeavesTheInnerOneInCharge) {
  tswap::SwapContext outer("chain.outer.*"), inner("chain.inner.*");
  auto x = torch::randn({8, 8}, torch::requires_grad()) * 2;
  tswap_test::CapturedWarnings warnings;
  std::optional<tswap::SwapScope> o, i;
  o.emplace(outer);
  i.emplace(inner);
  o.reset();  // out of order
  torch::Tensor y = x.sin();
  EXPECT_EQ(saved("chain.inner.*"), 1u);
  EXPECT_EQ(saved("chain.outer.*"), 0u);
  i.reset();
  EXPECT_EQ(Engine::get_default_engine().get_default_saved_variable_hooks(), nullptr)
      << "both scopes gone, none left in the chain";
  y = y.cos();
  EXPECT_EQ(saved("chain.inner.*"), 1u);
  ASSERT_EQ(warnings.messages.size(), 1u);
  EXPECT_THAT(warnings.messages[0],
              HasSubstr("module tag 'chain.outer.*' (layer 0) was destroyed while a scope "
                        "entered after it is still alive"));
}

}  // namespace
