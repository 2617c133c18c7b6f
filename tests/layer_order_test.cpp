// Layer numbering follows the order forward runs the layers, not the order
// they were built (Note [Layers in run order]); a tag that can swap nothing
// says so once.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <tswap/testing.h>
#include <tswap/tswap.h>

#include "support/training.h"
#include "support/warnings.h"

namespace {

using ::testing::HasSubstr;
using tswap::trace::EventKind;

/// The blocks' tensors are 4 KiB: below tensorswap's default min_bytes.
tswap::SwapOptions small_tensors() {
  tswap::SwapOptions o;
  o.min_bytes = 0;
  return o;
}

/// mm, tanh and sin under one context: two swaps a layer (mm's input; the
/// tanh result, which sin saves too), the weight kept.
struct Block {
  Block(const std::string& tag, int seed, const tswap::SwapOptions& options = small_tensors())
      : context(tag, options) {
    torch::manual_seed(seed);
    weight = torch::randn({32, 32}, torch::requires_grad());
  }
  torch::Tensor forward(const torch::Tensor& x) {
    tswap::SwapScope scope(context);
    return x.mm(weight).tanh().sin();
  }
  tswap::SwapContext context;
  torch::Tensor weight;
};

std::vector<std::unique_ptr<Block>> blocks(const std::string& tag, int n) {
  std::vector<std::unique_ptr<Block>> out;
  for (int i = 0; i < n; ++i) out.push_back(std::make_unique<Block>(tag, i));
  return out;
}

/// One step through blocks in `order`; returns the loss (backward done).
torch::Tensor step(std::vector<std::unique_ptr<Block>>& model, const std::vector<int>& order) {
  torch::Tensor h = torch::ones({16, 32}) * 0.1;
  for (int i : order) h = model[static_cast<std::size_t>(i)]->forward(h);
  torch::Tensor loss = h.pow(2).mean();
  loss.backward();
  return loss;
}

/// Events of `kind` in step `s` of the log's only tag.
std::vector<const tswap::trace::Event*> of(const tswap::trace::Trace& log, EventKind kind,
                                           std::uint32_t s) {
  std::vector<const tswap::trace::Event*> out;
  for (const auto& e : log.events()) {
    if (e.event_kind() == kind && e.step == s) out.push_back(&e);
  }
  return out;
}

TEST(LayerOrder, LayersCalledInAnotherOrderThanBuiltAreReleasedAndPrefetched) {
  auto model = blocks("order.shuffled.*", 4);
  const std::vector<int> order = {2, 0, 3, 1};
  tswap::testing::RecordedRun run;
  for (int s = 0; s < 3; ++s) step(model, order);
  const tswap::trace::Trace log = run.stop();
  const tswap::SwapCounters c = tswap::stats().per_tag.at("order.shuffled.*");
  EXPECT_EQ(c.steps, 3u) << "one step per training step, not one per layer";
  // Three of four layers copy out, are released when the next layer saves,
  // and come back (the layer below by prefetch).
  EXPECT_EQ(c.tensors_swapped_out, 3u * 3u * 2u);
  EXPECT_EQ(c.releases + c.deferred_releases, c.tensors_swapped_out);
  EXPECT_GT(c.prefetches, 0u);
  EXPECT_LT(c.step_peak_resident_bytes, static_cast<std::int64_t>(c.step_bytes_saved));
  // The log numbers layers as they ran: block 2 is layer 0.
  const auto enters = of(log, EventKind::layer_enter, 2);
  ASSERT_EQ(enters.size(), 4u);
  for (std::size_t i = 0; i < enters.size(); ++i) EXPECT_EQ(enters[i]->layer, i);
  EXPECT_THAT(log, tswap::testing::SatisfiesOrderingRules());
}

TEST(LayerOrder, ShuffledLayersTrainBitForBitAsWithoutSwapping) {
  const std::vector<int> order = {3, 1, 2, 0};
  auto swapped = blocks("order.bitwise.*", 4);
  tswap::SwapOptions off;
  off.enabled = false;
  std::vector<std::unique_ptr<Block>> plain;
  for (int i = 0; i < 4; ++i) {
    plain.push_back(std::make_unique<Block>("order.bitwise.plain.*", i, off));
  }
  for (int s = 0; s < 2; ++s) {
    const torch::Tensor a = step(swapped, order);
    const torch::Tensor b = step(plain, order);
    EXPECT_TRUE(tswap_test::bitwise_equal(a, b));
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_TRUE(tswap_test::bitwise_equal(swapped[i]->weight.grad(), plain[i]->weight.grad()))
          << "block " << i << " step " << s;
    }
  }
}

TEST(LayerOrder, ASecondInstanceOfTheModelDoesNotChangeTheTrainedOnesSchedule) {
  auto trained = blocks("order.twin.*", 4);
  auto twin = blocks("order.twin.*", 4);  // an EMA copy or a teacher: alive, never run
  ASSERT_EQ(tswap::layer_count("order.twin.*"), 8);
  tswap::testing::RecordedRun run;
  for (int s = 0; s < 3; ++s) step(trained, {0, 1, 2, 3});
  const tswap::trace::Trace log = run.stop();
  // From the second step on, layer 3, the last that ran, stays on the
  // device, and every layer copied out is released.
  std::uint32_t last_step = 0;
  for (const auto& e : log.events()) last_step = std::max(last_step, e.step);
  for (std::uint32_t s = last_step - 1; s <= last_step; ++s) {
    const auto out = of(log, EventKind::d2h_queued, s);
    EXPECT_EQ(out.size(), 6u) << "step " << s << ": layers 0-2, two swaps each";
    for (const auto* e : out) EXPECT_LT(e->layer, 3u) << "step " << s;
    EXPECT_EQ(of(log, EventKind::release, s).size(), 6u) << "step " << s;
  }
}

