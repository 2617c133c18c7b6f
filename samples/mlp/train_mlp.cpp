// The smallest complete tensorswap program: an MLP whose blocks share one
// module tag, trained twice side by side from the same weights, without
// and with swapping. Prints each step's loss and time for both, whether
// they are bitwise equal, and what the swapper did.
//
//   tswap-sample-mlp --layers 8 --width 256 --steps 5
//   tswap-sample-mlp --help

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <tswap/tswap.h>

#include "../common/sample_support.h"

namespace {

struct Args {
  int layers = 8;
  int width = 256;
  int batch = 32;
  int steps = 5;
  std::string device = "auto";
  double bandwidth_gbps = 25;
  double latency_us = 10;
  sample::Knobs knobs;
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: tswap-sample-mlp [options]\n"
               "\n"
               "Trains an MLP of residual blocks (tag \"model.layer.*\") twice from the same\n"
               "weights, without and with tensorswap, and compares them step by step.\n"
               "\n"
               "  --layers N          blocks (default 8)\n"
               "  --width N           block width; the hidden layer is 4x (default 256)\n"
               "  --batch N           rows per step (default 32)\n"
               "  --steps N           training steps (default 5)\n"
               "  --device D          cpu, cuda or auto (default auto: cuda when available)\n"
               "  --bandwidth-gbps X  simulated link bandwidth on cpu, 0 = unlimited (default 25)\n"
               "  --latency-us X      simulated link latency per copy on cpu (default 10)\n"
               "%s"
               "  -h, --help          this text\n"
               "\n"
               "Exit status: 0 when every loss and gradient is bitwise equal, 1 when not,\n"
               "2 on bad arguments.\n",
               sample::kKnobsUsage);
}

constexpr const char* kProgram = "tswap-sample-mlp";

[[noreturn]] void bad(const std::string& message) {
  sample::bad(kProgram, message);
}

double number(const char* flag, const char* text, double min) {
  return sample::number(kProgram, flag, text, min);
}

Args parse(int argc, char** argv) {
  Args a;
  sample::parse_flags(kProgram, argc, argv, usage, [&](const std::string& flag, auto value) {
    if (flag == "--layers") {
      a.layers = static_cast<int>(number("--layers", value(), 2));
    } else if (flag == "--width") {
      a.width = static_cast<int>(number("--width", value(), 1));
    } else if (flag == "--batch") {
      a.batch = static_cast<int>(number("--batch", value(), 1));
    } else if (flag == "--steps") {
      a.steps = static_cast<int>(number("--steps", value(), 1));
    } else if (flag == "--device") {
      a.device = value();
      if (a.device != "cpu" && a.device != "cuda" && a.device != "auto") {
        bad("--device is cpu, cuda or auto, got '" + a.device + "'");
      }
    } else if (flag == "--bandwidth-gbps") {
      a.bandwidth_gbps = number("--bandwidth-gbps", value(), 0);
    } else if (flag == "--latency-us") {
      a.latency_us = number("--latency-us", value(), 0);
    } else if (sample::parse_knob(kProgram, flag, value, a.knobs)) {
    } else {
      return false;
    }
    return true;
  });
  return a;
}

/// x + fc2(gelu(fc1(x))). With `swap`, what its forward saves is swapped.
struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t width, bool swap)
      : fc1(register_module("fc1", torch::nn::Linear(width, 4 * width))),
        fc2(register_module("fc2", torch::nn::Linear(4 * width, width))) {
    if (swap) context = std::make_unique<tswap::SwapContext>("model.layer.*");
  }
  torch::Tensor forward(const torch::Tensor& x) {
    std::optional<tswap::SwapScope> scope;
    if (context) scope.emplace(*context);  // the one line a layer needs
    return x + fc2(torch::gelu(fc1(x)));
  }
  torch::nn::Linear fc1, fc2;
  std::unique_ptr<tswap::SwapContext> context;
};
TORCH_MODULE(Block);

struct Model {
  Model(const Args& a, bool swap, torch::Device device) {
    for (int i = 0; i < a.layers; ++i) {
      blocks.emplace_back(a.width, swap);
      blocks.back()->to(device);
    }
  }
  torch::Tensor loss(torch::Tensor x) {
    for (auto& b : blocks) x = b(x);
    return x.pow(2).mean();
  }
  std::vector<torch::Tensor> parameters() {
    std::vector<torch::Tensor> ps;
    for (auto& b : blocks) {
      for (auto& p : b->parameters()) ps.push_back(p);
    }
    return ps;
  }
  std::vector<Block> blocks;
};

