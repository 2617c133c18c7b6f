// Backward layer spans (Note [Backward layer spans], core/saved_tensor_slot.cpp):
// host-timed backward_enter/backward_exit around each layer's unpacks, on
// the simulated runtime as on any other.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <vector>

#include <tswap/testing.h>
#include <tswap/tswap.h>

namespace tswap_test {
namespace {

using tswap::trace::Event;
using tswap::trace::EventKind;

/// The compute lane's backward lines of one layer: what happened between
/// its backward_enter and backward_exit, in recorded order.
std::vector<std::string> backward_of(const tswap::trace::Trace& log) {
  std::vector<std::string> out;
  for (const Event& e : log.events()) {
    switch (e.event_kind()) {
      case EventKind::backward_enter:
      case EventKind::backward_exit:
      case EventKind::unpack:
        out.push_back(std::string(to_string(e.event_kind())) + " L" + std::to_string(e.layer));
        break;
      default:
        break;
    }
  }
  return out;
}

TEST(BackwardSpans, EachLayersSpanHoldsExactlyItsUnpacksInDescendingOrder) {
  tswap::SwapContext l0("bw.span.*"), l1("bw.span.*"), l2("bw.span.*");
  auto w = torch::randn({32}, torch::requires_grad());
  tswap::testing::RecordedRun run;
  torch::Tensor h = torch::randn({32}) * w;
  for (tswap::SwapContext* c : {&l0, &l1, &l2}) {
    tswap::SwapScope s(*c);
    h = (h.sin() * h).exp();  // saves sin's input, both factors, exp's result
  }
  h.sum().backward();
  const auto log = run.stop();
  std::vector<std::string> expected;
  for (int layer = 2; layer >= 0; --layer) {
    const std::string l = " L" + std::to_string(layer);
    expected.insert(expected.end(), {"backward_enter" + l, "unpack" + l, "unpack" + l, "unpack" + l,
                                     "unpack" + l, "backward_exit" + l});
  }
  EXPECT_THAT(backward_of(log), ::testing::ElementsAreArray(expected));
  // Spans carry the step and take time: enter before exit, each after the one above.
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> spans;
  std::uint32_t unpack_step = 0;
  for (const Event& e : log.events()) {
    if (e.event_kind() == EventKind::unpack) unpack_step = e.step;
  }
  ASSERT_GT(unpack_step, 0u);
  for (const Event& e : log.events()) {
    if (e.event_kind() == EventKind::backward_enter) spans[e.layer].first = e.host_ns;
    if (e.event_kind() == EventKind::backward_exit) spans[e.layer].second = e.host_ns;
    if (e.event_kind() == EventKind::backward_enter || e.event_kind() == EventKind::backward_exit) {
      EXPECT_EQ(e.step, unpack_step) << "the step its tensors were saved in";
      EXPECT_EQ(e.index, 0u);
    }
  }
  ASSERT_EQ(spans.size(), 3u);
  for (int layer = 0; layer < 3; ++layer) EXPECT_LE(spans[layer].first, spans[layer].second);
  EXPECT_LE(spans[2].second, spans[1].first);
  EXPECT_LE(spans[1].second, spans[0].first);
  EXPECT_THAT(log, tswap::testing::SatisfiesOrderingRules());
}

TEST(BackwardSpans, ALayerLeftBeforeEveryTensorWasUsedEndsAtItsLastUse) {
  tswap::SwapContext l0("bw.partial.*"), l1("bw.partial.*"), l2("bw.partial.*");
  auto w = torch::randn({32}, torch::requires_grad());
  auto other = torch::randn({32}, torch::requires_grad());  // a branch autograd::grad skips
  tswap::testing::RecordedRun run;
  torch::Tensor h = torch::randn({32}) * w;
  {
    tswap::SwapScope s(l0);
    h = h.sin();
  }
  {
    tswap::SwapScope s(l1);
    // Saves sin's input (used) and exp's result (never: the gradient asked
    // for does not flow through `other`).
    h = h.sin() + other.exp();
  }
  {
    tswap::SwapScope s(l2);
    h = h.sin();
  }
  const auto grads = torch::autograd::grad({h.sum()}, {w});
  ASSERT_EQ(grads.size(), 1u);
  const auto log = run.stop();
  const std::vector<std::string> expected = {
      "backward_enter L2", "unpack L2", "backward_exit L2",
      // layer 1 used one of its two tensors; backward moved on to layer 0
      "backward_enter L1", "unpack L1", "backward_exit L1", "backward_enter L0", "unpack L0",
      "backward_exit L0"};
  EXPECT_THAT(backward_of(log), ::testing::ElementsAreArray(expected));
  const Event* unpack1 = nullptr;
  const Event* exit1 = nullptr;
  const Event* enter0 = nullptr;
  for (const Event& e : log.events()) {
    if (e.event_kind() == EventKind::unpack && e.layer == 1) unpack1 = &e;
    if (e.event_kind() == EventKind::backward_exit && e.layer == 1) exit1 = &e;
    if (e.event_kind() == EventKind::backward_enter && e.layer == 0) enter0 = &e;
  }
  ASSERT_TRUE(unpack1 && exit1 && enter0);
  // Written when layer 0 began, with the time of layer 1's last use.
  EXPECT_GE(exit1->host_ns, unpack1->host_ns);
  EXPECT_LE(exit1->host_ns, enter0->host_ns);
}

TEST(BackwardSpans, ASecondBackwardOpensNewSpans) {
  tswap::SwapContext l0("bw.twice.*"), l1("bw.twice.*");
  auto w = torch::randn({32}, torch::requires_grad());
  tswap::testing::RecordedRun run;
  torch::Tensor h = torch::randn({32}) * w;
  for (tswap::SwapContext* c : {&l0, &l1}) {
    tswap::SwapScope s(*c);
    h = h.sin();
  }
  h.sum().backward({}, /*retain_graph=*/true);
  h.sum().backward();
  const auto log = run.stop();
  EXPECT_THAT(backward_of(log),
              ::testing::ElementsAre("backward_enter L1", "unpack L1", "backward_exit L1",
                                     "backward_enter L0", "unpack L0", "backward_exit L0",
                                     "backward_enter L1", "unpack L1", "backward_exit L1",
                                     "backward_enter L0", "unpack L0", "backward_exit L0"));
}

}  // namespace
}  // namespace tswap_test
