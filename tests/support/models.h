#pragma once

// Small models for the engine tests. Each layer swaps when given a module
// tag and behaves as plain LibTorch code when not: the baseline a swapped
// run is compared with is literally the same model without tensorswap.

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tswap/tswap.h>

namespace tswap_test {

/// How a model's layers swap: nullopt tags mean "no tensorswap at all".
struct SwapSetup {
  std::optional<std::string> tag;        // the layers' tag
  std::optional<std::string> inner_tag;  // a sub-module's tag, for the models that have one
  std::optional<tswap::SwapOptions> options;

  static SwapSetup none() { return {}; }
  static SwapSetup with(std::string tag) {
    return SwapSetup{std::move(tag), std::nullopt, std::nullopt};
  }
  bool swaps() const { return tag.has_value(); }
};

/// The optional context of one layer (or sub-module).
class LayerSwap {
 public:
  LayerSwap(const std::optional<std::string>& tag,
            const std::optional<tswap::SwapOptions>& options);
  /// Enters the scope when the layer swaps; the optional keeps it alive.
  void enter(std::optional<tswap::SwapScope>& scope);
  const tswap::SwapContext* context() const { return context_.get(); }

 private:
  std::unique_ptr<tswap::SwapContext> context_;
};

/// relu(fc2(relu(fc1(x)))): both relus save their results, fc1/fc2 their inputs.
struct MlpBlockImpl : torch::nn::Module {
  MlpBlockImpl(int64_t width, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  LayerSwap swap;
};
TORCH_MODULE(MlpBlock);

/// Pre-norm transformer block: layer norm, multi-head attention with a fused
/// qkv projection (chunk -> views), reshapes, transposes and softmax, a GELU
/// MLP, two residuals. The MLP may carry its own (inner) tag.
struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(int64_t dim, int64_t heads, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::Tensor attention(const torch::Tensor& x);
  torch::Tensor mlp(const torch::Tensor& x);
  int64_t heads;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
  LayerSwap swap;
  LayerSwap mlp_swap;
};
TORCH_MODULE(TransformerBlock);

/// conv3x3 -> batch norm -> relu -> conv3x3, plus the input.
struct ConvBlockImpl : torch::nn::Module {
  ConvBlockImpl(int64_t channels, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  LayerSwap swap;
};
TORCH_MODULE(ConvBlock);

/// Saves views and slices: narrowed halves of one projection (view
/// elements), a strided slice, a transpose of a whole tensor.
struct ViewBlockImpl : torch::nn::Module {
  ViewBlockImpl(int64_t width, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Linear fc{nullptr};
  LayerSwap swap;
};
TORCH_MODULE(ViewBlock);

/// In-place ops autograd allows: relu_, add_ on an unsaved tensor, sigmoid_.
struct InplaceBlockImpl : torch::nn::Module {
  InplaceBlockImpl(int64_t width, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Linear fc{nullptr};
  LayerSwap swap;
};
TORCH_MODULE(InplaceBlock);

/// fc -> dropout(0.25) -> relu.
struct DropoutBlockImpl : torch::nn::Module {
  DropoutBlockImpl(int64_t width, const SwapSetup& setup);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Linear fc{nullptr};
  torch::nn::Dropout dropout{nullptr};
  LayerSwap swap;
};
TORCH_MODULE(DropoutBlock);

/// A stack of layers run in order; the loss is a fixed function of the output.
struct StackImpl : torch::nn::Module {
  explicit StackImpl(std::vector<std::shared_ptr<torch::nn::Module>> layers);
  torch::Tensor forward(torch::Tensor x);
  /// Called with each layer's output during forward (tests sample stats here).
  std::function<void(size_t layer, const torch::Tensor& output)> on_output;
  std::vector<std::function<torch::Tensor(torch::Tensor)>> layers;
};
TORCH_MODULE(Stack);

/// Builders: `n` layers of one kind, each given the same setup.
Stack mlp_stack(int n, int64_t width, const SwapSetup& setup);
Stack transformer_stack(int n, int64_t dim, int64_t heads, const SwapSetup& setup);
Stack conv_stack(int n, int64_t channels, const SwapSetup& setup);
Stack view_stack(int n, int64_t width, const SwapSetup& setup);
Stack inplace_stack(int n, int64_t width, const SwapSetup& setup);
Stack dropout_stack(int n, int64_t width, const SwapSetup& setup);
/// Alternating MLP layers of two tags: a0 b0 a1 b1 ...
Stack interleaved_stack(int n_each, int64_t width, const SwapSetup& a, const SwapSetup& b);

}  // namespace tswap_test