struct Step {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;
  double ms = 0;
};

Step train_step(Model& model, const torch::Tensor& x, const torch::Device& device) {
  sample::synchronize(device);
  const auto start = std::chrono::steady_clock::now();
  Step s;
  s.loss = model.loss(x);
  s.loss.backward();
  sample::synchronize(device);
  s.ms = sample::ms_since(start);
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) {
    s.grads.push_back(p.grad().clone());
    p.sub_(0.01 * p.grad());
    p.mutable_grad().zero_();
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const bool cuda = args.device == "cuda" || (args.device == "auto" && torch::cuda::is_available());
  if (cuda && !torch::cuda::is_available())
    bad("--device cuda, but this LibTorch sees no CUDA device");
  const torch::Device device(cuda ? torch::kCUDA : torch::kCPU);

  const std::string link =
      sample::use_default_runtime(device, args.bandwidth_gbps, args.latency_us, args.knobs);

  torch::manual_seed(0);
  Model baseline(args, /*swap=*/false, device);
  torch::manual_seed(0);
  Model swapped(args, /*swap=*/true, device);

  std::printf(
      "tensorswap sample: MLP of %d residual blocks %d -> %d -> %d, batch %d, %d steps on %s "
      "(%s)\n\n",
      args.layers, args.width, 4 * args.width, args.width, args.batch, args.steps,
      device.str().c_str(), link.c_str());
  std::printf(
      "step  loss without swap  loss with swap   loss and grads  time without  time with\n");

  bool all_equal = true;
  std::vector<double> plain_ms, swap_ms;
  tswap::reset_stats();
  for (int step = 0; step < args.steps; ++step) {
    torch::manual_seed(100 + step);
    const torch::Tensor x = torch::randn({args.batch, args.width}).to(device);
    const Step a = train_step(baseline, x, device);
    const Step b = train_step(swapped, x, device);
    bool equal = sample::bitwise_equal(a.loss, b.loss);
    for (size_t i = 0; i < a.grads.size() && equal; ++i)
      equal = sample::bitwise_equal(a.grads[i], b.grads[i]);
    all_equal = all_equal && equal;
    plain_ms.push_back(a.ms);
    swap_ms.push_back(b.ms);
    std::printf("%4d  %15.8e  %15.8e  %14s  %9.2f ms  %6.2f ms\n", step, a.loss.item<double>(),
                b.loss.item<double>(), equal ? "bitwise equal" : "DIFFERENT", a.ms, b.ms);
  }

  const tswap::SwapCounters c = tswap::stats().per_tag.at("model.layer.*");
  std::sort(plain_ms.begin(), plain_ms.end());
  std::sort(swap_ms.begin(), swap_ms.end());
  const double per_step_saved = static_cast<double>(c.bytes_saved) / args.steps;
  std::printf("\nmedian step: %.2f ms without swapping, %.2f ms with (x%.2f)\n",
              plain_ms[plain_ms.size() / 2], swap_ms[swap_ms.size() / 2],
              swap_ms[swap_ms.size() / 2] / plain_ms[plain_ms.size() / 2]);
  std::printf(
      "saved activations per step: %.2f MiB, all resident until backward without swapping\n",
      sample::mib(per_step_saved));
  std::printf("peak resident with swapping: %.2f MiB (%.0f%% of that)\n",
              sample::mib(static_cast<double>(c.peak_resident_bytes)),
              100.0 * static_cast<double>(c.peak_resident_bytes) / per_step_saved);
  std::printf(
      "swapped out %llu storages (%.2f MiB), back in %llu (%llu prefetched), %llu held again "
      "without a copy\n",
      static_cast<unsigned long long>(c.tensors_swapped_out),
      sample::mib(static_cast<double>(c.bytes_swapped_out)),
      static_cast<unsigned long long>(c.tensors_swapped_in),
      static_cast<unsigned long long>(c.prefetches),
      static_cast<unsigned long long>(c.reused_without_copy));
  std::printf("releases %llu freed, %llu deferred; compute waited %.2f ms on copies\n",
              static_cast<unsigned long long>(c.releases),
              static_cast<unsigned long long>(c.deferred_releases),
              static_cast<double>(c.stall_ns) / 1e6);
  std::printf("\n%s\n", all_equal
                            ? "every loss and gradient is bitwise equal to the run without swapping"
                            : "MISMATCH: swapping changed a loss or gradient");
  return all_equal ? 0 : 1;
}
