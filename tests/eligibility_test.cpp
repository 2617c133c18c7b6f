// Which saved tensors are swapped, which stay, and how much is copied.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <tswap/runtime.h>
#include <tswap/tswap.h>

#include "support/errors.h"

namespace {

/// Two contexts of `tag` (so layer 0 is not the last and swaps); runs `body`
/// inside layer 0's scope and returns the tag's counters.
tswap::SwapCounters save_in_layer0(const std::string& tag, const std::function<void()>& body,
                                   std::optional<tswap::SwapOptions> options = std::nullopt) {
  auto make = [&] {
    return options ? std::make_unique<tswap::SwapContext>(tag, *options)
                   : std::make_unique<tswap::SwapContext>(tag);
  };
  auto layer0 = make();
  auto layer1 = make();
  {
    tswap::SwapScope scope(*layer0);
    body();
  }
  return tswap::stats().per_tag.at(tag);
}

torch::Tensor nonleaf(std::vector<int64_t> sizes) {
  return torch::randn(sizes, torch::requires_grad()) * 1.0;
}

TEST(Eligibility, ParametersAndTheirViewsStayOnTheDevice) {
  auto w = torch::randn({8, 8}, torch::requires_grad());  // a parameter
  auto x = nonleaf({4, 8});
  torch::Tensor y, z;
  const auto c = save_in_layer0("elig.params.*", [&] {
    y = x.mm(w.t());  // saves x and w.t(), a view of the parameter
    z = w.sin();      // saves w itself
  });
  EXPECT_EQ(c.tensors_saved, 3u);
  EXPECT_EQ(c.tensors_kept, 2u);
  EXPECT_EQ(c.tensors_swapped_out, 1u);
  EXPECT_EQ(c.bytes_swapped_out, 4u * 8 * sizeof(float));
}

TEST(Eligibility, EmptyTensorsStay) {
  auto x = nonleaf({0, 4});
  torch::Tensor y;
  const auto c = save_in_layer0("elig.empty.*", [&] { y = x.sin(); });
  EXPECT_EQ(c.tensors_saved, 1u);
  EXPECT_EQ(c.tensors_kept, 1u);
  EXPECT_EQ(c.tensors_swapped_out, 0u);
}

TEST(Eligibility, MinBytesAndPredicateAreHonoured) {
  tswap::SwapOptions options;
  options.min_bytes = 1024;
  options.predicate = [](const at::Tensor& t) { return t.dim() == 2; };
  auto small = nonleaf({4, 4});   // 64 bytes: below min_bytes
  auto flat = nonleaf({1024});    // 4 KiB but 1-D: predicate says no
  auto wide = nonleaf({16, 64});  // 4 KiB, 2-D: swapped
  torch::Tensor a, b, c2;
  const auto c = save_in_layer0(
      "elig.options.*",
      [&] {
        a = small.sin();
        b = flat.sin();
        c2 = wide.sin();
      },
      options);
  EXPECT_EQ(c.tensors_saved, 3u);
  EXPECT_EQ(c.tensors_kept, 2u);
  EXPECT_EQ(c.tensors_swapped_out, 1u);
  EXPECT_EQ(c.bytes_swapped_out, 16u * 64 * sizeof(float));
}

TEST(Eligibility, AStorageSavedTwiceIsCopiedOnce) {
  auto a = nonleaf({32, 32});
  torch::Tensor b;
  const auto c = save_in_layer0("elig.twice.*", [&] { b = a * a; });  // saves a as self and other
  EXPECT_EQ(c.tensors_saved, 2u);
  EXPECT_EQ(c.tensors_swapped_out, 1u);
  EXPECT_EQ(c.bytes_swapped_out, a.nbytes());
  EXPECT_EQ(c.bytes_saved, a.nbytes());
}

TEST(Eligibility, ViewsOfOneStorageShareTheirCopy) {
  auto a = nonleaf({16, 16});
  torch::Tensor b;
  // a and its transpose cover the same storage: one whole-storage copy.
  const auto c = save_in_layer0("elig.transpose.*", [&] { b = a.t() * a; });
  EXPECT_EQ(c.tensors_saved, 2u);
  EXPECT_EQ(c.tensors_swapped_out, 1u);
  EXPECT_EQ(c.bytes_swapped_out, a.nbytes());
}

TEST(Eligibility, NarrowViewsCopyOnlyTheirElements) {
  auto fused = nonleaf({8, 30});
  torch::Tensor y;
  const auto c = save_in_layer0("elig.narrow.*", [&] {
    auto parts = fused.chunk(3, 1);      // three views, each a third of the storage
    y = parts[0] * parts[1] * parts[2];  // saves views 0,1 then the product and view 2
  });
  EXPECT_EQ(c.tensors_saved, 4u);
  EXPECT_EQ(c.tensors_swapped_out, 4u);
  // Three thirds of `fused` plus the 8x10 product, nothing more.
  EXPECT_EQ(c.bytes_swapped_out, fused.nbytes() + 8u * 10 * sizeof(float));
}

TEST(Eligibility, ABroadcastViewCopiesItsSmallStorage) {
  auto row = nonleaf({1, 64});
  torch::Tensor y;
  const auto c = save_in_layer0("elig.expand.*", [&] {
    auto wide = row.expand({32, 64});  // stride 0: elements overlap
    y = wide.sin();
  });
  EXPECT_EQ(c.tensors_swapped_out, 1u);
  EXPECT_EQ(c.bytes_swapped_out, 64u * sizeof(float));
}

}  // namespace

namespace {

/// A runtime for no device at all: pack must refuse before using it.
class NowhereRuntime final : public tswap::Runtime {
 public:
  std::string name() const override { return "nowhere"; }
  bool supports(c10::Device) const override { return false; }
  at::Tensor allocate_host(std::size_t) override { throw std::logic_error("unused"); }
  tswap::EventPtr copy_to_host(const at::Tensor&, const at::Tensor&,
                               const tswap::CopyLabel&) override {
    throw std::logic_error("unused");
  }
  tswap::EventPtr copy_to_device(const at::Tensor&, const at::Tensor&,
                                 const tswap::CopyLabel&) override {
    throw std::logic_error("unused");
  }
  std::int64_t compute_wait(const tswap::EventPtr&) override { throw std::logic_error("unused"); }
};

TEST(Eligibility, ARuntimeThatCannotMoveTheTensorIsRefusedWithAMessage) {
  tswap::SwapOptions options;
  options.min_bytes = 0;
  options.runtime = std::make_shared<NowhereRuntime>();
  auto x = nonleaf({4, 4});
  const std::string message = tswap_test::error_of([&] {
    save_in_layer0(
        "elig.wrong_runtime.*", [&] { auto y = x.sin(); }, options);
  });
  EXPECT_THAT(message, ::testing::HasSubstr("the runtime of module tag 'elig.wrong_runtime.*' "
                                            "(nowhere) cannot move tensors on cpu"));
  // The failed save left nothing behind, and the engine still works.
  const auto c = tswap::stats().per_tag.at("elig.wrong_runtime.*");
  EXPECT_EQ(c.tensors_swapped_out, 0u);
  EXPECT_EQ(c.resident_bytes, 0);
  torch::Tensor y;
  EXPECT_EQ(save_in_layer0("elig.after_refusal.*", [&] { y = x.sin(); }).tensors_swapped_out, 1u);
}

}  // namespace
