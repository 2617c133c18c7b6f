// The C++ rows of bench/python_peers_bench.py: the same model, weights and
// input as the Python script, one training step (forward + backward) per
// iteration, without tensorswap and with it, so the script can put
// "tensorswap from C++" beside its Python variants (it runs this program
// with --benchmark_format=json and reads the counters).
//
// The model: `layers` residual blocks x + fc2(gelu(fc1(x))), width -> 4 width
// -> width, on a `batch` x `width` input; loss = output.sum(). Weights and the
// input come from one CPU generator seeded with `seed`, drawn in the same
// order as the script draws them (per layer: fc1.weight, fc1.bias,
// fc2.weight, fc2.bias; then the input), so both processes train the same
// numbers; the gradient checksums (grad_sum, grad_abs_sum) let the script
// check that they do.
//
// Benchmarks (each `steps` iterations after `warmup` untimed steps):
//   peers/none        no tensorswap
//   peers/kept        inside scopes, every tensor kept by the predicate (hooks only)
//   peers/tensorswap  inside scopes, every eligible tensor swapped through the
//                     simulated runtime (the process-wide one: unlimited link),
//                     min_bytes 0, prefetch_depth 1, keep_last 1
//
//   tswap-bench-python-peers --layers 32 --width 16 --batch 4 --steps 200 --benchmark_format=json

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tswap/tswap.h>

namespace {

struct Shape {
  int64_t layers = 32;
  int64_t width = 16;
  int64_t batch = 4;
  int64_t steps = 200;
  int64_t warmup = 5;
  uint64_t seed = 0;
};
Shape g_shape;

enum class Variant { none, kept, tensorswap };

struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t width, at::Generator& gen)
      : fc1(register_module("fc1", torch::nn::Linear(width, 4 * width))),
        fc2(register_module("fc2", torch::nn::Linear(4 * width, width))) {
    torch::NoGradGuard no_grad;
    // The script's init, draw for draw: randn / sqrt(fan_in), biases randn * 0.1.
    fc1->weight.copy_(torch::randn({4 * width, width}, gen) * (1.0 / std::sqrt(double(width))));
    fc1->bias.copy_(torch::randn({4 * width}, gen) * 0.1);
    fc2->weight.copy_(torch::randn({width, 4 * width}, gen) *
                      (1.0 / std::sqrt(double(4 * width))));
    fc2->bias.copy_(torch::randn({width}, gen) * 0.1);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    std::optional<tswap::SwapScope> scope;
    if (context) scope.emplace(*context);
    return x + fc2(torch::gelu(fc1(x)));
  }
  torch::nn::Linear fc1, fc2;
  std::unique_ptr<tswap::SwapContext> context;
};
TORCH_MODULE(Block);

struct Model {
  explicit Model(Variant variant) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(g_shape.seed);
    for (int64_t i = 0; i < g_shape.layers; ++i) blocks.emplace_back(g_shape.width, gen);
    input = torch::randn({g_shape.batch, g_shape.width}, gen);
    if (variant == Variant::none) return;
    tswap::SwapOptions options = tswap::default_options();
    options.min_bytes = 0;  // tiny tensors too: the per-tensor cost is the point
    options.prefetch_depth = 1;
    options.keep_last = 1;
    if (variant == Variant::kept) options.predicate = [](const at::Tensor&) { return false; };
    for (auto& b : blocks) b->context = std::make_unique<tswap::SwapContext>("model.layer.*", options);
  }

  void step() {
    for (auto& b : blocks) {
      for (auto& p : b->parameters()) p.mutable_grad() = torch::Tensor();
    }
    torch::Tensor x = input;
    for (auto& b : blocks) x = b->forward(x);
    x.sum().backward();
  }

  std::vector<Block> blocks;
  torch::Tensor input;
};

