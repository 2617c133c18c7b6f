#include "models.h"

namespace tswap_test {

namespace {
// The test models' tensors are a few KiB, below tensorswap's default
// min_bytes (1 MiB), which would keep every one of them: the processes
// that build them swap every eligible tensor unless a test says otherwise.
// Here because every such process links this file.
const bool g_small_tensors_swap = [] {
  try {
    tswap::SwapOptions options = tswap::default_options();
    options.min_bytes = 0;
    tswap::set_default_options(options);
  } catch (const c10::Error&) {
    // A knob in the environment that is not a number: the test that sets
    // it (knobs.bad_environment) reads the message itself.
  }
  return true;
}();
}  // namespace

LayerSwap::LayerSwap(const std::optional<std::string>& tag,
                     const std::optional<tswap::SwapOptions>& options) {
  if (!tag) return;
  context_ = options ? std::make_unique<tswap::SwapContext>(*tag, *options)
                     : std::make_unique<tswap::SwapContext>(*tag);
}

void LayerSwap::enter(std::optional<tswap::SwapScope>& scope) {
  if (context_) scope.emplace(*context_);
}

MlpBlockImpl::MlpBlockImpl(int64_t width, const SwapSetup& setup)
    : fc1(register_module("fc1", torch::nn::Linear(width, 2 * width))),
      fc2(register_module("fc2", torch::nn::Linear(2 * width, width))),
      swap(setup.tag, setup.options) {}

torch::Tensor MlpBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  return torch::relu(fc2(torch::relu(fc1(x))));
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t heads_in, const SwapSetup& setup)
    : heads(heads_in),
      ln1(register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})))),
      ln2(register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})))),
      qkv(register_module("qkv", torch::nn::Linear(dim, 3 * dim))),
      proj(register_module("proj", torch::nn::Linear(dim, dim))),
      fc1(register_module("fc1", torch::nn::Linear(dim, 4 * dim))),
      fc2(register_module("fc2", torch::nn::Linear(4 * dim, dim))),
      swap(setup.tag, setup.options),
      mlp_swap(setup.inner_tag, setup.options) {}

torch::Tensor TransformerBlockImpl::attention(const torch::Tensor& x) {
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2), hd = d / heads;
  auto parts = qkv(ln1(x)).chunk(3, -1);
  auto split = [&](const torch::Tensor& p) { return p.reshape({b, t, heads, hd}).transpose(1, 2); };
  auto q = split(parts[0]), k = split(parts[1]), v = split(parts[2]);
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(hd));
  auto causal = torch::ones({t, t}, x.options().dtype(torch::kBool)).triu(1);
  auto weights = torch::softmax(scores.masked_fill(causal, -1e9), -1);
  auto out = torch::matmul(weights, v).transpose(1, 2).reshape({b, t, d});
  return proj(out);
}

torch::Tensor TransformerBlockImpl::mlp(const torch::Tensor& x) {
  std::optional<tswap::SwapScope> scope;
  mlp_swap.enter(scope);
  return fc2(torch::gelu(fc1(ln2(x))));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  x = x + attention(x);
  return x + mlp(x);
}

ConvBlockImpl::ConvBlockImpl(int64_t c, const SwapSetup& setup)
    : conv1(register_module("conv1",
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).padding(1)))),
      conv2(register_module("conv2",
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).padding(1)))),
      bn(register_module("bn", torch::nn::BatchNorm2d(c))),
      swap(setup.tag, setup.options) {}

torch::Tensor ConvBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  return x + conv2(torch::relu(bn(conv1(x))));
}

ViewBlockImpl::ViewBlockImpl(int64_t width, const SwapSetup& setup)
    : fc(register_module("fc", torch::nn::Linear(width, 2 * width))),
      swap(setup.tag, setup.options) {}

