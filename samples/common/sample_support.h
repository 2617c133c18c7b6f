#pragma once

// What the samples share: argument errors, the runtime set-up, bitwise
// comparison, units, timing.

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include <tswap/profiler.h>
#include <tswap/simulated_runtime.h>
#include <tswap/tswap.h>

namespace sample {

/// Prints "PROGRAM: MESSAGE (try --help)" and exits with status 2.
[[noreturn]] inline void bad(const char* program, const std::string& message) {
  std::fprintf(stderr, "%s: %s (try --help)\n", program, message.c_str());
  std::exit(2);
}

/// Walks the command line: `on(flag, value)` handles one flag, calling
/// `value()` for its argument, and returns false for a flag it does not
/// know. -h and --help print `usage` and exit 0; an unknown flag or a
/// missing value exits 2 with a message.
template <class On>
void parse_flags(const char* program, int argc, char** argv, void (*usage)(FILE*), On on) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) bad(program, flag + " needs a value");
      return argv[++i];
    };
    if (flag == "-h" || flag == "--help") {
      usage(stdout);
      std::exit(0);
    }
    if (!on(flag, value)) bad(program, "unknown option '" + flag + "'");
  }
}

/// `text` as a number of at least `min`, or a clear exit naming `flag`.
inline double number(const char* program, const char* flag, const char* text, double min) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0') bad(program, std::string(flag) + " needs a number, got '" + text + "'");
  if (v < min) bad(program, std::string(flag) + " must be at least " + std::to_string(min));
  return v;
}

/// The SwapOptions knobs the samples take on their command line.
struct Knobs {
  int prefetch_depth = 1;
  int keep_last = 1;
  // The samples' models are small: their tensors are mostly below
  // tensorswap's default of 1 MiB, which would keep them all.
  std::size_t min_bytes = 0;
  int max_copies_in_flight = 0;
  bool observe = false;
};

inline const char* kKnobsUsage =
    "  --prefetch-depth N  layers backward brings back ahead, 0 = on demand (default 1)\n"
    "  --no-prefetch       the same as --prefetch-depth 0\n"
    "  --keep-last N       a tag's last layers that stay on the device (default 1)\n"
    "  --min-bytes N       keep tensors smaller than N bytes (default 0 here: the sample's\n"
    "                      tensors are small; tensorswap's own default is 1 MiB)\n"
    "  --max-in-flight N   copies out a tag may have queued, 0 = no limit (default 0)\n"
    "  --observe           swap nothing, log what would be swapped (for tswap-log advise)\n";

/// Handles one of the knobs' flags; false for another flag.
template <class Value>
bool parse_knob(const char* program, const std::string& flag, Value value, Knobs& k) {
  auto count = [&](const char* name) { return static_cast<int>(number(program, name, value(), 0)); };
  if (flag == "--prefetch-depth") {
    k.prefetch_depth = count("--prefetch-depth");
  } else if (flag == "--no-prefetch") {
    k.prefetch_depth = 0;
  } else if (flag == "--keep-last") {
    k.keep_last = static_cast<int>(number(program, "--keep-last", value(), 1));
  } else if (flag == "--min-bytes") {
    k.min_bytes = static_cast<std::size_t>(number(program, "--min-bytes", value(), 0));
  } else if (flag == "--max-in-flight") {
    k.max_copies_in_flight = count("--max-in-flight");
  } else if (flag == "--observe") {
    k.observe = true;
  } else {
    return false;
  }
  return true;
}

/// Makes tensorswap's default options for a model on `device`: on an
/// accelerator the engine picks its streams; on the CPU tensors go through
/// a simulated link of `gbps` GB/s (0: unlimited) and `latency_us` per copy.
/// Returns what moves the bytes, for the sample's banner.
inline std::string use_default_runtime(const torch::Device& device, double gbps, double latency_us,
                                       const Knobs& knobs) {
  tswap::SwapOptions options;
  options.prefetch_depth = knobs.prefetch_depth;
  options.keep_last = knobs.keep_last;
  options.min_bytes = knobs.min_bytes;
  options.max_copies_in_flight = knobs.max_copies_in_flight;
  options.observe = knobs.observe;
  std::string link = "accelerator streams";
  if (device.is_cpu()) {
    tswap::SimulatedLink l;
    l.bytes_per_second = gbps * 1e9;
    l.latency = std::chrono::nanoseconds(static_cast<int64_t>(latency_us * 1000));
    options.runtime = std::make_shared<tswap::SimulatedRuntime>(l);
    link = options.runtime->name() + " link";
  }
  tswap::set_default_options(options);
  return link;
}

/// Same shape, dtype and bytes.
inline bool bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ca = a.contiguous().cpu(), cb = b.contiguous().cpu();
  return ca.sizes() == cb.sizes() && ca.dtype() == cb.dtype() &&
         std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

inline double mib(double bytes) {
  return bytes / (1024.0 * 1024.0);
}

inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
}

/// Milliseconds since `start`.
inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// --log PATH: records into `session` from now on (nothing for an empty
/// path). A log that cannot be written ends the program, status 2: a run
/// asked to record must not go on silently unrecorded.
inline void record(const char* program, const std::string& path, const torch::Device& device,
                   std::optional<tswap::profiler::ScopedSession>& session) {
  if (path.empty()) return;
  try {
    session.emplace(tswap::profiler::SessionOptions{path, device.str()});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: cannot record: %s\n", program, e.what());
    std::exit(2);
  }
}

}  // namespace sample
