// A small GPT trained for a few steps on synthetic tokens, twice from the
// same weights: without tensorswap and with it, step by step side by side.
// Its blocks are tagged "model.layer.*" and their MLPs "model.layer.*.mlp";
// --swap picks which tags swap. Prints each step's loss and time for both
// runs, whether losses and gradients are bitwise equal, and the peak
// device-resident bytes of saved activations with and without swapping.
//
//   tswap-sample-transformer --layers 12 --dim 256 --seq 128 --steps 4
//   tswap-sample-transformer --swap model.layer.*.mlp --log run.tswap
//   tswap-sample-transformer --help

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <tswap/profiler.h>
#include <tswap/tswap.h>

#ifdef TSWAP_SAMPLE_CUDA_STATS
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "../common/sample_support.h"
#include "gpt.h"

namespace {

constexpr const char* kProgram = "tswap-sample-transformer";

struct Args {
  gpt::Config model;
  int64_t batch = 8;
  int steps = 6;
  std::string runtime = "auto";
  double bandwidth_gbps = 25;
  double latency_us = 10;
  sample::Knobs knobs;
  std::string log;
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: tswap-sample-transformer [options]\n"
               "\n"
               "Trains a small GPT (token and position embeddings, pre-norm blocks of causal\n"
               "multi-head attention and a GELU MLP) on synthetic tokens twice from the same\n"
               "weights, without and with tensorswap, and compares them step by step.\n"
               "\n"
               "model\n"
               "  --layers N          blocks (default 6)\n"
               "  --dim N             model width; the MLP is 4x (default 128)\n"
               "  --heads N           attention heads, dividing --dim (default 4)\n"
               "  --seq N             tokens per sequence (default 64)\n"
               "  --vocab N           vocabulary size (default 512)\n"
               "  --batch N           sequences per step (default 8)\n"
               "  --steps N           training steps (default 6)\n"
               "swapping\n"
               "  --swap TAGS         comma-separated tags that swap, or none; the tags are\n"
               "                      model.layer.* (each block) and model.layer.*.mlp (each\n"
               "                      block's MLP, nested) (default model.layer.*)\n"
               "  --runtime R         accelerator (CUDA streams), simulated (CPU tensors, worker\n"
               "                      threads as streams, a modelled link) or auto (default:\n"
               "                      accelerator when CUDA is available)\n"
               "  --bandwidth-gbps X  simulated link bandwidth, 0 = unlimited (default 25)\n"
               "  --latency-us X      simulated link latency per copy (default 10)\n"
               "%s"
               "profiling\n"
               "  --log PATH          record the run into PATH (a .tswap log; TSWAP_LOG=PATH\n"
               "                      does the same without the flag)\n"
               "  -h, --help          this text\n"
               "\n"
               "Exit status: 0 when every loss and gradient is bitwise equal, 1 when not,\n"
               "2 on bad arguments.\n",
               sample::kKnobsUsage);
}

[[noreturn]] void bad(const std::string& message) {
  sample::bad(kProgram, message);
}

std::set<std::string> parse_tags(const std::string& list) {
  std::set<std::string> tags;
  if (list == "none") return tags;
  if (list.empty()) bad("--swap needs tags, or none");
  std::stringstream in(list);
  for (std::string tag; std::getline(in, tag, ',');) {
    if (tag != gpt::kBlockTag && tag != gpt::kMlpTag) {
      bad("--swap takes " + gpt::kBlockTag + ", " + gpt::kMlpTag + " or none, got '" + tag + "'");
    }
    tags.insert(tag);
  }
  return tags;
}

