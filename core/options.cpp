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

/// An integer environment variable of at least `min`, or `fallback` unset.
long env_number(const char* name, long fallback, long min) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  TSWAP_CHECK(end != text && *end == '\0' && v >= min, name, "=", text, " is not a whole number of ",
              min, " or more");
  return v;
}

/// The process defaults before set_default_options: SwapOptions{} with the
/// knobs the environment sets (TSWAP_KEEP_LAST, TSWAP_PREFETCH_DEPTH,
/// TSWAP_MAX_COPIES_IN_FLIGHT, TSWAP_MIN_BYTES), so a run can take advice
/// (tswap-log advise) without a rebuild. Options a context or
/// set_default_options give replace them.
SwapOptions from_environment() {
  SwapOptions o;
  o.keep_last = static_cast<int>(env_number("TSWAP_KEEP_LAST", o.keep_last, 1));
  o.prefetch_depth = static_cast<int>(env_number("TSWAP_PREFETCH_DEPTH", o.prefetch_depth, 0));
  o.max_copies_in_flight =
      static_cast<int>(env_number("TSWAP_MAX_COPIES_IN_FLIGHT", o.max_copies_in_flight, 0));
  o.min_bytes = static_cast<std::size_t>(
      env_number("TSWAP_MIN_BYTES", static_cast<long>(o.min_bytes), 0));
  return o;
}

std::shared_ptr<const SwapOptions>& defaults() {
  static auto* d =
      new std::shared_ptr<const SwapOptions>(std::make_shared<const SwapOptions>(from_environment()));
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
