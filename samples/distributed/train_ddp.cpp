// Data-parallel training of the transformer sample's GPT over the ranks a
// launcher started (scripts/tswap-launch, or torchrun: RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), on a Gloo process group. Every rank holds the
// whole model, trains on batches of its own, and averages the gradients
// (all-reduce, then divide by the world size) before each optimizer step.
// As the transformer sample does, it trains twice from the same weights,
// step by step side by side, without tensorswap and with each block swapped
// ("model.layer.*"), and checks on every rank that losses and averaged
// gradients are bitwise equal. Each rank records its own log
// (TSWAP_LOG=run.{rank}.tswap); align_clocks() puts the rank and its clock
// offset to rank 0 into each log's header.
//
//   tswap-launch -n 2 -- env TSWAP_LOG=run.{rank}.tswap tswap-sample-ddp
//   tswap-launch -n 4 -- tswap-sample-ddp --steps 6 --log ddp.{rank}.tswap

#include <torch/torch.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <tswap/distributed.h>
#include <tswap/profiler.h>
#include <tswap/tswap.h>

#include "../common/sample_support.h"
#include "../transformer/gpt.h"
#include "dist_support.h"

namespace {

constexpr const char* kProgram = "tswap-sample-ddp";

struct Args {
  gpt::Config model;
  int64_t batch = 4;
  int steps = 3;
  double bandwidth_gbps = 0;
  double latency_us = 0;
  sample::Knobs knobs;
  std::string log;
  std::string store;
  double timeout_s = 120;
  int die_at_step = -1;
  int die_rank = 1;
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: tswap-sample-ddp [options]   (one process per rank, from a launcher)\n"
               "\n"
               "Data-parallel training of a small GPT on a Gloo process group, twice from the\n"
               "same weights (without and with swapping each block); checks on every rank that\n"
               "losses and all-reduced gradients are bitwise equal. RANK, WORLD_SIZE,\n"
               "MASTER_ADDR and MASTER_PORT come from the launcher (tswap-launch, torchrun).\n"
               "\n"
               "  --layers N          blocks (default 4)\n"
               "  --dim N             model width (default 64)\n"
               "  --heads N           attention heads (default 4)\n"
               "  --seq N             tokens per sequence (default 32)\n"
               "  --vocab N           vocabulary (default 256)\n"
               "  --batch N           sequences per rank and step (default 4)\n"
               "  --steps N           training steps (default 3)\n"
               "  --bandwidth-gbps X  simulated link bandwidth, 0 = unlimited (default 0)\n"
               "  --latency-us X      simulated link latency per copy (default 0)\n"
               "%s"
               "  --log PATH          record into PATH ({rank} is the rank; TSWAP_LOG does the same)\n"
               "  --store PATH        rendezvous through a FileStore at PATH instead of a TCPStore\n"
               "                      at MASTER_ADDR:MASTER_PORT\n"
               "  --timeout S         seconds any collective may take (default 120)\n"
               "  --die-at-step K     (for tests) the --die-rank rank kills itself with SIGKILL\n"
               "                      in step K's swapped backward\n"
               "  --die-rank R        which rank --die-at-step kills (default 1)\n"
               "  -h, --help          this text\n"
               "\n"
               "Exit status: 0 when every rank's losses and gradients are bitwise equal, 1 when\n"
               "not, 2 on bad arguments, 3 when a collective failed (a peer died or hung).\n",
               sample::kKnobsUsage);
}

int64_t count(const char* flag, const char* text, int64_t min) {
  return static_cast<int64_t>(sample::number(kProgram, flag, text, static_cast<double>(min)));
}

Args parse(int argc, char** argv) {
  Args a;
  a.model.layers = 4;
  a.model.dim = 64;
  a.model.seq = 32;
  a.model.vocab = 256;
  a.model.swap = {gpt::kBlockTag};
  sample::parse_flags(kProgram, argc, argv, usage, [&](const std::string& flag, auto value) {
    if (gpt::parse_size_flag(kProgram, flag, value, a.model, a.batch, a.steps)) return true;
    if (flag == "--bandwidth-gbps") {
      a.bandwidth_gbps = sample::number(kProgram, "--bandwidth-gbps", value(), 0);
    } else if (flag == "--latency-us") {
      a.latency_us = sample::number(kProgram, "--latency-us", value(), 0);
    } else if (sample::parse_knob(kProgram, flag, value, a.knobs)) {
    } else if (flag == "--log") {
      a.log = value();
    } else if (flag == "--store") {
      a.store = value();
    } else if (flag == "--timeout") {
      a.timeout_s = sample::number(kProgram, "--timeout", value(), 1);
    } else if (flag == "--die-at-step") {
      a.die_at_step = static_cast<int>(count("--die-at-step", value(), 0));
    } else if (flag == "--die-rank") {
      a.die_rank = static_cast<int>(count("--die-rank", value(), 0));
    } else {
      return false;
    }
    return true;
  });
  if (a.model.dim % a.model.heads != 0) sample::bad(kProgram, "--heads does not divide --dim");
  return a;
}