Args parse(int argc, char** argv) {
  Args a;
  a.model.swap = {gpt::kBlockTag};
  sample::parse_flags(kProgram, argc, argv, usage, [&](const std::string& flag, auto value) {
    if (gpt::parse_size_flag(kProgram, flag, value, a.model, a.batch, a.steps)) return true;
    if (flag == "--swap") {
      a.model.swap = parse_tags(value());
    } else if (flag == "--runtime") {
      a.runtime = value();
      if (a.runtime != "accelerator" && a.runtime != "simulated" && a.runtime != "auto") {
        bad("--runtime is accelerator, simulated or auto, got '" + a.runtime + "'");
      }
    } else if (flag == "--bandwidth-gbps") {
      a.bandwidth_gbps = sample::number(kProgram, "--bandwidth-gbps", value(), 0);
    } else if (flag == "--latency-us") {
      a.latency_us = sample::number(kProgram, "--latency-us", value(), 0);
    } else if (sample::parse_knob(kProgram, flag, value, a.knobs)) {
    } else if (flag == "--log") {
      a.log = value();
    } else {
      return false;
    }
    return true;
  });
  if (a.model.dim % a.model.heads != 0) {
    bad("--heads " + std::to_string(a.model.heads) + " does not divide --dim " + std::to_string(a.model.dim));
  }
  return a;
}

/// Device bytes the caching allocator held at its peak during a step, above
/// what it held before (CUDA builds of LibTorch only).
class DevicePeak {
 public:
  explicit DevicePeak(const torch::Device& device) : device_(device) {
#ifdef TSWAP_SAMPLE_CUDA_STATS
    if (device_.is_cuda()) {
      c10::cuda::CUDACachingAllocator::resetPeakStats(index());
      before_ = allocated(false);
    }
#endif
  }
  std::optional<int64_t> bytes() const {
#ifdef TSWAP_SAMPLE_CUDA_STATS
    if (device_.is_cuda()) return allocated(true) - before_;
#endif
    return std::nullopt;
  }

 private:
#ifdef TSWAP_SAMPLE_CUDA_STATS
  c10::DeviceIndex index() const { return device_.index() < 0 ? 0 : device_.index(); }
  int64_t allocated(bool peak) const {
    // auto: the stats type moved namespaces between LibTorch 1.x and 2.x.
    // [0] is StatType::AGGREGATE in both.
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index());
    return peak ? stats.allocated_bytes[0].peak : stats.allocated_bytes[0].current;
  }
#endif
  torch::Device device_;
  int64_t before_ = 0;
};

struct Step {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;
  double ms = 0;
  std::optional<int64_t> device_peak;
};

