// stats() per step: what one step saved and its peak, side by side in one
// run, and the steps counted once however many tags begin each.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include <tswap/testing.h>
#include <tswap/tswap.h>

namespace {

using tswap::trace::EventKind;

/// A block (tag "stats.block.*") whose MLP has a tag of its own, nested.
struct Block {
  explicit Block(int seed) : outer("stats.block.*"), inner("stats.block.*.mlp") {
    torch::manual_seed(seed);
    weight = torch::randn({32, 32}, torch::requires_grad());
  }
  torch::Tensor forward(const torch::Tensor& x) {
    tswap::SwapScope scope(outer);
    torch::Tensor h = x.mm(weight).tanh();
    {
      tswap::SwapScope mlp(inner);
      h = h.sin().exp();
    }
    return h * 0.5;
  }
  tswap::SwapContext outer, inner;
  torch::Tensor weight;
};

void train_step(std::vector<std::unique_ptr<Block>>& model) {
  torch::Tensor h = torch::ones({16, 32}) * 0.1;
  for (auto& b : model) h = b->forward(h);
  h.pow(2).mean().backward();
}

TEST(StepStats, EachStepReportsWhatItSavedAndItsPeak) {
  std::vector<std::unique_ptr<Block>> model;
  for (int i = 0; i < 4; ++i) model.push_back(std::make_unique<Block>(i));
  tswap::reset_stats();
  std::vector<std::uint64_t> saved;
  for (int s = 1; s <= 3; ++s) {
    train_step(model);
    const tswap::Stats st = tswap::stats();
    EXPECT_EQ(st.total.steps, static_cast<std::uint64_t>(s)) << "two nested tags, one step";
    EXPECT_EQ(st.per_tag.at("stats.block.*").steps, static_cast<std::uint64_t>(s));
    EXPECT_EQ(st.per_tag.at("stats.block.*.mlp").steps, static_cast<std::uint64_t>(s));
    EXPECT_EQ(st.total.step_bytes_saved, st.total.bytes_saved / static_cast<std::uint64_t>(s));
    EXPECT_EQ(st.total.step_bytes_saved, st.per_tag.at("stats.block.*").step_bytes_saved +
                                             st.per_tag.at("stats.block.*.mlp").step_bytes_saved);
    // Swapping keeps about two layers resident of four: the step's peak is
    // well under what the step saved.
    EXPECT_GT(st.total.step_peak_resident_bytes, 0);
    EXPECT_LT(st.total.step_peak_resident_bytes,
              static_cast<std::int64_t>(st.total.step_bytes_saved) * 3 / 4);
    saved.push_back(st.total.step_bytes_saved);
  }
  EXPECT_EQ(saved[0], saved[1]);
  EXPECT_EQ(saved[1], saved[2]);
  EXPECT_GT(saved[0], 0u);
}

TEST(StepStats, KeptTensorsAreLoggedInTheStepThatSavedThem) {
  std::vector<std::unique_ptr<Block>> model;
  for (int i = 0; i < 3; ++i) model.push_back(std::make_unique<Block>(10 + i));
  tswap::testing::RecordedRun run;
  train_step(model);
  train_step(model);
  const tswap::trace::Trace log = run.stop();
  std::size_t kept = 0;
  std::uint32_t entered_step = 0;
  for (const auto& e : log.events()) {
    if (e.event_kind() == EventKind::layer_enter) entered_step = e.step;
    if (e.event_kind() != EventKind::kept) continue;
    ++kept;
    EXPECT_GE(e.step, 1u) << "steps count from 1";
    EXPECT_EQ(e.step, entered_step) << "a kept weight belongs to the step of its layer";
  }
  EXPECT_GT(kept, 0u) << "the weights are kept: the test must see some";
}

}  // namespace