struct Step {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads;  // averaged over the ranks
};

/// Forward and backward on this rank's batch, gradients averaged over the
/// group, one optimizer step. `before_backward` runs between the two.
template <class Hook>
Step train_step(gpt::Gpt& model, torch::optim::Optimizer& optimizer, const torch::Tensor& ids,
                c10d::ProcessGroup& group, Hook before_backward) {
  Step s;
  s.loss = model->loss(ids);
  before_backward();
  s.loss.backward();
  // One all-reduce per parameter: simple, and its sums are the same in both
  // runs (Gloo adds in a fixed order), which a bucketed reducer would also be.
  for (const auto& p : model->parameters()) {
    std::vector<torch::Tensor> g{p.grad()};
    dist::wait(group.allreduce(g));
    p.grad().div_(group.getSize());
    s.grads.push_back(p.grad().clone());
  }
  optimizer.step();
  optimizer.zero_grad();
  return s;
}

bool same(const Step& a, const Step& b) {
  bool equal = sample::bitwise_equal(a.loss, b.loss) && a.grads.size() == b.grads.size();
  for (size_t i = 0; i < a.grads.size() && equal; ++i) equal = sample::bitwise_equal(a.grads[i], b.grads[i]);
  return equal;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const dist::Place place = dist::place_from_environment(kProgram);
  const torch::Device device(torch::kCPU);
  const std::string link = sample::use_default_runtime(device, args.bandwidth_gbps, args.latency_us, args.knobs);

  std::optional<tswap::profiler::ScopedSession> session;
  sample::record(kProgram, args.log, device, session);

  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));
  try {
    auto group = dist::make_group(kProgram, place, args.store, timeout);
    const tswap::distributed::ClockAlignment clock = tswap::distributed::align_clocks(*group);

    gpt::Config plain = args.model;
    plain.swap.clear();
    torch::manual_seed(0);
    gpt::Gpt baseline(plain);
    torch::manual_seed(0);
    gpt::Gpt swapped(args.model);
    // Every rank starts from rank 0's weights, as DistributedDataParallel does
    // (the seeds make them equal already; this keeps them so if seeding changes).
    for (auto* model : {&baseline, &swapped}) {
      torch::NoGradGuard no_grad;
      for (auto& p : (*model)->parameters()) {
        std::vector<torch::Tensor> t{p};
        dist::wait(group->broadcast(t));
      }
    }
    torch::optim::AdamW opt_baseline(baseline->parameters(), torch::optim::AdamWOptions(3e-3));
    torch::optim::AdamW opt_swapped(swapped->parameters(), torch::optim::AdamWOptions(3e-3));

    const gpt::Config& m = args.model;
    std::printf("rank %d of %d: GPT of %lld blocks, dim %lld, batch %lld per rank, %d steps (%s); "
                "clock offset to rank 0 %+.3f us +- %.3f us\n",
                place.rank, place.world_size, static_cast<long long>(m.layers), static_cast<long long>(m.dim),
                static_cast<long long>(args.batch), args.steps, link.c_str(), clock.offset_ns / 1e3,
                static_cast<double>(clock.uncertainty_ns) / 1e3);
    std::fflush(stdout);

    bool all_equal = true;
    for (int step = 0; step < args.steps; ++step) {
      // A batch of this rank's own; the same for both runs.
      torch::manual_seed(100 + step * place.world_size + place.rank);
      const torch::Tensor ids = gpt::synthetic_batch(m, args.batch, device);
      const Step a = train_step(baseline, opt_baseline, ids, *group, [] {});
      const Step b = train_step(swapped, opt_swapped, ids, *group, [&] {
        if (step == args.die_at_step && place.rank == args.die_rank) {
          std::printf("rank %d: --die-at-step %d: SIGKILL\n", place.rank, step);
          std::fflush(stdout);
          std::raise(SIGKILL);  // mid-step: swapped activations on host, the log open
        }
      });
      const bool equal = same(a, b);
      all_equal = all_equal && equal;
      std::printf("step %d  loss %.6f without swap, %.6f with: %s\n", step, a.loss.item<double>(),
                  b.loss.item<double>(), equal ? "bitwise equal" : "DIFFERENT");
      std::fflush(stdout);
    }
    const bool everywhere = dist::all_true(*group, all_equal);
    std::printf("%s\n", everywhere ? "every rank's losses and gradients are bitwise equal to the run without swapping"
                                   : "MISMATCH: swapping changed a loss or gradient on some rank");
    session.reset();
    return everywhere ? 0 : 1;
  } catch (const std::exception& e) {
    return dist::failed(kProgram, place.rank, e, session);
  }
}
