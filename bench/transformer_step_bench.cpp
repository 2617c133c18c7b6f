// A training step of the transformer sample's GPT (samples/transformer/gpt.h)
// with and without swapping, side by side.
//
// Each iteration runs one step of the plain model and one of the same model
// swapping every block ("model.layer.*", the default simulated runtime:
// real copies on its stream threads, unlimited link), from the same weights
// and the same batch, and times each; the losses must be bitwise equal (the
// benchmark stops otherwise). Pairing the two steps in one iteration keeps
// this shared machine's drift out of the ratio. Reported per size:
//   plain_ms, swap_ms   mean step times
//   ratio               sum of swap steps / sum of plain steps
//   saved_MiB           activations a step saves for backward (swapped run)
//   per_layer_ms        plain step time / layers: the compute a layer's
//                       copies have to hide behind
// Arguments: dim, seq, batch, layers. The sizes are ones where a layer's
// compute takes longer than copying what it saved. Every tensor is swapped,
// however small (TSWAP_MIN_BYTES=0 unless set): the most the engine can be
// asked to do per step.

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>

#include <tswap/tswap.h>

#include "../samples/transformer/gpt.h"

namespace {

gpt::Gpt make(const gpt::Config& c) {
  torch::manual_seed(7);
  return gpt::Gpt(c);
}

double step_ms(gpt::Gpt& model, const torch::Tensor& ids, torch::Tensor* loss_out) {
  const auto start = std::chrono::steady_clock::now();
  torch::Tensor loss = model->loss(ids);
  loss.backward();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  *loss_out = loss.detach();
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  return ms;
}

void BM_TransformerStep(benchmark::State& state) {
  gpt::Config c;
  c.dim = state.range(0);
  c.seq = state.range(1);
  const int64_t batch = state.range(2);
  c.layers = state.range(3);
  gpt::Gpt plain = make(c);
  c.swap = {gpt::kBlockTag};
  gpt::Gpt swapped = make(c);
  torch::manual_seed(11);
  const torch::Tensor ids = gpt::synthetic_batch(c, batch, torch::kCPU);

  double plain_total = 0, swap_total = 0;
  tswap::reset_stats();
  for (auto _ : state) {
    torch::Tensor a, b;
    plain_total += step_ms(plain, ids, &a);
    swap_total += step_ms(swapped, ids, &b);
    if (!torch::equal(a, b)) {
      state.SkipWithError("the swapped step's loss differs from the plain step's");
      return;
    }
  }
  const tswap::Stats s = tswap::stats();
  const double n = static_cast<double>(state.iterations());
  state.counters["plain_ms"] = plain_total / n;
  state.counters["swap_ms"] = swap_total / n;
  state.counters["ratio"] = swap_total / plain_total;
  state.counters["per_layer_ms"] = plain_total / n / static_cast<double>(c.layers);
  state.counters["saved_MiB"] = static_cast<double>(s.total.step_bytes_saved) / (1 << 20);
  state.counters["out_per_step"] = static_cast<double>(s.total.tensors_swapped_out) / n;
}

// dim, seq, batch, layers
BENCHMARK(BM_TransformerStep)
    ->Args({64, 32, 4, 6})
    ->Args({128, 32, 4, 6})
    ->Args({128, 64, 8, 4})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(4);

}  // namespace

int main(int argc, char** argv) {
  // One intra-op thread: the other core runs the simulated copy streams, as
  // a GPU's copy engines run beside its compute.
  at::set_num_threads(1);
  setenv("TSWAP_MIN_BYTES", "0", /*overwrite=*/0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
