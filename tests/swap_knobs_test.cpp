// The schedule's knobs (SwapOptions): prefetch depth, the last layers kept
// on the device, the limit on copies out in flight, observe mode, and the
// messages for settings out of range. Each is checked in the log the run
// writes, with gradients bitwise equal to a run without swapping.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include <tswap/simulated_runtime.h>
#include <tswap/testing.h>
#include <tswap/tswap.h>

#include "support/errors.h"
#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

using ::testing::HasSubstr;
using tswap::testing::RecordedRun;
using tswap::testing::SatisfiesOrderingRules;
using tswap::trace::Event;
using tswap::trace::EventKind;

tswap::SwapOptions small(tswap::SwapOptions o = {}) {
  o.min_bytes = 0;  // the test models' tensors are a few KiB
  return o;
}

SwapSetup setup_with(const std::string& tag, const tswap::SwapOptions& options) {
  SwapSetup s = SwapSetup::with(tag);
  s.options = options;
  return s;
}

/// One recorded training step of an MLP stack of `layers` layers.
tswap::trace::Trace record(int layers, const SwapSetup& setup) {
  torch::manual_seed(0);
  Stack model = mlp_stack(layers, 16, setup);
  const torch::Tensor x = torch::randn({4, 16});
  train_step(model, x, 0);  // step 1 learns the last layer
  RecordedRun run;
  train_step(model, x, 1);
  return run.stop();
}

std::vector<const Event*> of(const tswap::trace::Trace& log, EventKind kind) {
  std::vector<const Event*> out;
  for (const Event& e : log.events()) {
    if (e.event_kind() == kind) out.push_back(&e);
  }
  return out;
}

/// Position in the log of the first event of `kind` on `layer` (npos: none).
std::size_t first(const tswap::trace::Trace& log, EventKind kind, int layer) {
  const auto& events = log.events();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].event_kind() == kind && events[i].layer == layer) return i;
  }
  return std::string::npos;
}

std::map<int, int> per_layer(const std::vector<const Event*>& events) {
  std::map<int, int> n;
  for (const Event* e : events) ++n[e->layer];
  return n;
}

TEST(SwapKnobs, PrefetchDepthTwoBringsTwoLayersBackAheadOfTheirBackward) {
  tswap::SwapOptions o = small();
  o.prefetch_depth = 2;
  const auto log = record(5, setup_with("knobs.depth2.*", o));
  EXPECT_THAT(log, SatisfiesOrderingRules());
  // Layer 4 is kept; layers 0-3 swap. Layer L-2 starts coming back during
  // layer L's backward, before layer L-1's begins.
  for (int l = 3; l >= 2; --l) {
    const std::size_t back = first(log, EventKind::h2d_queued, l - 2);
    ASSERT_NE(back, std::string::npos) << "layer " << l - 2;
    EXPECT_GT(back, first(log, EventKind::backward_enter, l)) << "layer " << l - 2;
    EXPECT_LT(back, first(log, EventKind::backward_enter, l - 1)) << "layer " << l - 2;
  }
  // Every copy back was a prefetch: none waited for backward to ask.
  for (const Event* e : of(log, EventKind::h2d_queued)) {
    EXPECT_TRUE(e->flags & tswap::trace::kFlagPrefetch) << "layer " << e->layer;
  }
  // With depth 1, layer 1 comes back only during layer 2's backward.
  const auto depth1 = record(5, setup_with("knobs.depth1.*", small()));
  EXPECT_GT(first(depth1, EventKind::h2d_queued, 1), first(depth1, EventKind::backward_enter, 2));
}

TEST(SwapKnobs, PrefetchDepthZeroCopiesEachTensorBackWhenBackwardAsks) {
  tswap::SwapOptions o = small();
  o.prefetch_depth = 0;
  const auto log = record(4, setup_with("knobs.depth0.*", o));
  const auto backs = of(log, EventKind::h2d_queued);
  ASSERT_FALSE(backs.empty());
  for (const Event* e : backs) EXPECT_FALSE(e->flags & tswap::trace::kFlagPrefetch);
  expect_same_training([&](const SwapSetup& s) { return mlp_stack(4, 16, s); },
                       setup_with("knobs.depth0.train.*", o), 2,
                       [](int) { return torch::randn({4, 16}); });
}

TEST(SwapKnobs, KeepLastTwoLeavesTheTagsLastTwoLayersOnTheDevice) {
  tswap::SwapOptions o = small();
  o.keep_last = 2;
  const auto log = record(5, setup_with("knobs.keep2.*", o));
  EXPECT_THAT(per_layer(of(log, EventKind::d2h_queued)),
              ::testing::ElementsAre(::testing::Pair(0, ::testing::Gt(0)),
                                     ::testing::Pair(1, ::testing::Gt(0)),
                                     ::testing::Pair(2, ::testing::Gt(0))));
  const auto one = record(5, setup_with("knobs.keep1.*", small()));
  EXPECT_EQ(per_layer(of(one, EventKind::d2h_queued)).size(), 4u) << "layers 0-3 with the default";
  expect_same_training([&](const SwapSetup& s) { return mlp_stack(5, 16, s); },
                       setup_with("knobs.keep2.train.*", o), 2,
                       [](int) { return torch::randn({4, 16}); });
}

