// The accelerator runtime's control flow, on a machine with no accelerator:
// c10's FakeGuardImpl keeps device and stream state for a PrivateUse1
// "device", wrapped by a guard that records every event record, stream wait,
// stream switch and record_stream. Tensors stay on the CPU, so copies are
// real and synchronous, and gradients can be compared too.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/core/impl/FakeGuardImpl.h>

#include <mutex>
#include <string>
#include <vector>

#include <tswap/accelerator_runtime.h>
#include <tswap/tswap.h>

#include "support/models.h"
#include "support/training.h"

namespace tswap_test {
namespace {

using ::testing::ElementsAreArray;

constexpr c10::DeviceType kFake = c10::DeviceType::PrivateUse1;

/// What the guard saw, in order ("record e1 on s0", "s1 waits e1", ...).
class GuardLog {
 public:
  void add(std::string line) {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> take() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    out.swap(lines_);
    next_event_ = 0;
    return out;
  }
  std::intptr_t new_event() {
    std::lock_guard<std::mutex> lock(mu_);
    return ++next_event_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::intptr_t next_event_ = 0;
};

GuardLog& guard_log() {
  static GuardLog log;
  return log;
}

std::string name(const c10::Stream& s) {
  return "s" + std::to_string(s.id());
}
std::string name(void* event) {
  return "e" + std::to_string(reinterpret_cast<std::intptr_t>(event));
}

class RecordingGuardImpl final : public c10::impl::DeviceGuardImplInterface {
 public:
  c10::DeviceType type() const override { return kFake; }
  c10::Device exchangeDevice(c10::Device d) const override { return fake_.exchangeDevice(d); }
  c10::Device getDevice() const override { return fake_.getDevice(); }
  void setDevice(c10::Device d) const override { fake_.setDevice(d); }
  void uncheckedSetDevice(c10::Device d) const noexcept override { fake_.uncheckedSetDevice(d); }
  c10::Stream getStream(c10::Device d) const noexcept override { return fake_.getStream(d); }
  c10::Stream exchangeStream(c10::Stream s) const noexcept override {
    guard_log().add("use " + name(s));
    return fake_.exchangeStream(s);
  }
  c10::Stream getStreamFromGlobalPool(c10::Device d, bool) const override {
    static std::atomic<c10::StreamId> next{1};
    return c10::Stream(c10::Stream::UNSAFE, d, next++);
  }
  c10::DeviceIndex deviceCount() const noexcept override { return 1; }
  void record(void** event, const c10::Stream& stream, const c10::DeviceIndex,
              const c10::EventFlag) const override {
    if (*event == nullptr) *event = reinterpret_cast<void*>(guard_log().new_event());
    guard_log().add("record " + name(*event) + " on " + name(stream));
  }
  void block(void* event, const c10::Stream& stream) const override {
    guard_log().add(name(stream) + " waits " + name(event));
  }
  bool queryEvent(void*) const override { return true; }
  void destroyEvent(void*, const c10::DeviceIndex) const noexcept override {}
  void recordDataPtrOnStream(const c10::DataPtr&, const c10::Stream& stream) const override {
    guard_log().add("keep memory for " + name(stream));
  }

