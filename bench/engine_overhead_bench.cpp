// The engine's own cost per saved tensor, and where it goes.
//
// One training step (forward + backward) of `kLayers` layers, each running
// a chain of cheap element-wise ops on a 64-byte tensor, so that each op
// saves one tensor and the op itself costs little: what is left is the
// engine. Variants of the same step, side by side in one run:
//   plain        no tensorswap at all
//   kept         inside scopes, every tensor rejected by the predicate: the
//                hooks and a slot per saved tensor, nothing swapped
//   peer         no tensorswap: hooks that copy to host on pack and back on
//                unpack, nothing else (save_on_cpu's way; support/copy_peer.h)
//   inline       every tensor swapped through a runtime that copies at once
//                on the calling thread and whose events are born complete
//                (support/inline_runtime.h): the engine's bookkeeping and
//                allocations, with no stream, event or launch
//   accelerator  every tensor swapped through AcceleratorRuntime on a fake
//                device (tests/support/counting_guard.h: c10 streams and
//                events, copy_ under a stream guard; the copy itself is a
//                synchronous CPU memcpy): what the engine costs on a GPU
//                but for the driver's own calls
//   simulated    every tensor swapped through the simulated runtime with an
//                unlimited link: worker threads stand in for the streams
//   simulated_nospin  the same with SimulatedLink::idle_spin = 0 (a sleep
//                and a wake per copy: the runtime before idle spinning)
//   recorded     simulated, with a profiling session on (to /dev/null)
// at 10^2 .. 10^5 saved tensors per step. "per_tensor" is the step time
// divided by the saved tensors: flat across sizes means nothing grows
// quadratically; a variant minus plain is its cost per saved tensor.

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include <tswap/accelerator_runtime.h>
#include <tswap/profiler.h>
#include <tswap/simulated_runtime.h>
#include <tswap/tswap.h>

#include "support/copy_peer.h"
#include "support/counting_guard.h"
#include "support/inline_runtime.h"

namespace {

constexpr int kLayers = 10;

enum class Variant { plain, kept, peer, inline_copy, accelerator, simulated, simulated_nospin, recorded };

std::shared_ptr<tswap::Runtime> runtime_for(Variant variant) {
  switch (variant) {
    case Variant::inline_copy:
      return std::make_shared<tswap_bench::InlineRuntime>();
    case Variant::accelerator: {
      tswap::AcceleratorOptions o;
      o.host_allocator = [](std::size_t n) {
        return at::empty({static_cast<int64_t>(n)}, at::kByte);
      };
      o.time_device = false;
      o.sample_memory = false;
      return std::make_shared<tswap::AcceleratorRuntime>(c10::Device(tswap_test::kFakeDevice, 0),
                                                         o);
    }
    case Variant::simulated_nospin: {
      tswap::SimulatedLink link;
      link.idle_spin = std::chrono::nanoseconds(0);
      return std::make_shared<tswap::SimulatedRuntime>(link);
    }
    default:
      return std::make_shared<tswap::SimulatedRuntime>();  // unlimited link
  }
}

class Chain {
 public:
  Chain(Variant variant, int64_t saved_per_step)
      : ops_per_layer_(saved_per_step / kLayers), peer_(variant == Variant::peer) {
    if (variant == Variant::plain || variant == Variant::peer) return;
    tswap::SwapOptions options;
    options.min_bytes = 0;  // the benchmark measures per-tensor cost on small tensors
    options.runtime = runtime_for(variant);
    if (variant == Variant::kept) options.predicate = [](const at::Tensor&) { return false; };
    for (int i = 0; i < kLayers; ++i) {
      contexts_.push_back(std::make_unique<tswap::SwapContext>("bench.layer.*", options));
    }
  }

