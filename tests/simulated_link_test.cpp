// The simulated link's model holds for small copies as well as large ones:
// docs/engine.md tells users the simulated runtime's timelines look like a
// PCIe link's, which is only true if a 4 KiB copy takes about its latency.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <vector>

#include <tswap/simulated_runtime.h>
#include <tswap/testing.h>

namespace {

using namespace std::chrono_literals;

/// Copies `bytes` out `n` times, one after the other; returns each copy's
/// logged duration (d2h_start to d2h_done on the copy stream), sorted.
std::vector<std::int64_t> copy_durations(tswap::SimulatedRuntime& rt, std::size_t bytes, int n) {
  tswap::testing::RecordedRun run;
  const at::Tensor device = torch::ones({static_cast<std::int64_t>(bytes)}, torch::kByte);
  for (int i = 0; i < n; ++i) {
    at::Tensor host = rt.allocate_host(bytes);
    rt.compute_wait(rt.copy_to_host(device, host, {}));
  }
  const tswap::trace::Trace log = run.stop();
  std::vector<std::int64_t> out;
  std::int64_t started = -1;
  for (const tswap::trace::Event& e : log.events()) {
    if (e.event_kind() == tswap::trace::EventKind::d2h_start) {
      started = static_cast<std::int64_t>(e.host_ns);
    } else if (e.event_kind() == tswap::trace::EventKind::d2h_done && started >= 0) {
      out.push_back(static_cast<std::int64_t>(e.host_ns) - started);
      started = -1;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t median(const std::vector<std::int64_t>& sorted) {
  return sorted.empty() ? -1 : sorted[sorted.size() / 2];
}

TEST(SimulatedLink, SmallAndLargeCopiesTakeTheirModelledTime) {
  // 4 KiB over a PCIe-like link: the latency is the whole of it. 4 MiB over
  // a slow link: the bandwidth is (and the memcpy itself, about 1 ms here,
  // stays well inside the modelled 4.2 ms).
  tswap::SimulatedRuntime fast(tswap::SimulatedLink{25e9, 10us});
  tswap::SimulatedRuntime slow(tswap::SimulatedLink{1e9, 10us});
  const std::size_t small = 4096, large = 4u << 20;
  const auto model = [](std::size_t bytes, double bytes_per_second) {
    return static_cast<std::int64_t>(10'000 + static_cast<double>(bytes) * 1e9 / bytes_per_second);
  };

  const std::vector<std::int64_t> s = copy_durations(fast, small, 41);
  const std::vector<std::int64_t> l = copy_durations(slow, large, 5);
  ASSERT_EQ(s.size(), 41u);
  ASSERT_EQ(l.size(), 5u);

  // Never faster than the model; the median within 2x of it for small
  // copies (a plain sleep made them 5x) and within 10% for large ones.
  const std::int64_t small_model = model(small, 25e9), large_model = model(large, 1e9);
  std::printf("4 KiB at 25 GB/s + 10 us: median %lld ns, model %lld ns; 4 MiB at 1 GB/s + 10 us: "
              "median %lld ns, model %lld ns\n",
              static_cast<long long>(median(s)), static_cast<long long>(small_model),
              static_cast<long long>(median(l)), static_cast<long long>(large_model));
  EXPECT_GE(s.front(), small_model);
  EXPECT_LE(median(s), 2 * small_model) << "small copies: modelled " << small_model << " ns";
  EXPECT_GE(l.front(), large_model);
  EXPECT_LE(median(l), large_model * 11 / 10) << "large copies: modelled " << large_model << " ns";
}

}  // namespace