void run(benchmark::State& state, Variant variant) {
  Model model(variant);
  for (int64_t i = 0; i < g_shape.warmup; ++i) model.step();
  tswap::reset_stats();
  for (auto _ : state) model.step();
  const tswap::SwapCounters c = tswap::stats().total;
  const double steps = static_cast<double>(state.iterations());

  double grad_sum = 0, grad_abs_sum = 0;  // of the last step's gradients, in order
  for (auto& b : model.blocks) {
    for (auto& p : b->parameters()) {
      const at::Tensor g = p.grad().to(at::kDouble);
      grad_sum += g.sum().item<double>();
      grad_abs_sum += g.abs().sum().item<double>();
    }
  }
  state.counters["layers"] = static_cast<double>(g_shape.layers);
  state.counters["width"] = static_cast<double>(g_shape.width);
  state.counters["batch"] = static_cast<double>(g_shape.batch);
  state.counters["tensors_saved_per_step"] = static_cast<double>(c.tensors_saved) / steps;
  state.counters["tensors_swapped_out_per_step"] = static_cast<double>(c.tensors_swapped_out) / steps;
  state.counters["tensors_swapped_in_per_step"] = static_cast<double>(c.tensors_swapped_in) / steps;
  state.counters["bytes_swapped_out_per_step"] = static_cast<double>(c.bytes_swapped_out) / steps;
  state.counters["stall_ns_per_step"] = static_cast<double>(c.stall_ns) / steps;
  state.counters["grad_sum"] = grad_sum;
  state.counters["grad_abs_sum"] = grad_abs_sum;
}

[[noreturn]] void bad(const std::string& message) {
  std::fprintf(stderr, "tswap-bench-python-peers: %s (--help for usage)\n", message.c_str());
  std::exit(2);
}

int64_t number(const char* flag, const char* text, int64_t min) {
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || v < min) {
    bad(std::string(flag) + " takes a whole number >= " + std::to_string(min) + ", got '" + text + "'");
  }
  return v;
}

void usage() {
  std::printf(
      "usage: tswap-bench-python-peers [--layers N] [--width N] [--batch N] [--steps N]\n"
      "                                [--warmup N] [--seed N] [--benchmark_* flags]\n"
      "\n"
      "One training step of the Python peers benchmark's model per iteration, without\n"
      "tensorswap (peers/none), with scopes whose predicate keeps everything\n"
      "(peers/kept) and swapping (peers/tensorswap). bench/python_peers_bench.py runs\n"
      "it; defaults: --layers 32 --width 16 --batch 4 --steps 200 --warmup 5 --seed 0.\n");
}

void parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      usage();
      std::exit(0);
    }
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) bad(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--layers") {
      g_shape.layers = number("--layers", value(), 1);
    } else if (flag == "--width") {
      g_shape.width = number("--width", value(), 1);
    } else if (flag == "--batch") {
      g_shape.batch = number("--batch", value(), 1);
    } else if (flag == "--steps") {
      g_shape.steps = number("--steps", value(), 1);
    } else if (flag == "--warmup") {
      g_shape.warmup = number("--warmup", value(), 0);
    } else if (flag == "--seed") {
      g_shape.seed = static_cast<uint64_t>(number("--seed", value(), 0));
    } else {
      bad("unknown option '" + flag + "'");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // One intra-op thread, as the script sets: the simulated streams need the
  // second core, and the ops are small.
  at::set_num_threads(1);
  benchmark::Initialize(&argc, argv);  // takes the --benchmark_* flags out of argv
  parse(argc, argv);
  const struct {
    const char* name;
    Variant variant;
  } cases[] = {{"peers/none", Variant::none},
               {"peers/kept", Variant::kept},
               {"peers/tensorswap", Variant::tensorswap}};
  for (const auto& c : cases) {
    const Variant v = c.variant;
    benchmark::RegisterBenchmark(c.name, [v](benchmark::State& s) { run(s, v); })
        ->Iterations(g_shape.steps)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
