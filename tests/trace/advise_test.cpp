// trace::predict and trace::advise on profiles written by hand, every time
// and byte chosen (Note [Planning], profiler/trace/advise.cpp), and
// trace::profile on a hand-built log.

#include <gtest/gtest.h>

#include <tswap/trace/advise.h>

#include "log_builder.h"

namespace tswap::trace {
namespace {

/// One tag of `n` layers, one tensor of `bytes` each: layer l's forward
/// [100l, 100l+100), saved at 100l+10; backward from the top, 100 ns a
/// layer after the forward ends.
ProfiledLayer layer(const std::string& tag, int l, int n, std::uint64_t bytes) {
  ProfiledLayer p;
  p.tag = tag;
  p.layer = l;
  p.forward_begin = 100 * l;
  p.forward_end = 100 * l + 100;
  p.backward_begin = 100 * n + 100 * (n - 1 - l);
  p.backward_end = p.backward_begin + 100;
  p.tensors.push_back({0, bytes, 100 * l + 10});
  return p;
}

Profile one_tag(int n, std::uint64_t bytes, double bytes_per_ns) {
  Profile p;
  p.tags = {"t.*"};
  for (int l = 0; l < n; ++l) p.layers.push_back(layer("t.*", l, n, bytes));
  p.d2h_bytes_per_ns = p.h2d_bytes_per_ns = bytes_per_ns;
  p.step_ns = 200 * n;
  return p;
}

Plan swap_all(const Profile& p, int keep = 1, int depth = 1) {
  Plan plan;
  plan.swapped.insert(p.tags.begin(), p.tags.end());
  plan.keep_last = keep;
  plan.prefetch_depth = depth;
  return plan;
}

TEST(Predict, WithoutSwappingEveryTensorStaysUntilItsBackward) {
  const Profile p = one_tag(3, 1000, 1.0);
  const Prediction none = predict(p, Plan{});
  EXPECT_EQ(none.peak_bytes, 3000);
  EXPECT_EQ(none.swapped_peak_bytes, 0);
  EXPECT_EQ(none.stall_ns, 0u);
  EXPECT_EQ(none.bytes_out, 0u);
}

TEST(Predict, AFastLinkHidesEveryCopyAndHoldsAboutTwoLayers) {
  // 1000 B/ns: a copy takes 1 ns. Layer 0 out at 10-11, released at 110
  // (layer 1's save); layer 1 out at 110-111, released at 210; layer 2
  // kept. Backward: layer 2 at 300-400 brings layer 1 back (queued 300,
  // needed at 400), layer 1 brings layer 0 (400, needed at 500).
  const Profile p = one_tag(3, 1000, 1000.0);
  const Prediction s = predict(p, swap_all(p));
  EXPECT_EQ(s.stall_ns, 0u);
  EXPECT_EQ(s.peak_bytes, 2000);
  EXPECT_EQ(s.swapped_peak_bytes, 2000);
  EXPECT_EQ(s.bytes_out, 2000u);
  EXPECT_EQ(s.bytes_back, 2000u);
}

TEST(Predict, ASlowLinkMakesComputeWaitAndEveryWaitDelaysWhatFollows) {
  // 1 B/ns: a copy takes 1000 ns. Layer 0's copy (10-1010) holds up its
  // release at 110: 900 ns. Layer 1's copy, queued at 1010 behind it,
  // ends at 2010; its release at 210 + 900 = 1110 waits 900. Backward
  // (shifted 1800): layer 1 comes back from 2100 to 3100, needed at 2200:
  // 900; layer 0 from 3100 to 4100 (queued at 2300+900 behind it), needed
  // at 3200: 900.
  const Profile p = one_tag(3, 1000, 1.0);
  const Prediction s = predict(p, swap_all(p));
  EXPECT_EQ(s.stall_ns, 3600u);
  ASSERT_EQ(s.stall_per_tag.size(), 1u);
  EXPECT_EQ(s.stall_per_tag[0].second, 3600u);
  // On demand, each copy back starts at its use: 1000 ns each.
  const Prediction on_demand = predict(p, swap_all(p, 1, 0));
  EXPECT_EQ(on_demand.stall_ns, 1800u + 2000u);
}

TEST(Predict, KeepingMoreLastLayersMovesLessAndHoldsMore) {
  // Keeping 2 of 4: layers 2 and 3 both resident when 3 saves (2000 B), as
  // much as keep 1 holds in backward (layer 3 and layer 2 coming back);
  // keeping 3 holds layers 1-3 at the end of forward.
  const Profile p = one_tag(4, 1000, 1000.0);
  const Prediction keep1 = predict(p, swap_all(p, 1));
  const Prediction keep2 = predict(p, swap_all(p, 2));
  const Prediction keep3 = predict(p, swap_all(p, 3));
  EXPECT_EQ(keep1.bytes_out, 3000u);
  EXPECT_EQ(keep2.bytes_out, 2000u);
  EXPECT_EQ(keep3.bytes_out, 1000u);
  EXPECT_EQ(keep1.peak_bytes, 2000);
  EXPECT_EQ(keep2.peak_bytes, 2000);
  EXPECT_EQ(keep3.peak_bytes, 3000);
  // On demand, nothing comes back early: one layer at a time.
  EXPECT_EQ(predict(p, swap_all(p, 1, 0)).peak_bytes, 1000);
}

TEST(Predict, AnUnswappedInnerTagsTensorsAreSavedInItsSwappedOuterLayer) {
  // Tag "in.*" runs inside each layer of "out.*": with only the outer tag
  // swapped, the inner tensors are the outer layer's and go with it.
  Profile p = one_tag(3, 1000, 1000.0);
  p.tags = {"out.*", "in.*"};
  for (auto& l : p.layers) l.tag = "out.*";
  for (int l = 0; l < 3; ++l) {
    ProfiledLayer in = layer("in.*", l, 3, 500);
    in.forward_begin += 20;
    in.forward_end -= 20;
    in.tensors[0].saved_ns += 20;
    in.enclosing_tag = "out.*";
    in.enclosing_layer = l;
    p.layers.push_back(in);
  }
  Plan outer;
  outer.swapped = {"out.*"};
  const Prediction s = predict(p, outer);
  EXPECT_EQ(s.bytes_out, 3000u) << "layers 0 and 1 of out.*, 1500 B each";
  EXPECT_EQ(s.peak_bytes, s.swapped_peak_bytes) << "nothing left outside the engine";
  Plan inner;
  inner.swapped = {"in.*"};
  const Prediction i = predict(p, inner);
  EXPECT_EQ(i.bytes_out, 1000u) << "layers 0 and 1 of in.*, 500 B each";
  EXPECT_EQ(i.peak_bytes - i.swapped_peak_bytes, 3000) << "out.*'s tensors stay";
}

TEST(Advise, AFastLinkSwapsEverythingItMayAndAPeakTooLowIsSaidToBe) {
  const Profile p = one_tag(4, 1000, 1000.0);
  const Advice a = advise(p, 2500);
  // No plan stalls: the one that moves the fewest bytes under 2500 B keeps
  // 2 layers (2000 B; keeping 3 holds 3000).
  ASSERT_TRUE(a.budget_met);
  EXPECT_EQ(a.plan.swapped, std::set<std::string>{"t.*"});
  EXPECT_EQ(a.plan.keep_last, 2);
  EXPECT_EQ(a.prediction.stall_ns, 0u);
  EXPECT_EQ(a.prediction.peak_bytes, 2000);
  EXPECT_EQ(a.prediction.bytes_out, 2000u);
  EXPECT_EQ(a.without_swapping.peak_bytes, 4000);
  const Advice impossible = advise(p, 500);
  EXPECT_FALSE(impossible.budget_met);
  EXPECT_EQ(impossible.lowest_reachable_peak, 1000) << "on demand, a layer at a time";
  EXPECT_EQ(impossible.plan.prefetch_depth, 0);
  EXPECT_EQ(impossible.prediction.peak_bytes, 1000);
}

TEST(Advise, ASlowLinkSwapsOnlyWhatTheBudgetNeeds) {
  // Two tags of 4 layers; b.* is small. Under a budget that b.* alone can
  // stay within unswapped, the advice swaps a.* only: b.*'s copies would
  // only add stall.
  Profile p = one_tag(4, 1000, 1.0);
  p.tags = {"a.*", "b.*"};
  for (auto& l : p.layers) l.tag = "a.*";
  for (int l = 0; l < 4; ++l) {
    ProfiledLayer b = layer("b.*", l, 4, 100);
    b.tensors[0].saved_ns += 5;
    p.layers.push_back(b);
  }
  const Advice a = advise(p, 3000);
  ASSERT_TRUE(a.budget_met);
  EXPECT_EQ(a.plan.swapped, std::set<std::string>{"a.*"});
  EXPECT_LE(a.prediction.peak_bytes, 3000);
  for (const auto& [plan, prediction] : a.runners_up) {
    EXPECT_GE(prediction.stall_ns, a.prediction.stall_ns) << describe(plan);
  }
}

TEST(Profile, ReadsEachLayersWindowsTensorsAndTheLinkFromALog) {
  using tswap_test::rec;
  tswap_test::LogBuilder b;
  b.standard_names().records(
      1, {rec(EventKind::step_begin, 0, 0, 0, 0, 0),
          rec(EventKind::layer_enter, 100, 0, 0, 0, 0),
          rec(EventKind::swap_created, 110, 0, 0, 4096, 0),
          rec(EventKind::d2h_queued, 110, 0, 0, 4096, 1),
          rec(EventKind::d2h_start, 110, 0, 0, 4096, 1),
          rec(EventKind::d2h_done, 150, 0, 0, 4096, 1),
          rec(EventKind::layer_exit, 200, 0, 0, 0, 0),
          rec(EventKind::layer_enter, 200, 1, 0, 0, 0),
          rec(EventKind::swap_created, 210, 1, 0, 2048, 0),
          rec(EventKind::layer_exit, 300, 1, 0, 0, 0),
          rec(EventKind::backward_enter, 300, 1, 0, 0, 0),
          rec(EventKind::h2d_queued, 320, 0, 0, 4096, 2, kFlagPrefetch),
          rec(EventKind::h2d_start, 320, 0, 0, 4096, 2, kFlagPrefetch),
          rec(EventKind::h2d_done, 340, 0, 0, 4096, 2, kFlagPrefetch),
          rec(EventKind::backward_exit, 400, 1, 0, 0, 0),
          rec(EventKind::backward_enter, 400, 0, 0, 0, 0),
          rec(EventKind::backward_exit, 500, 0, 0, 0, 0)});
  b.end(18);
  const Profile p = profile(b.parse("profile.tswap"));
  ASSERT_EQ(p.layers.size(), 2u);
  EXPECT_EQ(p.origin_ns, 100u) << "the step's first layer_enter, on the log's clock";
  EXPECT_EQ(p.layers[0].forward_begin, 0);
  EXPECT_EQ(p.layers[0].forward_end, 100);
  EXPECT_EQ(p.layers[0].backward_begin, 300);
  EXPECT_EQ(p.layers[0].backward_end, 400);
  ASSERT_EQ(p.layers[0].tensors.size(), 1u);
  EXPECT_EQ(p.layers[0].tensors[0].bytes, 4096u);
  EXPECT_EQ(p.layers[0].tensors[0].saved_ns, 10);
  EXPECT_EQ(p.layers[1].bytes(), 2048u);
  EXPECT_TRUE(p.link_measured);
  EXPECT_DOUBLE_EQ(p.d2h_bytes_per_ns, 4096.0 / 40);
  EXPECT_DOUBLE_EQ(p.h2d_bytes_per_ns, 4096.0 / 20);
  EXPECT_EQ(p.measured_stall_ns, std::optional<std::uint64_t>(0));
}

TEST(Profile, ALogWithoutBackwardSpansOrALinkRateSaysWhatIsMissing) {
  using tswap_test::rec;
  tswap_test::LogBuilder b;
  b.standard_names().records(1, {rec(EventKind::layer_enter, 100, 0, 0, 0, 0),
                                 rec(EventKind::swap_created, 110, 0, 0, 4096, 0),
                                 rec(EventKind::layer_exit, 200, 0, 0, 0, 0)});
  b.end(3);
  try {
    profile(b.parse("no_backward.tswap"));
    ADD_FAILURE() << "profiled";
  } catch (const AdviseError& e) {
    EXPECT_NE(std::string(e.what()).find("has no complete step"), std::string::npos) << e.what();
  }
  tswap_test::LogBuilder o;
  o.standard_names().records(
      1, {rec(EventKind::layer_enter, 100, 0, 0, 0, 0),
          rec(EventKind::kept, 110, 0, 0, 4096, 0, 0, static_cast<std::uint8_t>(KeepReason::observed)),
          rec(EventKind::layer_exit, 200, 0, 0, 0, 0),
          rec(EventKind::backward_enter, 300, 0, 0, 0, 0),
          rec(EventKind::backward_exit, 400, 0, 0, 0, 0)});
  o.end(5);
  try {
    profile(o.parse("observed.tswap"));
    ADD_FAILURE() << "profiled";
  } catch (const AdviseError& e) {
    EXPECT_NE(std::string(e.what()).find("an observe-mode log copied nothing to measure the link "
                                         "from: give its rate with --link GB/s"),
              std::string::npos)
        << e.what();
  }
  const Profile with_link = profile(o.parse("observed.tswap"), 2.0);
  EXPECT_TRUE(with_link.observed);
  EXPECT_FALSE(with_link.link_measured);
  EXPECT_DOUBLE_EQ(with_link.d2h_bytes_per_ns, 2.0);
  EXPECT_FALSE(with_link.measured_stall_ns.has_value());
}

}  // namespace
}  // namespace tswap::trace
