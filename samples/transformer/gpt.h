#pragma once

// A small GPT-style language model in LibTorch, tagged for tensorswap:
// token and position embeddings, N pre-norm blocks (layer norm, causal
// multi-head attention, layer norm, GELU MLP, two residuals), a final layer
// norm and a language-model head. Each block's forward runs in a scope of
// tag "model.layer.*", its MLP in a nested scope of tag
// "model.layer.*.mlp" — when those tags are asked to swap. A block built
// with no tags to swap is plain LibTorch: the baseline a swapped run is
// compared with is the same model without tensorswap.
//
// Used by the transformer sample, the regression-test sample and the
// distributed samples (which rename the tags: block_tag, mlp_tag).

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <tswap/tswap.h>

#include "../common/sample_support.h"

namespace gpt {

inline const std::string kBlockTag = "model.layer.*";
inline const std::string kMlpTag = "model.layer.*.mlp";

struct Config {
  int64_t vocab = 512;
  int64_t seq = 64;  // context length
  int64_t dim = 128;
  int64_t heads = 4;
  int64_t layers = 6;
  std::set<std::string> swap;  // which of block_tag, mlp_tag swap
  // The blocks' tags; a pipeline stage gives its blocks a tag of its own.
  std::string block_tag = kBlockTag;
  std::string mlp_tag = kMlpTag;
};

/// A context for `tag` when it swaps, nothing otherwise.
inline std::unique_ptr<tswap::SwapContext> context_if(const Config& c, const std::string& tag) {
  return c.swap.count(tag) ? std::make_unique<tswap::SwapContext>(tag) : nullptr;
}

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(const Config& c)
      : fc1(register_module("fc1", torch::nn::Linear(c.dim, 4 * c.dim))),
        fc2(register_module("fc2", torch::nn::Linear(4 * c.dim, c.dim))),
        swap(context_if(c, c.mlp_tag)) {}
  torch::Tensor forward(const torch::Tensor& x) {
    std::optional<tswap::SwapScope> scope;
    if (swap) scope.emplace(*swap);  // nested in the block's scope: this one owns what it saves
    return fc2(torch::gelu(fc1(x)));
  }
  torch::nn::Linear fc1, fc2;
  std::unique_ptr<tswap::SwapContext> swap;
};
TORCH_MODULE(Mlp);

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const Config& c)
      : heads(c.heads),
        ln1(register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim})))),
        ln2(register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim})))),
        qkv(register_module("qkv", torch::nn::Linear(c.dim, 3 * c.dim))),
        proj(register_module("proj", torch::nn::Linear(c.dim, c.dim))),
        mlp(register_module("mlp", Mlp(c))),
        swap(context_if(c, c.block_tag)) {}

  torch::Tensor forward(torch::Tensor x) {
    std::optional<tswap::SwapScope> scope;
    if (swap) scope.emplace(*swap);  // everything this block saves for backward is swapped
    x = x + attention(ln1(x));
    return x + mlp(ln2(x));
  }

  torch::Tensor attention(const torch::Tensor& x) {
    const int64_t b = x.size(0), t = x.size(1), d = x.size(2), hd = d / heads;
    auto split = [&](const torch::Tensor& y) { return y.view({b, t, heads, hd}).transpose(1, 2); };
    const auto parts = qkv(x).chunk(3, -1);  // three views of one tensor
    const torch::Tensor q = split(parts[0]), k = split(parts[1]), v = split(parts[2]);
    torch::Tensor scores = q.matmul(k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
    const torch::Tensor future = torch::ones({t, t}, torch::dtype(torch::kBool).device(x.device())).triu(1);
    scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
    const torch::Tensor y = torch::softmax(scores, -1).matmul(v);
    return proj(y.transpose(1, 2).reshape({b, t, d}));
  }

  int64_t heads;
  torch::nn::LayerNorm ln1, ln2;
  torch::nn::Linear qkv, proj;
  Mlp mlp;
  std::unique_ptr<tswap::SwapContext> swap;
};
TORCH_MODULE(Block);

/// The input of the first block: token plus position embeddings of `input`
/// (batch x t token ids).
inline torch::Tensor embed(torch::nn::Embedding& tokens, torch::nn::Embedding& positions,
                           const torch::Tensor& input) {
  return tokens(input) + positions(torch::arange(input.size(1), input.options()));
}

/// Next-token cross-entropy of the last block's output `x` against `target`.
inline torch::Tensor lm_loss(torch::nn::LayerNorm& ln, torch::nn::Linear& head, const torch::Tensor& x,
                             const torch::Tensor& target) {
  const torch::Tensor logits = head(ln(x));
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}));
}

struct GptImpl : torch::nn::Module {
  explicit GptImpl(const Config& c)
      : tokens(register_module("tokens", torch::nn::Embedding(c.vocab, c.dim))),
        positions(register_module("positions", torch::nn::Embedding(c.seq, c.dim))),
        blocks(register_module("blocks", torch::nn::ModuleList())),
        ln(register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.dim})))),
        head(register_module("head", torch::nn::Linear(torch::nn::LinearOptions(c.dim, c.vocab).bias(false)))) {
    for (int64_t i = 0; i < c.layers; ++i) blocks->push_back(Block(c));
  }

  /// Next-token cross-entropy of `ids` (batch x (seq + 1) token ids).
  torch::Tensor loss(const torch::Tensor& ids) {
    const int64_t t = ids.size(1) - 1;
    const torch::Tensor input = ids.narrow(1, 0, t), target = ids.narrow(1, 1, t);
    torch::Tensor x = embed(tokens, positions, input);
    for (const auto& block : *blocks) x = block->as<Block>()->forward(x);
    return lm_loss(ln, head, x, target);
  }

  torch::nn::Embedding tokens, positions;
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm ln;
  torch::nn::Linear head;
};
TORCH_MODULE(Gpt);

/// Synthetic tokens with something to learn: each sequence counts up by a
/// stride of its own from a random start (mod vocab), so the loss falls.
inline torch::Tensor synthetic_batch(const Config& c, int64_t batch, torch::Device device) {
  const torch::Tensor start = torch::randint(c.vocab, {batch, 1}, torch::kLong);
  const torch::Tensor stride = torch::randint(1, 4, {batch, 1}, torch::kLong);
  const torch::Tensor ids = (start + stride * torch::arange(c.seq + 1, torch::kLong)).remainder(c.vocab);
  return ids.to(device);
}

/// The size flags every GPT sample takes, the model's and the run's:
/// --layers, --dim, --heads, --seq, --vocab, --batch, --steps. True if
/// `flag` was one of them (and `value()`, its text, was read into `model`,
/// `batch` or `steps`); false leaves it to the sample's own flags.
template <typename Value>
bool parse_size_flag(const char* program, const std::string& flag, Value&& value, Config& model,
                     int64_t& batch, int& steps) {
  const auto count = [&](int64_t min) {
    return static_cast<int64_t>(sample::number(program, flag.c_str(), value(), static_cast<double>(min)));
  };
  if (flag == "--layers") {
    model.layers = count(2);
  } else if (flag == "--dim") {
    model.dim = count(1);
  } else if (flag == "--heads") {
    model.heads = count(1);
  } else if (flag == "--seq") {
    model.seq = count(2);
  } else if (flag == "--vocab") {
    model.vocab = count(2);
  } else if (flag == "--batch") {
    batch = count(1);
  } else if (flag == "--steps") {
    steps = static_cast<int>(count(1));
  } else {
    return false;
  }
  return true;
}

}  // namespace gpt
