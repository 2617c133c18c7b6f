// Device timing on a real GPU (issue 11), run by scripts/gpu-checks.sh. One
// process, side by side:
//   - a transformer stack trained with swapping through the default
//     accelerator runtime (device timing on), recorded to DIR/device-timed.tswap
//     for the viewer; its log read back: every copy device-timed, the
//     device-side GB/s per direction, the copy/compute overlap from the
//     device's own spans, the clock anchors' drift, the allocator's peak
//     per step from its samples;
//   - a plain pinned copy of the same bytes per direction, for the GB/s;
//   - step times without swapping, swapping untimed, swapping timed: what
//     timing costs;
//   - the caching allocator's peak of one step without and with swapping.
//
//   tswap-gpu-device-timing --out DIR [--quick]
//
// Writes DIR/device-timing.md. Exit 0: every check passed; 1: one failed;
// 77: no CUDA device.

#include <torch/torch.h>

#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tswap/accelerator_runtime.h>
#include <tswap/profiler.h>
#include <tswap/trace/copies.h>
#include <tswap/trace/device_overlap.h>
#include <tswap/trace/summary.h>
#include <tswap/trace/text.h>
#include <tswap/trace/trace.h>
#include <tswap/tswap.h>

#include "support/models.h"

namespace {

using tswap::trace::EventKind;
using tswap_test::Stack;
using tswap_test::SwapSetup;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// One training step, synchronized on both sides: its wall time in ms.
double step_ms(Stack& model, const torch::Tensor& x) {
  torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  model->forward(x).pow(2).mean().backward();
  torch::cuda::synchronize();
  const double ms = ms_since(t0);
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  return ms;
}

/// The caching allocator's peak during one step, above what was allocated before it.
std::int64_t step_peak(Stack& model, const torch::Tensor& x) {
  torch::cuda::synchronize();
  const auto before = c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].current;
  c10::cuda::CUDACachingAllocator::resetPeakStats(0);
  step_ms(model, x);
  return c10::cuda::CUDACachingAllocator::getDeviceStats(0).allocated_bytes[0].peak - before;
}

/// GB/s of `bytes` copied between the device and pinned host memory on a
/// side stream, 20 back to back after 3 to warm up, timed on the host
/// around the stream's completion.
double pinned_copy_gbps(std::size_t bytes, bool to_host) {
  const auto n = static_cast<std::int64_t>(bytes);
  const torch::Tensor device = torch::empty({n}, torch::dtype(torch::kByte).device(torch::kCUDA));
  const torch::Tensor host = torch::empty({n}, torch::dtype(torch::kByte).pinned_memory(true));
  c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  c10::cuda::CUDAStreamGuard guard(stream);
  auto copy = [&] { to_host ? host.copy_(device, true) : device.copy_(host, true); };
  for (int i = 0; i < 3; ++i) copy();
  stream.synchronize();
  constexpr int kCopies = 20;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kCopies; ++i) copy();
  stream.synchronize();
  return static_cast<double>(bytes) * kCopies / (ms_since(t0) * 1e6);
}

double mib(std::int64_t b) {
  return static_cast<double>(b) / (1024.0 * 1024.0);
}

struct Figures {
  std::size_t queued = 0, device_timed = 0;
  std::uint64_t bytes[2] = {0, 0}, ns[2] = {0, 0};
  std::size_t anchors = 0;
  double max_drift_ppm = 0;
  double gbps(int d) const {
    return ns[d] ? static_cast<double>(bytes[d]) / static_cast<double>(ns[d]) : 0;
  }
};

