#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include <tswap/accelerator_runtime.h>
#include <tswap/simulated_runtime.h>

#include "support/errors.h"

namespace {

using ::testing::HasSubstr;
using tswap_test::error_of;
using namespace std::chrono_literals;

TEST(SimulatedRuntime, CopiesOutAndBackAreExact) {
  tswap::SimulatedRuntime rt;
  const at::Tensor device = torch::randn({64, 33}, torch::kDouble);
  at::Tensor host = rt.allocate_host(device.nbytes()).view(at::kDouble).view({64, 33});
  rt.compute_wait(rt.copy_to_host(device, host, {}));
  EXPECT_TRUE(torch::equal(host, device));
  at::Tensor back = torch::empty_like(device);
  rt.compute_wait(rt.copy_to_device(host, back, {}));
  EXPECT_TRUE(torch::equal(back, device));
}

TEST(SimulatedRuntime, StridedViewsAreCopiedElementWise) {
  tswap::SimulatedRuntime rt;
  const at::Tensor base = torch::arange(40, torch::kFloat).view({8, 5});
  const at::Tensor column = base.select(1, 2);  // stride 5
  at::Tensor host = torch::empty({8});
  rt.compute_wait(rt.copy_to_host(column, host, {}));
  EXPECT_TRUE(torch::equal(host, column));
}

TEST(SimulatedRuntime, EachStreamRunsItsQueueInOrder) {
  tswap::SimulatedRuntime rt(tswap::SimulatedLink{0, 2ms});
  const at::Tensor src = torch::ones({16});
  std::vector<at::Tensor> hosts;
  std::vector<tswap::EventPtr> events;
  for (int i = 0; i < 8; ++i) {
    hosts.push_back(torch::zeros({16}));
    events.push_back(rt.copy_to_host(src * i, hosts.back(), {}));
  }
  rt.compute_wait(events.back());
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(events[i]->ready()) << "copy " << i << " queued before the last";
    EXPECT_EQ(hosts[i][0].item<float>(), static_cast<float>(i));
  }
}

TEST(SimulatedRuntime, QueuedCopiesKeepTheirTensorsAlive) {
  tswap::SimulatedRuntime rt(tswap::SimulatedLink{0, 5ms});
  at::Tensor host = torch::zeros({1024});
  tswap::EventPtr done;
  {
    at::Tensor device = torch::full({1024}, 3.0f);
    done = rt.copy_to_host(device, host, {});
  }  // the caller dropped the source before the copy ran
  rt.compute_wait(done);
  EXPECT_TRUE(torch::equal(host, torch::full({1024}, 3.0f)));
}

TEST(SimulatedRuntime, SynchronizeWaitsForBothStreams) {
  tswap::SimulatedRuntime rt(tswap::SimulatedLink{1e9, 1ms});
  at::Tensor a = torch::zeros({256}), b = torch::zeros({256});
  auto out = rt.copy_to_host(torch::ones({256}), a, {});
  auto in = rt.copy_to_device(torch::ones({256}), b, {});
  rt.synchronize();
  EXPECT_TRUE(out->ready());
  EXPECT_TRUE(in->ready());
}

TEST(SimulatedRuntime, RejectsANegativeLink) {
  EXPECT_THAT(error_of([] {
                tswap::SimulatedRuntime rt(tswap::SimulatedLink{-1, 0ns});
              }),
              HasSubstr("a simulated link needs bandwidth and latency >= 0"));
}

TEST(SimulatedRuntime, RejectsAnIdleSpinOutOfRange) {
  tswap::SimulatedLink link;
  link.idle_spin = -1ns;
  EXPECT_THAT(error_of([&] { tswap::SimulatedRuntime rt(link); }),
              HasSubstr("SimulatedLink::idle_spin must be between 0 and 10 ms, got -1 ns"));
  link.idle_spin = 11ms;
  EXPECT_THAT(error_of([&] { tswap::SimulatedRuntime rt(link); }),
              HasSubstr("SimulatedLink::idle_spin must be between 0 and 10 ms, got 11000000 ns"));
}

// Both hand-offs of Note [Simulated hand-offs] without the spin: a worker
// that sleeps between copies is woken by the next, and waiters that sleep
// on an event (here two threads on one slow copy) are woken by it.
TEST(SimulatedRuntime, WorkersAndWaitersThatSleepAreWoken) {
  tswap::SimulatedLink link{1e9, 1ms};
  link.idle_spin = 0ns;
  tswap::SimulatedRuntime rt(link);
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(1ms);  // the worker is asleep again by now
    at::Tensor host = torch::zeros({64});
    rt.compute_wait(rt.copy_to_host(torch::full({64}, static_cast<float>(i)), host, {}));
    EXPECT_TRUE(torch::equal(host, torch::full({64}, static_cast<float>(i)))) << "copy " << i;
  }
  // A copy long enough that the second thread is surely waiting too.
  tswap::SimulatedLink slow_link{1e9, 50ms};
  slow_link.idle_spin = 0ns;
  tswap::SimulatedRuntime slow(slow_link);
  at::Tensor host = torch::zeros({64});
  const tswap::EventPtr done = slow.copy_to_host(torch::ones({64}), host, {});
  std::int64_t other_waited = 0;
  std::thread other([&] { other_waited = slow.compute_wait(done); });
  const std::int64_t waited = slow.compute_wait(done);
  other.join();
  EXPECT_TRUE(done->ready());
  EXPECT_GT(waited, 0) << "the copy takes 50 ms: this thread slept on it";
  EXPECT_GT(other_waited, 0);
  EXPECT_TRUE(torch::equal(host, torch::ones({64})));
}

TEST(SimulatedRuntime, SupportsOnlyTheCpu) {
  tswap::SimulatedRuntime rt;
  EXPECT_TRUE(rt.supports(c10::Device(c10::kCPU)));
  EXPECT_FALSE(rt.supports(c10::Device(c10::kCUDA, 0)));
}

TEST(SimulatedRuntime, NamesItsLink) {
  EXPECT_EQ(tswap::SimulatedRuntime().name(), "simulated");
  EXPECT_EQ(tswap::SimulatedRuntime(tswap::SimulatedLink{25e9, 10us}).name(),
            "simulated 25 GB/s 10 us");
}

TEST(SimulatedRuntime, RejectsAnEventOfAnotherRuntime) {
  tswap::SimulatedRuntime a, b;
  auto event = a.copy_to_host(torch::ones({4}), torch::zeros({4}), {});
  a.compute_wait(event);
  EXPECT_NO_THROW(b.compute_wait(event)) << "another simulated runtime's event is still simulated";
  struct Foreign final : tswap::Event {
    bool ready() const override { return true; }
  };
  EXPECT_THAT(error_of([&] { b.compute_wait(std::make_shared<Foreign>()); }),
              HasSubstr("got an event of another runtime"));
}

TEST(AcceleratorRuntimeFactory, RefusesTheCpuWithAMessage) {
  EXPECT_THAT(error_of([] { tswap::accelerator_runtime(c10::Device(c10::kCPU)); }),
              HasSubstr("accelerator_runtime needs an accelerator device, got cpu"));
}

}  // namespace