  void step(const torch::Tensor& weight) {
    std::optional<tswap_bench::PeerScope> peer;
    if (peer_) peer.emplace();
    torch::Tensor x = weight * 1.0;
    for (int layer = 0; layer < kLayers; ++layer) {
      std::optional<tswap::SwapScope> scope;
      if (!contexts_.empty()) scope.emplace(*contexts_[static_cast<size_t>(layer)]);
      for (int64_t op = 0; op < ops_per_layer_; ++op) x = x.sin();  // saves its input
    }
    peer.reset();
    x.sum().backward();
  }

 private:
  int64_t ops_per_layer_;
  bool peer_;
  std::vector<std::unique_ptr<tswap::SwapContext>> contexts_;
};

void run(benchmark::State& state, Variant variant) {
  const int64_t saved = state.range(0);
  Chain chain(variant == Variant::recorded ? Variant::simulated : variant, saved);
  if (variant == Variant::recorded) {
    tswap::profiler::SessionOptions options;
    options.path = "/dev/null";
    options.thread_buffer_records = 1 << 20;
    tswap::profiler::start_session(options);
  }
  const torch::Tensor weight = torch::randn({16}, torch::requires_grad());  // 64 bytes
  // One step before timing: a training run's steps after its first are
  // what counts (host buffers pooled, the schedule learned, the step's
  // indexes sized), and 10^5 tensors a step leaves time for one or two.
  chain.step(weight);
  weight.mutable_grad() = torch::Tensor();
  const std::uint64_t before = tswap::stats().total.tensors_swapped_out;
  for (auto _ : state) {
    chain.step(weight);
    weight.mutable_grad() = torch::Tensor();
  }
  const std::uint64_t after = tswap::stats().total.tensors_swapped_out;
  if (variant == Variant::recorded) {
    tswap::profiler::stop_session();
    state.counters["dropped"] =
        static_cast<double>(tswap::profiler::session_stats().records_dropped);
  }
  // Swapped out per step: checks that a swap variant swapped (all but the
  // last layer, keep_last = 1).
  state.counters["out_per_step"] =
      static_cast<double>(after - before) /
      static_cast<double>(state.iterations());
  state.counters["per_tensor"] =
      benchmark::Counter(static_cast<double>(saved), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

#define TSWAP_VARIANT(name, variant) \
  void name(benchmark::State& state) { run(state, variant); }
TSWAP_VARIANT(BM_Plain, Variant::plain)
TSWAP_VARIANT(BM_Kept, Variant::kept)
TSWAP_VARIANT(BM_Peer, Variant::peer)
TSWAP_VARIANT(BM_Inline, Variant::inline_copy)
TSWAP_VARIANT(BM_Accelerator, Variant::accelerator)
TSWAP_VARIANT(BM_Simulated, Variant::simulated)
TSWAP_VARIANT(BM_SimulatedNoSpin, Variant::simulated_nospin)
TSWAP_VARIANT(BM_Recorded, Variant::recorded)

#define TSWAP_SIZES \
  ->RangeMultiplier(10)->Range(100, 100000)->Unit(benchmark::kMillisecond)->UseRealTime()
BENCHMARK(BM_Plain) TSWAP_SIZES;
BENCHMARK(BM_Kept) TSWAP_SIZES;
BENCHMARK(BM_Peer) TSWAP_SIZES;
BENCHMARK(BM_Inline) TSWAP_SIZES;
BENCHMARK(BM_Accelerator) TSWAP_SIZES;
BENCHMARK(BM_Simulated) TSWAP_SIZES;
BENCHMARK(BM_SimulatedNoSpin) TSWAP_SIZES;
BENCHMARK(BM_Recorded) TSWAP_SIZES;

}  // namespace

int main(int argc, char** argv) {
  // One intra-op thread: the ops are tiny, and the simulated streams need
  // the second core.
  at::set_num_threads(1);
  // tensorswap's engine first (the first context installs it), then the
  // peer's on top, which hands every other thread's saves to tensorswap.
  { tswap::SwapContext install("bench.install.*"); }
  tswap_bench::install_peer_engine();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
