// A two-stage pipeline of the transformer sample's GPT over two ranks on a
// Gloo process group: rank 0 owns the embeddings and the first half of the
// blocks, rank 1 the second half, the final norm, the head and the loss.
// Forward sends the boundary activation rank 0 -> 1; backward sends its
// gradient back 1 -> 0. Each rank swaps its own blocks under a tag of its
// own ("stage0.block.*", "stage1.block.*"), so each log shows one stage. It
// trains twice from the same weights, step by step side by side, without
// and with swapping, and checks on both ranks that losses, boundary
// activations and gradients and every parameter's gradient are bitwise equal.
//
//   tswap-launch -n 2 -- env TSWAP_LOG=pipe.{rank}.tswap tswap-sample-pipeline

#include <torch/torch.h>

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

constexpr const char* kProgram = "tswap-sample-pipeline";
constexpr int kActivationTag = 1;  // point-to-point tags: forward, backward
constexpr int kGradientTag = 2;

struct Args {
  gpt::Config model;
  int64_t batch = 4;
  int steps = 3;
  sample::Knobs knobs;
  std::string log;
  std::string store;
  double timeout_s = 120;
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: tswap-sample-pipeline [options]   (two processes, from a launcher)\n"
               "\n"
               "A small GPT split in two pipeline stages over two ranks of a Gloo group, trained\n"
               "twice from the same weights (without and with each stage swapping its blocks);\n"
               "checks on both ranks that everything is bitwise equal.\n"
               "\n"
               "  --layers N          blocks, even: half per stage (default 4)\n"
               "  --dim N             model width (default 64)\n"
               "  --heads N           attention heads (default 4)\n"
               "  --seq N             tokens per sequence (default 32)\n"
               "  --vocab N           vocabulary (default 256)\n"
               "  --batch N           sequences per step (default 4)\n"
               "  --steps N           training steps (default 3)\n"
               "%s"
               "  --log PATH          record into PATH ({rank} is the rank; TSWAP_LOG does the same)\n"
               "  --store PATH        rendezvous through a FileStore at PATH instead of a TCPStore\n"
               "  --timeout S         seconds any send, receive or collective may take (default 120)\n"
               "  -h, --help          this text\n"
               "\n"
               "Exit status: 0 when both ranks are bitwise equal, 1 when not, 2 on bad\n"
               "arguments, 3 when a send, receive or collective failed.\n",
               sample::kKnobsUsage);
}

Args parse(int argc, char** argv) {
  Args a;
  a.model.layers = 4;
  a.model.dim = 64;
  a.model.seq = 32;
  a.model.vocab = 256;
  sample::parse_flags(kProgram, argc, argv, usage, [&](const std::string& flag, auto value) {
    if (gpt::parse_size_flag(kProgram, flag, value, a.model, a.batch, a.steps)) return true;
    if (sample::parse_knob(kProgram, flag, value, a.knobs)) {
    } else if (flag == "--log") {
      a.log = value();
    } else if (flag == "--store") {
      a.store = value();
    } else if (flag == "--timeout") {
      a.timeout_s = sample::number(kProgram, "--timeout", value(), 1);
    } else {
      return false;
    }
    return true;
  });
  if (a.model.dim % a.model.heads != 0) sample::bad(kProgram, "--heads does not divide --dim");
  if (a.model.layers % 2 != 0) sample::bad(kProgram, "--layers must be even: half the blocks per stage");
  return a;
}

/// One stage's part of the GPT: stage 0 the embeddings and the first half
/// of the blocks, stage 1 the second half, the final norm and the head.
/// Each stage's blocks are the only contexts of its tag, so the engine
/// numbers them 0 .. half-1 and keeps the stage's last on the device.
struct StageImpl : torch::nn::Module {
  StageImpl(const gpt::Config& c, int stage) : first(stage == 0) {
    blocks = register_module("blocks", torch::nn::ModuleList());
    if (first) {
      tokens = register_module("tokens", torch::nn::Embedding(c.vocab, c.dim));
      positions = register_module("positions", torch::nn::Embedding(c.seq, c.dim));
    }
    for (int64_t i = 0; i < c.layers / 2; ++i) blocks->push_back(gpt::Block(c));
    if (!first) {
      ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim})));
      head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(c.dim, c.vocab).bias(false)));
    }
  }
  torch::Tensor run_blocks(torch::Tensor x) {
    for (const auto& block : *blocks) x = block->as<gpt::Block>()->forward(x);
    return x;
  }
  bool first;
  torch::nn::Embedding tokens{nullptr}, positions{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Stage);

struct Step {
  torch::Tensor loss;                // stage 1 only
  torch::Tensor boundary;            // the activation sent or received
  torch::Tensor boundary_grad;       // its gradient, received or sent
  std::vector<torch::Tensor> grads;  // this stage's parameters'
};

