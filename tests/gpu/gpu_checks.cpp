// Checks that need a CUDA device, run by scripts/gpu-checks.sh on a GPU
// machine. For each model: the run without swapping is repeated once to
// prove it deterministic, then training with swapping must be bitwise
// equal to it, the engine must hold nothing after backward, and the
// caching allocator's peak is reported for one step with and without
// swapping, side by side in one process.
//
//   tswap-gpu-checks [--quick] [--out results.md]
//
// Exit status: 0 all checks pass, 1 a check failed, 77 no CUDA device.

#include <torch/torch.h>

#include <c10/cuda/CUDACachingAllocator.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <tswap/tswap.h>

#include "support/models.h"

namespace {

using tswap_test::Stack;
using tswap_test::SwapSetup;

struct Config {
  std::string name;
  std::function<Stack(const SwapSetup&)> make;
  std::vector<int64_t> input;
  std::string tag;
};

std::int64_t allocated_peak() {
  // Index 0 is StatType::AGGREGATE in LibTorch 1.x and 2.x alike.
  return c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].peak;
}
std::int64_t allocated_now() {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].current;
}

struct StepOut {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;
  double ms = 0;
  std::int64_t peak_bytes = 0;  // above what was allocated before the step
};

StepOut step(Stack& model, const torch::Tensor& x, uint64_t seed) {
  torch::cuda::synchronize();
  const std::int64_t before = allocated_now();
  c10::cuda::CUDACachingAllocator::resetPeakStats(0);
  const auto start = std::chrono::steady_clock::now();
  torch::manual_seed(seed);
  StepOut out;
  out.loss = model->forward(x).pow(2).mean();
  out.loss.backward();
  torch::cuda::synchronize();
  out.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out.peak_bytes = allocated_peak() - before;
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) {
    out.grads.push_back(p.grad().clone());
    p.sub_(0.01 * p.grad());
    p.mutable_grad() = torch::Tensor();
  }
  out.loss = out.loss.detach();
  return out;
}

bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ca = a.contiguous().cpu(), cb = b.contiguous().cpu();
  return ca.sizes() == cb.sizes() && ca.dtype() == cb.dtype() &&
         std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

bool same_step(const StepOut& a, const StepOut& b) {
  if (!same_bits(a.loss, b.loss) || a.grads.size() != b.grads.size()) return false;
  for (size_t i = 0; i < a.grads.size(); ++i) {
    if (!same_bits(a.grads[i], b.grads[i])) return false;
  }
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Result {
  std::string name;
  bool deterministic = false, equal = false, nothing_left = false;
  std::int64_t peak_plain = 0, peak_swap = 0, engine_peak = 0;
  double ms_plain = 0, ms_swap = 0, stall_ms = 0;
};

Result run(const Config& c, int steps) {
  Result r;
  r.name = c.name;
  const torch::Device cuda(torch::kCUDA);
  torch::manual_seed(1);
  Stack plain = c.make(SwapSetup::none());
  plain->to(cuda);
  torch::manual_seed(1);
  Stack again = c.make(SwapSetup::none());
  again->to(cuda);
  torch::manual_seed(1);
  Stack swapped = c.make(SwapSetup::with(c.tag));
  swapped->to(cuda);

  tswap::reset_stats();
  r.deterministic = r.equal = r.nothing_left = true;
  std::vector<double> plain_ms, swap_ms;
  for (int s = 0; s < steps; ++s) {
    torch::manual_seed(500 + s);
    const torch::Tensor x = torch::randn(c.input).to(cuda);
    const StepOut a = step(plain, x, 900 + s);
    const StepOut b = step(again, x, 900 + s);
    const StepOut w = step(swapped, x, 900 + s);
    r.deterministic = r.deterministic && same_step(a, b);
    r.equal = r.equal && same_step(a, w);
    r.nothing_left = r.nothing_left && tswap::stats().per_tag.at(c.tag).resident_bytes == 0;
    if (s > 0) {  // step 0 warms up kernels and the allocator's cache
      plain_ms.push_back(a.ms);
      swap_ms.push_back(w.ms);
    }
    r.peak_plain = std::max(r.peak_plain, a.peak_bytes);
    r.peak_swap = std::max(r.peak_swap, w.peak_bytes);
  }
  const auto counters = tswap::stats().per_tag.at(c.tag);
  r.engine_peak = counters.peak_resident_bytes;
  r.stall_ms = static_cast<double>(counters.stall_ns) / 1e6;
  r.ms_plain = plain_ms.empty() ? 0 : median(plain_ms);
  r.ms_swap = swap_ms.empty() ? 0 : median(swap_ms);
  return r;
}

double mib(std::int64_t b) {
  return static_cast<double>(b) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      out_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: tswap-gpu-checks [--quick] [--out results.md]\n");
      return 2;
    }
  }
  if (!torch::cuda::is_available()) {
    std::printf("tswap-gpu-checks: no CUDA device visible, skipped\n");
    return 77;
  }
  // Bitwise comparisons need deterministic kernels.
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);

  const int steps = quick ? 2 : 4;
  std::vector<Config> configs = {
      {"mlp 8x1024",
       [](const SwapSetup& s) { return tswap_test::mlp_stack(8, 1024, s); },
       {quick ? 64 : 4096, 1024},
       "gpu.mlp.*"},
      {"transformer 4x256 seq 128",
       [](const SwapSetup& s) { return tswap_test::transformer_stack(4, 256, 8, s); },
       {4, 128, 256},
       "gpu.small_transformer.*"},
  };
  if (!quick) {
    configs.push_back(
        {"transformer 16x1024 seq 512 batch 8",
         [](const SwapSetup& s) { return tswap_test::transformer_stack(16, 1024, 16, s); },
         {8, 512, 1024},
         "gpu.transformer.*"});
  }

  std::ostringstream table;
  table << "| model | deterministic baseline | bitwise equal | engine empty after backward | "
           "peak without swap (MiB) | peak with swap (MiB) | ratio | engine peak resident (MiB) | "
           "step without (ms) | step with (ms) | ratio | compute stalls (ms) |\n"
        << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  bool ok = true;
  for (const Config& c : configs) {
    const Result r = run(c, steps);
    ok = ok && r.equal && r.nothing_left;
    char line[512];
    std::snprintf(line, sizeof line,
                  "| %s | %s | %s | %s | %.1f | %.1f | %.2f | %.1f | %.2f | %.2f | %.2f | %.2f |\n",
                  r.name.c_str(), r.deterministic ? "yes" : "NO", r.equal ? "yes" : "NO",
                  r.nothing_left ? "yes" : "NO", mib(r.peak_plain), mib(r.peak_swap),
                  r.peak_plain ? static_cast<double>(r.peak_swap) / r.peak_plain : 0.0,
                  mib(r.engine_peak), r.ms_plain, r.ms_swap,
                  r.ms_plain ? r.ms_swap / r.ms_plain : 0.0, r.stall_ms);
    table << line;
    std::printf("%s", line);
    std::fflush(stdout);
  }
  std::printf("\n%s\n", table.str().c_str());
  if (!out_path.empty()) std::ofstream(out_path) << table.str();
  std::printf("%s\n", ok ? "all GPU checks passed" : "GPU CHECK FAILED");
  return ok ? 0 : 1;
}
