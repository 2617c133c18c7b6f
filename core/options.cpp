#include <tswap/options.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

#include "check.h"
#include "context_state.h"

namespace tswap {
namespace {

// Read on every scope's saved tensor, written rarely: readers copy the
// shared_ptr under a mutex and then use an immutable snapshot.
std::mutex g_defaults_mu;

/// An integer environment variable in [min, max], or `fallback` unset.
long long env_number(const char* name, long long fallback, long long min, long long max) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  TSWAP_CHECK(end != text && *end == '\0' && errno == 0 && v >= min && v <= max, name, "=", text,
              " is not a whole number from ", min, " to ", max);
  return v;
}

/// TSWAP_OBSERVE: 1/true/yes/on or 0/false/no/off (or unset); anything
/// else is refused rather than read as off.
bool env_switch(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return false;
  std::string v(text);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  TSWAP_CHECK(v.empty() || v == "0" || v == "false" || v == "no" || v == "off", name, "=", text,
              " is neither 1 (true, yes, on) nor 0 (false, no, off)");
  return false;
}

}  // namespace

namespace detail {

// The knobs the environment sets override the code's, for every context
// and for the defaults alike, so that a run takes tswap-log advise's advice
// without a rebuild whatever the program sets (TSWAP_OBSERVE likewise).
SwapOptions with_environment(SwapOptions o) {
  constexpr long long kMost = std::numeric_limits<int>::max();
  o.keep_last = static_cast<int>(env_number("TSWAP_KEEP_LAST", o.keep_last, 1, kMost));
  o.prefetch_depth = static_cast<int>(env_number("TSWAP_PREFETCH_DEPTH", o.prefetch_depth, 0, kMost));
  o.max_copies_in_flight = static_cast<int>(
      env_number("TSWAP_MAX_COPIES_IN_FLIGHT", o.max_copies_in_flight, 0, kMost));
  o.min_bytes = static_cast<std::size_t>(env_number(
      "TSWAP_MIN_BYTES", static_cast<long long>(std::min<std::size_t>(o.min_bytes, LLONG_MAX)), 0,
      LLONG_MAX));
  return o;
}

}  // namespace detail

namespace {

std::shared_ptr<const SwapOptions>& defaults() {
  static auto* d = new std::shared_ptr<const SwapOptions>(
      std::make_shared<const SwapOptions>(detail::with_environment(SwapOptions{})));
  return *d;
}

}  // namespace

void set_default_options(SwapOptions options) {
  detail::check_options(options);
  auto snapshot = std::make_shared<const SwapOptions>(detail::with_environment(std::move(options)));
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
  static const bool from_env = env_switch("TSWAP_OBSERVE");
  return options.observe || from_env;
}

std::shared_ptr<const SwapOptions> default_options_snapshot() {
  std::lock_guard<std::mutex> lock(g_defaults_mu);
  return defaults();
}
}  // namespace detail

}  // namespace tswap