Step train_step(Stage& stage, torch::optim::Optimizer& optimizer, const torch::Tensor& ids,
                c10d::ProcessGroup& group, const gpt::Config& c, int64_t batch) {
  Step s;
  const int64_t t = ids.size(1) - 1;
  if (stage->first) {
    torch::Tensor x = stage->run_blocks(gpt::embed(stage->tokens, stage->positions, ids.narrow(1, 0, t)));
    std::vector<torch::Tensor> out{x.detach().contiguous()};
    dist::wait(group.send(out, 1, kActivationTag));
    std::vector<torch::Tensor> grad{torch::empty({batch, t, c.dim})};
    dist::wait(group.recv(grad, 1, kGradientTag));
    x.backward(grad[0]);
    s.boundary = out[0];
    s.boundary_grad = grad[0];
  } else {
    std::vector<torch::Tensor> in{torch::empty({batch, t, c.dim})};
    dist::wait(group.recv(in, 0, kActivationTag));
    const torch::Tensor x = in[0].requires_grad_();
    s.loss = gpt::lm_loss(stage->ln, stage->head, stage->run_blocks(x), ids.narrow(1, 1, t));
    s.loss.backward();
    std::vector<torch::Tensor> grad{x.grad().contiguous()};
    dist::wait(group.send(grad, 0, kGradientTag));
    s.boundary = x.detach();
    s.boundary_grad = grad[0];
  }
  for (const auto& p : stage->parameters()) s.grads.push_back(p.grad().clone());
  optimizer.step();
  optimizer.zero_grad();
  return s;
}

bool same(const Step& a, const Step& b) {
  bool equal = sample::bitwise_equal(a.boundary, b.boundary) &&
               sample::bitwise_equal(a.boundary_grad, b.boundary_grad) && a.grads.size() == b.grads.size();
  if (a.loss.defined()) equal = equal && sample::bitwise_equal(a.loss, b.loss);
  for (size_t i = 0; i < a.grads.size() && equal; ++i) equal = sample::bitwise_equal(a.grads[i], b.grads[i]);
  return equal;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const dist::Place place = dist::place_from_environment(kProgram);
  if (place.world_size != 2) sample::bad(kProgram, "runs on 2 ranks (WORLD_SIZE 2), got " + std::to_string(place.world_size));
  const torch::Device device(torch::kCPU);
  const std::string link = sample::use_default_runtime(device, 0, 0, args.knobs);

  std::optional<tswap::profiler::ScopedSession> session;
  sample::record(kProgram, args.log, device, session);

  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));
  try {
    auto group = dist::make_group(kProgram, place, args.store, timeout);
    const tswap::distributed::ClockAlignment clock = tswap::distributed::align_clocks(*group);

    gpt::Config plain = args.model;
    gpt::Config swapping = args.model;
    swapping.block_tag = "stage" + std::to_string(place.rank) + ".block.*";
    swapping.mlp_tag = swapping.block_tag + ".mlp";
    swapping.swap = {swapping.block_tag};
    torch::manual_seed(10 + place.rank);  // each stage's weights its own
    Stage baseline(plain, place.rank);
    torch::manual_seed(10 + place.rank);
    Stage swapped(swapping, place.rank);
    torch::optim::AdamW opt_baseline(baseline->parameters(), torch::optim::AdamWOptions(3e-3));
    torch::optim::AdamW opt_swapped(swapped->parameters(), torch::optim::AdamWOptions(3e-3));

    std::printf("rank %d: stage %d of 2, blocks %lld..%lld swapped as %s (%s); clock offset to rank 0 "
                "%+.3f us +- %.3f us\n",
                place.rank, place.rank, static_cast<long long>(place.rank * args.model.layers / 2),
                static_cast<long long>((place.rank + 1) * args.model.layers / 2 - 1), swapping.block_tag.c_str(),
                link.c_str(), clock.offset_ns / 1e3, static_cast<double>(clock.uncertainty_ns) / 1e3);
    std::fflush(stdout);

    bool all_equal = true;
    for (int step = 0; step < args.steps; ++step) {
      torch::manual_seed(100 + step);  // the same batch on both stages: tokens on 0, targets on 1
      const torch::Tensor ids = gpt::synthetic_batch(args.model, args.batch, device);
      const Step a = train_step(baseline, opt_baseline, ids, *group, args.model, args.batch);
      const Step b = train_step(swapped, opt_swapped, ids, *group, args.model, args.batch);
      const bool equal = same(a, b);
      all_equal = all_equal && equal;
      if (a.loss.defined()) {
        std::printf("step %d  loss %.6f without swap, %.6f with: %s\n", step, a.loss.item<double>(),
                    b.loss.item<double>(), equal ? "bitwise equal" : "DIFFERENT");
      } else {
        std::printf("step %d  boundary and gradients: %s\n", step, equal ? "bitwise equal" : "DIFFERENT");
      }
      std::fflush(stdout);
    }
    const bool everywhere = dist::all_true(*group, all_equal);
    std::printf("%s\n", everywhere ? "both stages are bitwise equal to the run without swapping"
                                   : "MISMATCH: swapping changed something on some stage");
    session.reset();
    return everywhere ? 0 : 1;
  } catch (const std::exception& e) {
    return dist::failed(kProgram, place.rank, e, session);
  }
}