Figures read_log(const tswap::trace::Trace& t) {
  Figures f;
  tswap::trace::for_each_copy(t, [&](const tswap::trace::Copy& c) {
    ++f.queued;
    if (!c.timed() || c.source() != tswap::trace::TimeSource::device) return;
    ++f.device_timed;
    const int d = c.direction == tswap::trace::CopyDirection::out ? 0 : 1;
    f.bytes[d] += c.bytes;
    f.ns[d] += *c.duration_ns();
  });
  const tswap::trace::Event* last = nullptr;
  for (const tswap::trace::Event& e : t.events()) {
    if (e.event_kind() != EventKind::clock_anchor) continue;
    ++f.anchors;
    if (last && e.host_ns > last->host_ns) {
      const double host = static_cast<double>(e.host_ns - last->host_ns);
      const double device = static_cast<double>(e.value) - static_cast<double>(last->value);
      f.max_drift_ppm = std::max(f.max_drift_ppm, std::abs(host - device) / host * 1e6);
    }
    last = &e;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir = ".";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: tswap-gpu-device-timing [--quick] [--out DIR]\n");
      return 2;
    }
  }
  if (!torch::cuda::is_available()) {
    std::printf("tswap-gpu-device-timing: no CUDA device visible, skipped\n");
    return 77;
  }
  const torch::Device cuda(torch::kCUDA, 0);
  const int layers = quick ? 4 : 12, dim = quick ? 256 : 1024, heads = quick ? 4 : 16;
  const std::vector<std::int64_t> input = {quick ? 2 : 8, quick ? 128 : 512, dim};
  const int steps = quick ? 3 : 6;
  const std::string tag = "gpu.timed.*";

  // An untimed accelerator runtime for the cost comparison; the timed one
  // is the default (tswap::accelerator_runtime), as a user gets it.
  tswap::AcceleratorOptions untimed_options;
  untimed_options.time_device = false;
  untimed_options.sample_memory = false;
  SwapSetup untimed = SwapSetup::with("gpu.untimed.*");
  untimed.options = tswap::SwapOptions{};
  untimed.options->min_bytes = 0;
  untimed.options->runtime = std::make_shared<tswap::AcceleratorRuntime>(cuda, untimed_options);

  torch::manual_seed(1);
  Stack plain = tswap_test::transformer_stack(layers, dim, heads, SwapSetup::none());
  plain->to(cuda);
  torch::manual_seed(1);
  Stack swapped_untimed = tswap_test::transformer_stack(layers, dim, heads, untimed);
  swapped_untimed->to(cuda);
  torch::manual_seed(1);
  Stack swapped = tswap_test::transformer_stack(layers, dim, heads, SwapSetup::with(tag));
  swapped->to(cuda);
  const torch::Tensor x = torch::randn(input).to(cuda);

  // Warm kernels and the allocator, then the allocator's peak per step.
  step_ms(plain, x);
  step_ms(swapped_untimed, x);
  step_ms(swapped, x);
  const std::int64_t peak_plain = step_peak(plain, x), peak_swap = step_peak(swapped, x);

  // Step times side by side, each in a recording session (what timing adds
  // is the marks and their resolution, not the recorder).
  const std::string log = dir + "/device-timed.tswap";
  std::vector<double> t_plain, t_untimed, t_timed;
  {
    tswap::profiler::ScopedSession session(dir + "/untimed.tswap");
    for (int s = 0; s < steps; ++s) {
      t_plain.push_back(step_ms(plain, x));
      t_untimed.push_back(step_ms(swapped_untimed, x));
    }
  }
  {
    tswap::profiler::ScopedSession session(log);
    for (int s = 0; s < steps; ++s) t_timed.push_back(step_ms(swapped, x));
  }
  const auto runtime =
      std::dynamic_pointer_cast<tswap::AcceleratorRuntime>(tswap::accelerator_runtime(cuda));
  const tswap::TimingCounters counters =
      runtime ? runtime->timing_counters() : tswap::TimingCounters{};

  const tswap::trace::Trace trace = tswap::trace::Trace::load(log);
  const Figures f = read_log(trace);
  const tswap::trace::Summary summary = tswap::trace::summarize(trace);
  const tswap::trace::DeviceOverlap overlap = tswap::trace::device_overlap(trace);
  const std::size_t mean_copy =
      f.device_timed ? static_cast<std::size_t>((f.bytes[0] + f.bytes[1]) / f.device_timed)
                     : (1u << 20);
  const double plain_d2h = pinned_copy_gbps(mean_copy, true),
               plain_h2d = pinned_copy_gbps(mean_copy, false);

  bool ok = true;
  std::ostringstream md;
  auto check = [&](bool pass, const std::string& what) {
    ok = ok && pass;
    md << "- " << (pass ? "ok" : "FAILED") << ": " << what << "\n";
  };
  md << "# Device timing on " << trace.header().device << "\n\n"
     << "transformer stack " << layers << "x" << dim << ", input " << input[0] << "x" << input[1]
     << "x" << input[2] << ", " << steps << " recorded steps; tag " << tag << "\n\n## Checks\n";
  check(trace.header().copy_timing == static_cast<std::uint8_t>(tswap::trace::CopyTiming::device),
        "the header says copies are timed on the device");
  check(
      f.device_timed > 0 && f.device_timed == f.queued,
      std::to_string(f.device_timed) + " of " + std::to_string(f.queued) + " copies device-timed");
  check(counters.pending == 0 && counters.dropped == 0,
        "no mark left pending or dropped (" + std::to_string(counters.resolved) +
            " resolved, pool of " + std::to_string(counters.events_made) + " events)");
  check(f.anchors >= 1, std::to_string(f.anchors) + " clock anchors");
  check(overlap.share().has_value(),
        "device-timed layer spans present (" + std::to_string(overlap.layer_spans) + ")");
  char line[512];
  md << "\n## Copies (device-timed) beside a plain pinned copy of the same bytes ("
     << tswap::trace::format_bytes(static_cast<double>(mean_copy)) << ")\n\n"
     << "| direction | swap copies GB/s (device time) | plain pinned copy GB/s | ratio "
        "|\n|---|---|---|---|\n";
  std::snprintf(line, sizeof line, "| D2H | %.2f | %.2f | %.2f |\n| H2D | %.2f | %.2f | %.2f |\n",
                f.gbps(0), plain_d2h, plain_d2h ? f.gbps(0) / plain_d2h : 0.0, f.gbps(1), plain_h2d,
                plain_h2d ? f.gbps(1) / plain_h2d : 0.0);
  md << line;
  std::snprintf(line, sizeof line,
                "\ncopy/compute overlap (device spans): %.1f%% of %.3f ms of copying ran beside a "
                "layer's kernels\nclock anchors: %zu, largest drift between two %.2f ppm\n",
                100.0 * overlap.share().value_or(0), static_cast<double>(overlap.copy_ns) / 1e6,
                f.anchors, f.max_drift_ppm);
  md << line;
  md << "\n## Step time, side by side (median of " << steps
     << ")\n\n| variant | ms | ratio to no swap |\n|---|---|---|\n";
  const double p = median(t_plain), u = median(t_untimed), t = median(t_timed);
  std::snprintf(line, sizeof line,
                "| no swapping | %.2f | 1.00 |\n| swapping, untimed | %.2f | %.2f |\n| swapping, "
                "device-timed | "
                "%.2f | %.2f |\n",
                p, u, p ? u / p : 0.0, t, p ? t / p : 0.0);
  md << line;
  md << "\n## The caching allocator's peak of one step\n\n| without swapping (MiB) | with swapping "
        "(MiB) | ratio |\n|---|---|---|\n";
  std::snprintf(
      line, sizeof line, "| %.1f | %.1f | %.2f |\n", mib(peak_plain), mib(peak_swap),
      peak_plain ? static_cast<double>(peak_swap) / static_cast<double>(peak_plain) : 0.0);
  md << line
     << "\nFrom the log's allocator samples (layer boundaries), per step:\n\n| step | allocated "
        "peak | reserved peak | engine resident peak |\n|---|---|---|---|\n";
  for (const tswap::trace::StepMemory& m : summary.memory) {
    md << "| " << m.step << " | "
       << tswap::trace::format_bytes(static_cast<double>(m.allocated_peak)) << " | "
       << tswap::trace::format_bytes(static_cast<double>(m.reserved_peak)) << " | "
       << tswap::trace::format_bytes(static_cast<double>(m.resident_peak)) << " |\n";
  }
  check(!summary.memory.empty(), "allocator samples in the log");
  std::ofstream(dir + "/device-timing.md") << md.str();
  std::printf("%s\n%s\n", md.str().c_str(),
              ok ? "device timing checks passed" : "DEVICE TIMING CHECK FAILED");
  return ok ? 0 : 1;
}
