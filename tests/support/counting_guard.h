#pragma once

// A fake accelerator for device-timing tests and benchmarks: c10's
// FakeGuardImpl for PrivateUse1 (device and stream state only; tensors stay
// on the CPU), with a stream pool and a count of stream synchronizations,
// which the engine must never make. Include it in one file per program: it
// registers itself.

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/core/impl/FakeGuardImpl.h>

#include <atomic>

namespace tswap_test {

inline constexpr c10::DeviceType kFakeDevice = c10::DeviceType::PrivateUse1;

inline std::atomic<int>& stream_syncs() {
  static std::atomic<int> n{0};
  return n;
}

class CountingGuardImpl final : public c10::impl::DeviceGuardImplInterface {
 public:
  c10::DeviceType type() const override { return kFakeDevice; }
  c10::Device exchangeDevice(c10::Device d) const override { return fake_.exchangeDevice(d); }
  c10::Device getDevice() const override { return fake_.getDevice(); }
  void setDevice(c10::Device d) const override { fake_.setDevice(d); }
  void uncheckedSetDevice(c10::Device d) const noexcept override { fake_.uncheckedSetDevice(d); }
  c10::Stream getStream(c10::Device d) const noexcept override { return fake_.getStream(d); }
  c10::Stream exchangeStream(c10::Stream s) const noexcept override {
    return fake_.exchangeStream(s);
  }
  c10::Stream getStreamFromGlobalPool(c10::Device d, bool) const override {
    static std::atomic<c10::StreamId> next{1};
    return c10::Stream(c10::Stream::UNSAFE, d, next++);
  }
  c10::DeviceIndex deviceCount() const noexcept override { return 1; }
  void record(void** event, const c10::Stream&, const c10::DeviceIndex,
              const c10::EventFlag) const override {
    if (*event == nullptr) *event = reinterpret_cast<void*>(1);
  }
  void block(void*, const c10::Stream&) const override {}
  bool queryEvent(void*) const override { return true; }
  void destroyEvent(void*, const c10::DeviceIndex) const noexcept override {}
  void synchronizeStream(const c10::Stream&) const override { ++stream_syncs(); }

 private:
  c10::impl::FakeGuardImpl<kFakeDevice> fake_;
};

C10_REGISTER_GUARD_IMPL(PrivateUse1, CountingGuardImpl);

}  // namespace tswap_test
