#pragma once

// Collects what TORCH_WARN says while alive, on LibTorch 1.x and 2.x alike
// (2.0 turned the warning handler's arguments into a c10::Warning).

#include <c10/util/Exception.h>
#include <torch/version.h>

#include <string>
#include <vector>

namespace tswap_test {

class CapturedWarnings : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  CapturedWarnings() : previous_(c10::WarningUtils::get_warning_handler()) {
    c10::WarningUtils::set_warning_handler(this);
  }
  ~CapturedWarnings() override { c10::WarningUtils::set_warning_handler(previous_); }
  void process(const c10::Warning& w) override { messages.push_back(w.msg()); }
#else
  CapturedWarnings() : previous_(c10::Warning::get_warning_handler()) {
    c10::Warning::set_warning_handler(this);
  }
  ~CapturedWarnings() override { c10::Warning::set_warning_handler(previous_); }
  void process(const c10::SourceLocation&, const std::string& msg, bool) override {
    messages.push_back(msg);
  }
#endif
  CapturedWarnings(const CapturedWarnings&) = delete;
  CapturedWarnings& operator=(const CapturedWarnings&) = delete;

  std::vector<std::string> messages;

 private:
  c10::WarningHandler* previous_;
};

}  // namespace tswap_test
