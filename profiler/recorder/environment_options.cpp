#include "environment_options.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace tswap::profiler::detail {
namespace {

[[noreturn]] void bad(const char* variable, const std::string& value, const char* expected) {
  throw std::runtime_error(std::string(variable) + "=" + value + ": expected " + expected);
}

}  // namespace

void apply_environment_options(SessionOptions& options) {
  if (const char* v = std::getenv("TSWAP_LOG_CLOCK"); v != nullptr && *v != '\0') {
    const std::string clock = v;
    if (clock == "auto") {
      options.clock = ClockSource::automatic;
    } else if (clock == "steady") {
      options.clock = ClockSource::steady;
    } else if (clock == "tsc") {
      options.clock = ClockSource::tsc;
    } else {
      bad("TSWAP_LOG_CLOCK", clock, "auto, steady or tsc");
    }
  }
  if (const char* v = std::getenv("TSWAP_LOG_COMPRESSION"); v != nullptr && *v != '\0') {
    const std::string value = v;
    constexpr const char* expected = "none, zstd or zstd:LEVEL";
    if (value == "none") {
      options.compression = Compression::none;
    } else if (value.rfind("zstd", 0) == 0) {
      options.compression = Compression::zstd;
      if (value.size() > 4) {
        if (value[4] != ':' || value.size() == 5) bad("TSWAP_LOG_COMPRESSION", value, expected);
        std::size_t used = 0;
        try {
          options.compression_level = std::stoi(value.substr(5), &used);
        } catch (const std::exception&) {
          bad("TSWAP_LOG_COMPRESSION", value, expected);
        }
        if (used != value.size() - 5) bad("TSWAP_LOG_COMPRESSION", value, expected);
      }
    } else {
      bad("TSWAP_LOG_COMPRESSION", value, expected);
    }
  }
}

}  // namespace tswap::profiler::detail