Step train_step(gpt::Gpt& model, torch::optim::Optimizer& optimizer, const torch::Tensor& ids,
                const torch::Device& device) {
  sample::synchronize(device);
  const DevicePeak peak(device);
  const auto start = std::chrono::steady_clock::now();
  Step s;
  s.loss = model->loss(ids);
  s.loss.backward();
  sample::synchronize(device);
  s.ms = sample::ms_since(start);
  s.device_peak = peak.bytes();
  for (const auto& p : model->parameters()) s.grads.push_back(p.grad().clone());
  optimizer.step();
  optimizer.zero_grad();
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string tags_text(const std::set<std::string>& tags) {
  std::string s;
  for (const auto& t : tags) s += (s.empty() ? "" : ", ") + t;
  return s.empty() ? "none" : s;
}

void print_tag(const std::string& tag, const tswap::SwapCounters& c, int steps) {
  std::printf(
      "  %-18s saved %7.2f MiB/step, peak resident %6.2f MiB; out %llu, in %llu (%llu "
      "prefetched), %llu deferred, stalls %.2f ms\n",
      tag.c_str(), sample::mib(static_cast<double>(c.bytes_saved) / steps),
      sample::mib(static_cast<double>(c.peak_resident_bytes)),
      static_cast<unsigned long long>(c.tensors_swapped_out),
      static_cast<unsigned long long>(c.tensors_swapped_in),
      static_cast<unsigned long long>(c.prefetches),
      static_cast<unsigned long long>(c.deferred_releases), static_cast<double>(c.stall_ns) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const bool accelerator =
      args.runtime == "accelerator" || (args.runtime == "auto" && torch::cuda::is_available());
  if (accelerator && !torch::cuda::is_available()) {
    bad("--runtime accelerator needs CUDA, and this LibTorch sees no CUDA device (use --runtime simulated)");
  }
  const torch::Device device(accelerator ? torch::kCUDA : torch::kCPU);

  const std::string link =
      sample::use_default_runtime(device, args.bandwidth_gbps, args.latency_us, args.knobs);

  std::optional<tswap::profiler::ScopedSession> session;
  sample::record(kProgram, args.log, device, session);

  gpt::Config plain_config = args.model;
  plain_config.swap.clear();
  torch::manual_seed(0);
  gpt::Gpt baseline(plain_config);
  torch::manual_seed(0);
  gpt::Gpt swapped(args.model);
  baseline->to(device);
  swapped->to(device);
  torch::optim::AdamW opt_baseline(baseline->parameters(), torch::optim::AdamWOptions(3e-3));
  torch::optim::AdamW opt_swapped(swapped->parameters(), torch::optim::AdamWOptions(3e-3));

  const gpt::Config& m = args.model;
  std::printf(
      "tensorswap sample: GPT of %lld blocks, dim %lld, %lld heads, %lld tokens, vocab %lld, "
      "batch %lld, %d steps on %s (%s)\n",
      static_cast<long long>(m.layers), static_cast<long long>(m.dim), static_cast<long long>(m.heads),
      static_cast<long long>(m.seq), static_cast<long long>(m.vocab), static_cast<long long>(args.batch),
      args.steps, device.str().c_str(), link.c_str());
  std::printf("swapping: %s\n\n", tags_text(m.swap).c_str());
  std::printf("step  loss without swap  loss with swap   loss and grads  time without  time with\n");

  bool all_equal = true;
  std::vector<double> plain_ms, swap_ms;
  std::optional<int64_t> plain_peak, swap_peak;
  tswap::reset_stats();
  for (int step = 0; step < args.steps; ++step) {
    torch::manual_seed(100 + step);
    const torch::Tensor ids = gpt::synthetic_batch(m, args.batch, device);
    const Step a = train_step(baseline, opt_baseline, ids, device);
    const Step b = train_step(swapped, opt_swapped, ids, device);
    bool equal = sample::bitwise_equal(a.loss, b.loss) && a.grads.size() == b.grads.size();
    for (size_t i = 0; i < a.grads.size() && equal; ++i) equal = sample::bitwise_equal(a.grads[i], b.grads[i]);
    all_equal = all_equal && equal;
    plain_ms.push_back(a.ms);
    swap_ms.push_back(b.ms);
    if (a.device_peak) plain_peak = std::max(plain_peak.value_or(0), *a.device_peak);
    if (b.device_peak) swap_peak = std::max(swap_peak.value_or(0), *b.device_peak);
    std::printf("%4d  %15.6f  %15.6f  %14s  %9.2f ms  %6.2f ms\n", step, a.loss.item<double>(),
                b.loss.item<double>(), equal ? "bitwise equal" : "DIFFERENT", a.ms, b.ms);
  }

  const tswap::Stats s = tswap::stats();
  const double saved = static_cast<double>(s.total.bytes_saved) / args.steps;
  const double peak = static_cast<double>(s.total.peak_resident_bytes);
  std::printf("\nmedian step: %.2f ms without swapping, %.2f ms with (x%.2f)\n", median(plain_ms),
              median(swap_ms), median(swap_ms) / median(plain_ms));
  if (m.swap.empty()) {
    std::printf("no tag swaps: both runs are plain LibTorch\n");
  } else {
    std::printf("peak device-resident saved activations: %.2f MiB without swapping, %.2f MiB with (%.0f%%)\n",
                sample::mib(saved), sample::mib(peak), saved > 0 ? 100.0 * peak / saved : 0.0);
    for (const auto& [tag, c] : s.per_tag) print_tag(tag, c, args.steps);
  }
  if (plain_peak && swap_peak) {
    std::printf("peak device memory of a step (caching allocator): %.2f MiB without swapping, %.2f MiB with\n",
                sample::mib(static_cast<double>(*plain_peak)), sample::mib(static_cast<double>(*swap_peak)));
  }
  if (session) {
    session.reset();  // closes the log
    std::printf("\nrecorded %s: tswap-log summary %s, tswap-viewer %s\n", args.log.c_str(), args.log.c_str(),
                args.log.c_str());
  }
  std::printf("\n%s\n", all_equal ? "every loss and gradient is bitwise equal to the run without swapping"
                                  : "MISMATCH: swapping changed a loss or gradient");
  return all_equal ? 0 : 1;
}
