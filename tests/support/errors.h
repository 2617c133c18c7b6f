#pragma once

// Tests check the message of an error, not only that one was thrown.

#include <c10/util/Exception.h>

#include <functional>
#include <string>

namespace tswap_test {

/// The message of the c10::Error `fn` throws (without LibTorch's
/// backtrace), or "" when it throws nothing.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  }
  return {};
}

}  // namespace tswap_test