/// The most copies out of the log's tag queued and not yet done at once,
/// counted at the copies queued while their own layer ran forward (those
/// queued at the next layer's start, by the release, are left out: the
/// memory must go then, limit or not).
int most_in_flight_during_forward(const tswap::trace::Trace& log) {
  const auto& events = log.events();
  int most = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& q = events[i];
    if (q.event_kind() != EventKind::d2h_queued) continue;
    bool next_layer_began = false;
    for (std::size_t j = 0; j < i; ++j) {
      next_layer_began |= events[j].event_kind() == EventKind::layer_enter &&
                          events[j].layer == q.layer + 1 && events[j].step == q.step;
    }
    if (next_layer_began) continue;
    int in_flight = 0;  // queued up to q, less done before q's time
    for (std::size_t j = 0; j <= i; ++j) {
      if (events[j].event_kind() == EventKind::d2h_queued) ++in_flight;
    }
    for (const Event& d : events) {
      if (d.event_kind() == EventKind::d2h_done && d.host_ns <= q.host_ns) --in_flight;
    }
    most = std::max(most, in_flight);
  }
  return most;
}

TEST(SwapKnobs, AtMostMaxCopiesInFlightOfATagAreQueuedWhileItsLayerRuns) {
  // A slow link (1 MB/s: a 512-byte copy takes 0.5 ms) so copies pile up
  // without the limit.
  auto slow = std::make_shared<tswap::SimulatedRuntime>(
      tswap::SimulatedLink{1e6, std::chrono::microseconds(0)});
  tswap::SwapOptions o = small();
  o.runtime = slow;
  const auto unlimited = record(4, setup_with("knobs.flight0.*", o));
  EXPECT_GT(most_in_flight_during_forward(unlimited), 1) << "the test needs a burst to limit";
  o.max_copies_in_flight = 1;
  const auto limited = record(4, setup_with("knobs.flight1.*", o));
  EXPECT_EQ(most_in_flight_during_forward(limited), 1);
  // Nothing is lost: every swap was copied out, and came back.
  EXPECT_EQ(of(limited, EventKind::d2h_queued).size(), of(unlimited, EventKind::d2h_queued).size());
  EXPECT_EQ(of(limited, EventKind::h2d_queued).size() + of(limited, EventKind::reuse).size(),
            of(limited, EventKind::d2h_queued).size());
  EXPECT_THAT(limited, SatisfiesOrderingRules());
  expect_same_training([&](const SwapSetup& s) { return mlp_stack(4, 16, s); },
                       setup_with("knobs.flight1.train.*", o), 2,
                       [](int) { return torch::randn({4, 16}); });
}

TEST(SwapKnobs, ObserveCopiesNothingAndLogsWhatWouldBeSwappedWithItsBytes) {
  tswap::SwapOptions o = small();
  o.observe = true;
  const auto observed = record(4, setup_with("knobs.observe.*", o));
  EXPECT_TRUE(of(observed, EventKind::d2h_queued).empty());
  EXPECT_TRUE(of(observed, EventKind::swap_created).empty());
  // What a swapping run creates, layer by layer (all four layers: observe
  // logs the kept last layer too), in bytes.
  const auto swapped = record(4, setup_with("knobs.observe.ref.*", small()));
  std::map<int, std::uint64_t> would, did;
  for (const Event* e : of(observed, EventKind::kept)) {
    // Parameters and their views are kept as always.
    if (e->reason == static_cast<std::uint8_t>(tswap::trace::KeepReason::observed))
      would[e->layer] += e->value;
  }
  for (const Event* e : of(swapped, EventKind::swap_created)) did[e->layer] += e->value;
  EXPECT_EQ(would, did);
  EXPECT_EQ(would.size(), 4u);
  // Backward spans as when swapping, one per layer.
  EXPECT_EQ(per_layer(of(observed, EventKind::backward_enter)),
            per_layer(of(swapped, EventKind::backward_enter)));
  EXPECT_EQ(of(observed, EventKind::backward_exit).size(), 4u);
  expect_same_training([&](const SwapSetup& s) { return mlp_stack(4, 16, s); },
                       setup_with("knobs.observe.train.*", o), 2,
                       [](int) { return torch::randn({4, 16}); });
}

