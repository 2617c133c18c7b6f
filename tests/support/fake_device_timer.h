#pragma once

// A device timing backend for machines without an accelerator: the test
// sets the device's clock and says when each timing event completes, so
// device-timed logs can be checked to the nanosecond (tests/device_timing_test.cpp).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <tswap/device_timer.h>
#include <tswap/profiler/emit.h>

namespace tswap_test {

class FakeDeviceTimer final : public tswap::DeviceTimer {
 public:
  /// One record() of an event, in recording order.
  struct Recorded {
    std::int64_t stamp;  // device ns
    c10::StreamId stream;
    bool anchor;
  };

  /// Every record() stamps the event with the device clock, then moves the
  /// clock on by `tick` ns: marks get distinct, increasing device times in
  /// the order the host queued them.
  explicit FakeDeviceTimer(std::int64_t tick = 1000) : tick_(tick) {}

  std::string name() const override { return "fake"; }
  std::unique_ptr<tswap::TimingEvent> make_event() override {
    return std::make_unique<Event>(*this);
  }

  /// Events recorded on this stream are clock anchors: the k-th (from 0)
  /// completes at device time anchor_device(k), and waiting for it returns
  /// host time anchor_host(k) (default: the real clock when waited for).
  void set_anchor_stream(c10::Stream s) {
    std::lock_guard<std::mutex> lock(mu_);
    anchor_stream_ = s.id();
  }
  void set_anchor_clock(std::function<std::int64_t(int)> device,
                        std::function<std::int64_t(int)> host) {
    std::lock_guard<std::mutex> lock(mu_);
    anchor_device_ = std::move(device);
    anchor_host_ = std::move(host);
  }
  /// Held: marks recorded from now on stay incomplete until complete(i).
  void hold(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = on;
  }
  /// Completes the i-th record() (an index into recorded()).
  void complete(std::size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    done_.at(i) = true;
  }
  std::vector<Recorded> recorded() const {
    std::lock_guard<std::mutex> lock(mu_);
    return recorded_;
  }
  /// Waits (wait_and_read_host_clock) on threads other than `thread`.
  std::uint64_t waits_off(std::thread::id thread) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::uint64_t n = 0;
    for (const auto& id : waiters_) n += id != thread;
    return n;
  }
  std::uint64_t waits_on(std::thread::id thread) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::uint64_t n = 0;
    for (const auto& id : waiters_) n += id == thread;
    return n;
  }

 private:
  class Event final : public tswap::TimingEvent {
   public:
    explicit Event(FakeDeviceTimer& timer) : timer_(timer) {}
    void record(const c10::Stream& stream) override {
      std::lock_guard<std::mutex> lock(timer_.mu_);
      slot_ = timer_.recorded_.size();
      const bool anchor = timer_.anchor_stream_ && *timer_.anchor_stream_ == stream.id();
      std::int64_t stamp = 0;
      if (anchor) {
        stamp = timer_.anchor_device_ ? timer_.anchor_device_(timer_.anchors_) : timer_.now_;
      } else {
        stamp = timer_.now_;
        timer_.now_ += timer_.tick_;
      }
      timer_.recorded_.push_back(Recorded{stamp, stream.id(), anchor});
      timer_.done_.push_back(anchor || !timer_.hold_);
      stamp_ = stamp;
      anchor_number_ = anchor ? timer_.anchors_++ : -1;
    }
    bool query() const override {
      std::lock_guard<std::mutex> lock(timer_.mu_);
      return timer_.done_.at(slot_);
    }
    std::int64_t elapsed_ns(const tswap::TimingEvent& later) const override {
      return static_cast<const Event&>(later).stamp_ - stamp_;
    }
    std::int64_t wait_and_read_host_clock() override {
      std::function<std::int64_t(int)> host;
      {
        std::lock_guard<std::mutex> lock(timer_.mu_);
        timer_.waiters_.push_back(std::this_thread::get_id());
        timer_.done_.at(slot_) = true;
        host = timer_.anchor_host_;
      }
      return host && anchor_number_ >= 0 ? host(anchor_number_) : tswap::profiler::clock_ns();
    }

   private:
    FakeDeviceTimer& timer_;
    std::size_t slot_ = 0;
    std::int64_t stamp_ = 0;
    int anchor_number_ = -1;
  };

  mutable std::mutex mu_;
  const std::int64_t tick_;
  std::int64_t now_ = 1'000'000;  // device ns
  bool hold_ = false;
  std::optional<c10::StreamId> anchor_stream_;
  std::function<std::int64_t(int)> anchor_device_, anchor_host_;
  int anchors_ = 0;
  std::vector<Recorded> recorded_;
  std::vector<bool> done_;
  std::vector<std::thread::id> waiters_;
};

}  // namespace tswap_test
