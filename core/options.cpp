#include <tswap/options.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "check.h"
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
  detail::check_options(options);
  auto snapshot = std::make_shared<const SwapOptions>(std::move(options));
  std::lock_guard<std::mutex> lock(g_defaults_mu);
  defaults() = std::move(snapshot);
}

SwapOptions default_options() {
  return *detail::default_options_snapshot();
}

namespace detail {

void check_options(const SwapOptions& o) {
  TSWAP_CHECK(o.prefetch_depth >= 0, "SwapOptions::prefetch_depth is ", o.prefetch_depth,
              "; it counts the layers backward brings back ahead: 0 (on demand) or more");
  TSWAP_CHECK(o.keep_last >= 1, "SwapOptions::keep_last is ", o.keep_last,
              "; it counts a tag's last layers kept on the device, 1 or more (backward needs "
              "the last layer first: swapping it would only make backward wait for its copy)");
  TSWAP_CHECK(o.max_copies_in_flight >= 0, "SwapOptions::max_copies_in_flight is ",
              o.max_copies_in_flight, "; 0 (no limit) or more");
}

bool observing(const SwapOptions& options) {
  static const bool from_env = [] {
    const char* env = std::getenv("TSWAP_OBSERVE");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return options.observe || from_env;
}

std::shared_ptr<const SwapOptions> default_options_snapshot() {
  std::lock_guard<std::mutex> lock(g_defaults_mu);
  return defaults();
}
}  // namespace detail

}  // namespace tswap