// Run by ctest as knobs.observe_from_environment, with TSWAP_OBSERVE=1
// (read once per process, so not in this process's other tests).
TEST(SwapKnobs, DISABLED_TheEnvironmentTurnsObserveOnForEveryContext) {
  ASSERT_STREQ(std::getenv("TSWAP_OBSERVE"), "1");
  const auto log = record(3, setup_with("knobs.env.*", small()));  // observe not set
  EXPECT_TRUE(of(log, EventKind::d2h_queued).empty());
  std::size_t observed = 0;
  for (const Event* e : of(log, EventKind::kept)) {
    observed += e->reason == static_cast<std::uint8_t>(tswap::trace::KeepReason::observed);
  }
  EXPECT_GT(observed, 0u);
  for (const Event* e : of(log, EventKind::step_begin)) {
    EXPECT_TRUE(tswap::trace::decode_schedule(e->value).observe);
  }
}

TEST(SwapKnobs, EachStepBeginSaysTheScheduleItRanWith) {
  tswap::SwapOptions o = small();
  o.prefetch_depth = 3;
  o.keep_last = 2;
  o.max_copies_in_flight = 7;
  const auto log = record(5, setup_with("knobs.schedule.*", o));
  const auto begins = of(log, EventKind::step_begin);
  ASSERT_EQ(begins.size(), 1u);
  const tswap::trace::StepSchedule s = tswap::trace::decode_schedule(begins[0]->value);
  EXPECT_TRUE(s.recorded);
  EXPECT_EQ(s.prefetch_depth, 3);
  EXPECT_EQ(s.keep_last, 2);
  EXPECT_EQ(s.max_copies_in_flight, 7);
  EXPECT_FALSE(s.observe);
  EXPECT_FALSE(tswap::trace::decode_schedule(0).recorded) << "a log from before the knobs";
  EXPECT_EQ(tswap::trace::decode_schedule(0).prefetch_depth, 1);
}

// Run by ctest as knobs.options_from_environment and knobs.bad_environment
// (the defaults read the environment once per process). models.cpp has
// set min_bytes 0 on top of them before main, so the environment's
// TSWAP_MIN_BYTES shows in a fresh SwapOptions-free context only through
// the other knobs; min_bytes is checked where models.cpp is not linked.
TEST(SwapKnobs, DISABLED_TheEnvironmentOverridesTheKnobsTheCodeSets) {
  const tswap::SwapOptions d = tswap::default_options();
  EXPECT_EQ(d.keep_last, 2);
  EXPECT_EQ(d.prefetch_depth, 0);
  EXPECT_EQ(d.max_copies_in_flight, 3);
  EXPECT_EQ(d.min_bytes, 4096u) << "over models.cpp's 0";
  EXPECT_EQ(tswap::SwapOptions{}.keep_last, 1) << "SwapOptions{} itself is unchanged";
  // Defaults set in code, and a context's own options, get them too.
  tswap::SwapOptions mine = small();
  mine.keep_last = 1;
  mine.prefetch_depth = 2;
  tswap::set_default_options(mine);
  EXPECT_EQ(tswap::default_options().keep_last, 2);
  EXPECT_EQ(tswap::default_options().prefetch_depth, 0);
  const auto log = record(5, setup_with("knobs.env.own.*", mine));
  const auto begins = of(log, EventKind::step_begin);
  ASSERT_EQ(begins.size(), 1u);
  EXPECT_EQ(tswap::trace::decode_schedule(begins[0]->value).keep_last, 2);
  EXPECT_EQ(tswap::trace::decode_schedule(begins[0]->value).prefetch_depth, 0);
}

TEST(SwapKnobs, DISABLED_ABadKnobInTheEnvironmentIsNamed) {
  EXPECT_THAT(error_of([] { tswap::default_options(); }),
              HasSubstr("TSWAP_KEEP_LAST=two is not a whole number from 1 to 2147483647"));
  EXPECT_THAT(error_of([] { tswap::SwapContext c("knobs.env.bad.*", small()); }),
              HasSubstr("TSWAP_KEEP_LAST=two is not a whole number"));
}

TEST(SwapKnobs, SettingsOutOfRangeAreRefusedWithWhatIsExpected) {
  tswap::SwapOptions o;
  o.keep_last = 0;
  EXPECT_THAT(error_of([&] { tswap::SwapContext c("knobs.bad.*", o); }),
              HasSubstr("SwapOptions::keep_last is 0; it counts a tag's last layers kept on the "
                        "device, 1 or more"));
  o = {};
  o.prefetch_depth = -1;
  EXPECT_THAT(error_of([&] { tswap::set_default_options(o); }),
              HasSubstr("SwapOptions::prefetch_depth is -1"));
  o = {};
  o.max_copies_in_flight = -2;
  EXPECT_THAT(error_of([&] { tswap::SwapContext c("knobs.bad.*", o); }),
              HasSubstr("SwapOptions::max_copies_in_flight is -2; 0 (no limit) or more"));
}

}  // namespace
}  // namespace tswap_test
