#include <tswap/options.h>

#include <mutex>

#include "context_state.h"

namespace tswap {
namespace {

// Read on every scope's saved tensor, written rarely: readers copy the
// shared_ptr under a mutex and then use an immutable snapshot.
std::mutex g_defaults_mu;

std::shared_ptr<const SwapOptions>& defaults() {
  static auto* d = new std::shared_ptr<const SwapOptions>(std::make_shared<const SwapOptions>());
  return *d;
}

}  // namespace

void set_default_options(SwapOptions options) {
  auto snapshot = std::make_shared<const SwapOptions>(std::move(options));
  std::lock_guard<std::mutex> lock(g_defaults_mu);
  defaults() = std::move(snapshot);
}

SwapOptions default_options() {
  return *detail::default_options_snapshot();
}

namespace detail {
std::shared_ptr<const SwapOptions> default_options_snapshot() {
  std::lock_guard<std::mutex> lock(g_defaults_mu);
  return defaults();
}
}  // namespace detail

}  // namespace tswap
