// The engine's own cost per saved tensor.
//
// One training step (forward + backward) of `kLayers` layers, each running
// a chain of cheap element-wise ops on a 64-byte tensor, so that each op
// saves one tensor and the op itself costs little: what is left is the
// engine. Three variants of the same step, side by side:
//   plain  no tensorswap at all
//   kept   inside scopes, every tensor rejected by the predicate (hooks only)
//   swap   inside scopes, every tensor swapped through the simulated runtime
//          with an unlimited link (copies are plain memcpys, no modelled time)
//   swap_recorded  the same with a profiling session on (written to /dev/null)
// at 10^2 .. 10^5 saved tensors per step. "per_tensor" is the step time
// divided by the saved tensors: flat across sizes means nothing grows
// quadratically; swap minus plain is the engine's cost per saved tensor.

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/simulated_runtime.h>
#include <tswap/tswap.h>

namespace {

constexpr int kLayers = 10;

enum class Variant { plain, kept, swap, swap_recorded };

class Chain {
 public:
  Chain(Variant variant, int64_t saved_per_step) : ops_per_layer_(saved_per_step / kLayers) {
    if (variant == Variant::plain) return;
    tswap::SwapOptions options;
    options.min_bytes = 0;  // the benchmark measures per-tensor cost on small tensors
    options.runtime = std::make_shared<tswap::SimulatedRuntime>();  // unlimited link
    if (variant == Variant::kept) options.predicate = [](const at::Tensor&) { return false; };
    for (int i = 0; i < kLayers; ++i) {
      contexts_.push_back(std::make_unique<tswap::SwapContext>("bench.layer.*", options));
    }
  }

  void step(const torch::Tensor& weight) {
    torch::Tensor x = weight * 1.0;
    for (int layer = 0; layer < kLayers; ++layer) {
      std::optional<tswap::SwapScope> scope;
      if (!contexts_.empty()) scope.emplace(*contexts_[static_cast<size_t>(layer)]);
      for (int64_t op = 0; op < ops_per_layer_; ++op) x = x.sin();  // saves its input
    }
    x.sum().backward();
  }

 private:
  int64_t ops_per_layer_;
  std::vector<std::unique_ptr<tswap::SwapContext>> contexts_;
};

void run(benchmark::State& state, Variant variant) {
  const int64_t saved = state.range(0);
  Chain chain(variant == Variant::swap_recorded ? Variant::swap : variant, saved);
  if (variant == Variant::swap_recorded) {
    tswap::profiler::SessionOptions options;
    options.path = "/dev/null";
    options.thread_buffer_records = 1 << 20;
    tswap::profiler::start_session(options);
  }
  const torch::Tensor weight = torch::randn({16}, torch::requires_grad());  // 64 bytes
  for (auto _ : state) {
    chain.step(weight);
    weight.mutable_grad() = torch::Tensor();
  }
  if (variant == Variant::swap_recorded) {
    tswap::profiler::stop_session();
    state.counters["dropped"] =
        static_cast<double>(tswap::profiler::session_stats().records_dropped);
  }
  state.counters["saved_per_step"] = static_cast<double>(saved);
  state.counters["per_tensor"] =
      benchmark::Counter(static_cast<double>(saved), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_Plain(benchmark::State& state) {
  run(state, Variant::plain);
}
void BM_Kept(benchmark::State& state) {
  run(state, Variant::kept);
}
void BM_SwapRecorded(benchmark::State& state) {
  run(state, Variant::swap_recorded);
}
void BM_Swap(benchmark::State& state) {
  run(state, Variant::swap);
}

#define TSWAP_SIZES \
  ->RangeMultiplier(10)->Range(100, 100000)->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Plain) TSWAP_SIZES;
BENCHMARK(BM_Kept) TSWAP_SIZES;
BENCHMARK(BM_Swap) TSWAP_SIZES;
BENCHMARK(BM_SwapRecorded) TSWAP_SIZES;

}  // namespace

int main(int argc, char** argv) {
  // One intra-op thread: the ops are tiny, and the simulated streams need
  // the second core.
  at::set_num_threads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