 private:
  c10::impl::FakeGuardImpl<kFake> fake_;
};

C10_REGISTER_GUARD_IMPL(PrivateUse1, RecordingGuardImpl);

std::shared_ptr<tswap::AcceleratorRuntime> fake_runtime() {
  // Plain host buffers: pinned memory needs a real accelerator.
  return std::make_shared<tswap::AcceleratorRuntime>(c10::Device(kFake, 0), [](std::size_t n) {
    return at::empty({static_cast<int64_t>(n)}, at::kByte);
  });
}

TEST(AcceleratorRuntime, TakesTwoStreamsFromThePool) {
  auto rt = fake_runtime();
  EXPECT_EQ(rt->d2h_stream().device(), c10::Device(kFake, 0));
  EXPECT_NE(rt->d2h_stream(), rt->h2d_stream());
  EXPECT_NE(rt->d2h_stream().id(), 0) << "not the compute stream";
  EXPECT_EQ(rt->name(), "accelerator privateuseone:0");
  EXPECT_TRUE(rt->supports(c10::Device(kFake, 0)));
  EXPECT_FALSE(rt->supports(c10::Device(kFake, 1)));
  EXPECT_TRUE(rt->supports(c10::Device(c10::kCPU))) << "synchronous copies, used by these tests";
}

TEST(AcceleratorRuntime, StreamsWaitOnTheRightEventsInTheRightOrder) {
  auto rt = fake_runtime();
  const std::string d2h = name(rt->d2h_stream()), h2d = name(rt->h2d_stream());
  tswap::SwapOptions options;
  options.min_bytes = 0;  // the test tensors are a few KiB
  options.runtime = rt;
  tswap::SwapContext l0("accel.flow.*", options), l1("accel.flow.*", options),
      l2("accel.flow.*", options);
  auto w = torch::randn({64}, torch::requires_grad());
  tswap::reset_stats();
  guard_log().take();

  torch::Tensor h = torch::randn({64}) * w;
  {
    tswap::SwapScope s(l0);
    h = h.sin();  // saves its input; nothing else holds it after this line
  }
  {
    tswap::SwapScope s(l1);
    h = h.sin();  // releases layer 0 before saving
  }
  {
    tswap::SwapScope s(l2);
    h = h.sin();  // releases layer 1; layer 2 is the last and stays
  }
  const std::vector<std::string> forward = guard_log().take();
  h.sum().backward();
  const std::vector<std::string> backward = guard_log().take();

  // Each copy direction has one ordering event, recorded again for every
  // copy (e1 here); each copy's completion is an event of its own while the
  // engine holds it (core/event_pool.h).
  const std::vector<std::string> expected_forward = {
      // layer 0 saves x: the D2H stream starts after compute's work so far
      "record e1 on s0", d2h + " waits e1", "use " + d2h, "use s0", "keep memory for " + d2h,
      "record e2 on " + d2h,
      // layer 1 starts saving: compute waits for layer 0's copy, then frees it
      "s0 waits e2", "record e1 on s0", d2h + " waits e1", "use " + d2h, "use s0",
      "keep memory for " + d2h, "record e3 on " + d2h,
      // layer 2 (the last) starts saving: release layer 1; no copy of its own
      "s0 waits e3"};
  EXPECT_THAT(forward, ElementsAreArray(expected_forward));

  // (take() numbers new events from 1 again: the H2D ordering event is e1,
  // the forward's completions are still held by their swaps.)
  const std::vector<std::string> expected_backward = {
      // layer 2's unpack prefetches layer 1 on the H2D stream
      "record e1 on s0", h2d + " waits e1", "use " + h2d, "use s0", "keep memory for " + h2d,
      "record e2 on " + h2d,
      // layer 1's unpack: compute waits for its copy, then layer 0 is prefetched
      "s0 waits e2", "record e1 on s0", h2d + " waits e1", "use " + h2d, "use s0",
      "keep memory for " + h2d, "record e3 on " + h2d,
      // layer 0's unpack waits for its prefetched copy
      "s0 waits e3"};
  EXPECT_THAT(backward, ElementsAreArray(expected_backward));

  const auto c = tswap::stats().per_tag.at("accel.flow.*");
  EXPECT_EQ(c.tensors_swapped_out, 2u);
  EXPECT_EQ(c.releases, 2u);
  EXPECT_EQ(c.prefetches, 2u);
  EXPECT_EQ(c.tensors_swapped_in, 2u);
  EXPECT_EQ(c.resident_bytes, 0);
}

// Completion events go back to the pool when the engine lets go of them, so
// steps after the first make none: the pool holds the most a step holds at
// once (each swapped tensor's copy out and copy back, until its backward).
TEST(AcceleratorRuntime, CompletionEventsAreReusedAcrossSteps) {
  auto rt = fake_runtime();
  tswap::SwapOptions options;
  options.min_bytes = 0;
  options.runtime = rt;
  std::vector<std::unique_ptr<tswap::SwapContext>> layers;
  for (int i = 0; i < 4; ++i) layers.push_back(std::make_unique<tswap::SwapContext>("accel.pool.*", options));
  auto w = torch::randn({64}, torch::requires_grad());
  auto step = [&] {
    torch::Tensor h = w * 1.0;
    for (auto& layer : layers) {
      tswap::SwapScope s(*layer);
      h = h.sin().sin();
    }
    h.sum().backward();
  };
  tswap::reset_stats();
  step();
  const std::size_t after_one = rt->events_made();
  for (int i = 0; i < 4; ++i) step();
  const auto c = tswap::stats().per_tag.at("accel.pool.*");
  EXPECT_EQ(c.tensors_swapped_out, 5u * 3u * 2u) << "2 tensors in each of 3 layers, 5 steps";
  EXPECT_GT(after_one, 0u);
  EXPECT_LE(after_one, 2u * 3u * 2u) << "at most a copy out and a copy back per swapped tensor";
  EXPECT_EQ(rt->events_made(), after_one) << "later steps reuse the first step's events";
  EXPECT_LT(rt->events_made(), c.tensors_swapped_out + c.tensors_swapped_in);
}

TEST(AcceleratorRuntime, TrainingThroughItMatchesTheBaselineBitwise) {
  SwapSetup setup = SwapSetup::with("accel.train.*");
  setup.options = tswap::SwapOptions{};
  setup.options->min_bytes = 0;
  setup.options->runtime = fake_runtime();
  expect_same_training([](const SwapSetup& s) { return transformer_stack(3, 16, 2, s); }, setup, 3,
                       [](int step) {
                         return torch::randn({2, 6, 16}) * (1 + step);
                       });
  EXPECT_GT(tswap::stats().per_tag.at("accel.train.*").tensors_swapped_out, 0u);
  guard_log().take();
}

}  // namespace
}  // namespace tswap_test