torch::Tensor ViewBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  const int64_t w = x.size(1);
  auto a = fc(x);
  auto left = a.narrow(1, 0, w), right = a.narrow(1, w, w);  // views of half the storage
  auto gated = torch::sigmoid(left) * right;                 // mul saves `right`, a narrow view
  auto every_other = gated.slice(0, 0, gated.size(0), 2);    // strided slice
  auto boosted = every_other.exp();                          // exp saves its result
  auto t = gated.t();                                        // transpose of a whole tensor
  auto squared = t.pow(2);                                   // pow saves the transposed view
  return gated + squared.t() + boosted.repeat_interleave(2, 0).narrow(0, 0, gated.size(0));
}

InplaceBlockImpl::InplaceBlockImpl(int64_t width, const SwapSetup& setup)
    : fc(register_module("fc", torch::nn::Linear(width, width))), swap(setup.tag, setup.options) {}

torch::Tensor InplaceBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  auto a = fc(x);
  a.relu_();            // saves its (in-place) result
  auto b = a * 3.0;     // saves nothing
  b.add_(1.0);          // fine: nothing saved b
  return b.sigmoid_();  // saves its (in-place) result
}

DropoutBlockImpl::DropoutBlockImpl(int64_t width, const SwapSetup& setup)
    : fc(register_module("fc", torch::nn::Linear(width, width))),
      dropout(register_module("dropout", torch::nn::Dropout(0.25))),
      swap(setup.tag, setup.options) {}

torch::Tensor DropoutBlockImpl::forward(torch::Tensor x) {
  std::optional<tswap::SwapScope> scope;
  swap.enter(scope);
  return torch::relu(dropout(fc(x)));
}

StackImpl::StackImpl(std::vector<std::shared_ptr<torch::nn::Module>> modules) {
  for (size_t i = 0; i < modules.size(); ++i)
    register_module("layer" + std::to_string(i), modules[i]);
}

torch::Tensor StackImpl::forward(torch::Tensor x) {
  for (size_t i = 0; i < layers.size(); ++i) {
    x = layers[i](x);
    if (on_output) on_output(i, x);
  }
  return x;
}

namespace {

template <class Holder, class... Args>
Stack make_stack(int n, const SwapSetup& setup, Args... args) {
  std::vector<Holder> holders;
  std::vector<std::shared_ptr<torch::nn::Module>> modules;
  for (int i = 0; i < n; ++i) {
    holders.emplace_back(args..., setup);
    modules.push_back(holders.back().ptr());
  }
  Stack stack(modules);
  for (auto& h : holders) stack->layers.emplace_back([h](torch::Tensor x) mutable { return h(x); });
  return stack;
}

}  // namespace

Stack mlp_stack(int n, int64_t width, const SwapSetup& setup) {
  return make_stack<MlpBlock>(n, setup, width);
}
Stack transformer_stack(int n, int64_t dim, int64_t heads, const SwapSetup& setup) {
  return make_stack<TransformerBlock>(n, setup, dim, heads);
}
Stack conv_stack(int n, int64_t channels, const SwapSetup& setup) {
  return make_stack<ConvBlock>(n, setup, channels);
}
Stack view_stack(int n, int64_t width, const SwapSetup& setup) {
  return make_stack<ViewBlock>(n, setup, width);
}
Stack inplace_stack(int n, int64_t width, const SwapSetup& setup) {
  return make_stack<InplaceBlock>(n, setup, width);
}
Stack dropout_stack(int n, int64_t width, const SwapSetup& setup) {
  return make_stack<DropoutBlock>(n, setup, width);
}

Stack interleaved_stack(int n_each, int64_t width, const SwapSetup& a, const SwapSetup& b) {
  std::vector<MlpBlock> holders;
  std::vector<std::shared_ptr<torch::nn::Module>> modules;
  for (int i = 0; i < n_each; ++i) {
    holders.emplace_back(width, a);
    modules.push_back(holders.back().ptr());
    holders.emplace_back(width, b);
    modules.push_back(holders.back().ptr());
  }
  Stack stack(modules);
  for (auto& h : holders) stack->layers.emplace_back([h](torch::Tensor x) mutable { return h(x); });
  return stack;
}

}  // namespace tswap_test