TEST(LayerOrder, AModelBuiltAnewAfterBackwardStartsAtLayerZeroAndSwaps) {
  {
    auto old_model = blocks("order.rebuilt.*", 4);
    for (int s = 0; s < 2; ++s) step(old_model, {0, 1, 2, 3});
  }  // destroyed after its backward: its step never sees a context again
  auto model = blocks("order.rebuilt.*", 4);
  tswap::reset_stats();
  tswap::testing::RecordedRun run;
  step(model, {0, 1, 2, 3});
  const tswap::trace::Trace log = run.stop();
  const tswap::SwapCounters c = tswap::stats().per_tag.at("order.rebuilt.*");
  EXPECT_EQ(c.steps, 1u) << "the new model's forward is a step of its own";
  EXPECT_EQ(c.tensors_swapped_out, 3u * 2u) << "layers 0-2 swap, as in the old model's steps";
  const auto enters = of(log, EventKind::layer_enter, 3);
  ASSERT_EQ(enters.size(), 4u);
  for (std::size_t i = 0; i < enters.size(); ++i) EXPECT_EQ(enters[i]->layer, i);
}

TEST(LayerOrder, AStepLongerThanTheOneBeforeSwapsTheLayersPastWhatThatOneTaught) {
  auto model = blocks("order.depth.*", 8);
  const auto depth = [&](int d) {
    std::vector<int> order;
    for (int i = 0; i < d; ++i) order.push_back(i);
    tswap::reset_stats();
    step(model, order);
    return tswap::stats().per_tag.at("order.depth.*").tensors_swapped_out;
  };
  EXPECT_EQ(depth(8), 7u * 2u) << "layers 0-6 swap, 7 is the last";
  EXPECT_EQ(depth(3), 3u * 2u) << "an early exit: nothing says layer 2 is last, so it swaps too";
  // The step after the short one learned last = 2; once layer 3 runs it is
  // plain that it was wrong: layers 3-6 swap, as in a first step (only
  // layer 2, kept before anyone knew, stays).
  EXPECT_EQ(depth(8), 6u * 2u);
  EXPECT_EQ(depth(8), 7u * 2u) << "learned again";
}

TEST(LayerOrder, OneTagEnteredFromTwoThreadsInOneStepSaysSoOnce) {
  auto a = blocks("order.threads.*", 2);
  auto b = blocks("order.threads.*", 2);
  const torch::Tensor x = torch::ones({16, 32}) * 0.1;
  torch::Tensor hb;
  std::thread other([&] { hb = b[0]->forward(x); });  // begins the step on another thread
  other.join();
  tswap_test::CapturedWarnings warnings;  // the warning comes on the thread that enters
  torch::Tensor ha = a[1]->forward(a[0]->forward(x));
  (ha.sum() + hb.sum()).backward();
  ASSERT_EQ(warnings.messages.size(), 1u) << "once per tag, not per layer";
  EXPECT_THAT(warnings.messages[0],
              HasSubstr("module tag 'order.threads.*' has layers entered from two threads in step"));
}

TEST(LayerOrder, ATagWithOneLayerSaysOnceThatItSwapsNothing) {
  auto model = blocks("order.single.*", 1);
  tswap_test::CapturedWarnings warnings;
  for (int s = 0; s < 3; ++s) step(model, {0});
  ASSERT_EQ(warnings.messages.size(), 1u);
  EXPECT_THAT(warnings.messages[0],
              HasSubstr("module tag 'order.single.*' swapped nothing in step 1: only one of its "
                        "layers (layer 0) saved tensors"));
  EXPECT_THAT(warnings.messages[0], HasSubstr("(one per block, not one shared)"));
}

TEST(LayerOrder, OneContextSharedByEveryBlockSaysOnceThatItSwapsNothing) {
  tswap::SwapContext shared("order.shared");
  std::vector<torch::Tensor> weights;
  for (int i = 0; i < 3; ++i) weights.push_back(torch::randn({8, 8}, torch::requires_grad()));
  tswap_test::CapturedWarnings warnings;
  for (int s = 0; s < 2; ++s) {
    torch::Tensor h = torch::ones({2, 8});
    for (auto& w : weights) {
      tswap::SwapScope scope(shared);
      h = h.mm(w).tanh();
    }
    h.sum().backward();
  }
  ASSERT_EQ(warnings.messages.size(), 1u);
  EXPECT_THAT(warnings.messages[0], HasSubstr("module tag 'order.shared' swapped nothing"));
  EXPECT_THAT(warnings.messages[0],
              HasSubstr("The tag has no '*': give each layer instance its own SwapContext under "
                        "a tag such as \"order.shared.*\""));
}

}  // namespace
