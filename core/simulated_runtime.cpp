#include <tswap/simulated_runtime.h>

#include <ATen/core/grad_mode.h>
#include <pthread.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include <tswap/profiler/emit.h>
#include <tswap/profiler/nvtx.h>

#include "check.h"
#include "copy_fields.h"

namespace tswap {
namespace {

using Clock = std::chrono::steady_clock;

/// Completes when its stream's worker gets past it.
class SimulatedEvent final : public Event {
 public:
  bool ready() const override { return done_.load(std::memory_order_acquire); }

  void complete() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
  }

  /// Blocks until complete; returns the nanoseconds blocked.
  std::int64_t wait() const {
    if (ready()) return 0;
    const auto start = Clock::now();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return ready(); });
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> done_{false};
};

void copy_tensor(const at::Tensor& src, const at::Tensor& dst) {
  if (src.is_contiguous() && dst.is_contiguous() && src.nbytes() == dst.nbytes()) {
    std::memcpy(dst.data_ptr(), src.data_ptr(), src.nbytes());
    return;
  }
  at::NoGradGuard no_grad;
  dst.copy_(src);
}

using trace::EventKind;

/// "sim" for the first simulated runtime of the process, "sim#2" ... after.
std::string instance_name() {
  static std::atomic<int> made{0};
  const int n = ++made;
  return n == 1 ? "sim" : "sim#" + std::to_string(n);
}

}  // namespace

/// One stream: a worker thread that runs its queue in order, recording when
/// each copy starts and ends (the simulated device's own timestamps).
class SimulatedRuntime::Stream {
 public:
  Stream(std::string thread_name, const std::string& stream_name, EventKind start_kind,
         SimulatedLink link)
      : thread_name_(std::move(thread_name)),
        stream_id_(profiler::intern_stream(stream_name)),
        start_kind_(start_kind),
        link_(link),
        thread_([this] { run(); }) {}

  std::uint8_t stream_id() const { return stream_id_; }

  ~Stream() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  EventPtr enqueue(std::size_t bytes, std::function<void()> work, const CopyLabel& label = {}) {
    auto done = std::make_shared<SimulatedEvent>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(Task{std::move(work), bytes, done, label});
    }
    cv_.notify_one();
    return done;
  }

 private:
  struct Task {
    std::function<void()> work;
    std::size_t bytes;
    std::shared_ptr<SimulatedEvent> done;
    CopyLabel label;
  };

  void run() {
    pthread_setname_np(pthread_self(), thread_name_.c_str());
    profiler::name_this_thread(thread_name_);
#if defined(__linux__)
    // Linux lets a sleep end up to 50 us late by default (timer slack):
    // longer than a small copy's whole modelled time.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
    for (;;) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      if (task.work) {
        const profiler::Fields f = detail::copy_fields(task.label, stream_id_, task.bytes);
        profiler::NvtxRange range(start_kind_, f);
        profiler::emit(start_kind_, f);
        const auto start = Clock::now();
        task.work();
        // Drop the copy's references before completing: once the event is
        // ready, the use count of a storage shows only its real holders.
        task.work = nullptr;
        sleep_for_link(start, task.bytes);
        // start + 1 is the matching *_done kind.
        profiler::emit(static_cast<EventKind>(static_cast<std::uint8_t>(start_kind_) + 1), f);
      }
      task.done->complete();
    }
  }

  void sleep_for_link(Clock::time_point start, std::size_t bytes) const {
    auto duration = link_.latency;
    if (link_.bytes_per_second > 0) {
      duration += std::chrono::nanoseconds(
          static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / link_.bytes_per_second));
    }
    if (duration.count() <= 0) return;
    // Sleep for the bulk, then spin until the deadline: a sleep alone
    // overshoots by tens of microseconds, which is 5x a small copy's time
    // (tests/simulated_runtime_test.cpp measures the model against this).
    // Spin, not yield: with compute busy on every core, a yielding thread
    // waits a whole scheduler slice (milliseconds: each copy back of the
    // transformer sample ran 3 ms long at 0.05 GB/s on two cores).
    const Clock::time_point deadline = start + duration;
    constexpr std::chrono::microseconds kSpin{60};
    if (deadline - Clock::now() > kSpin) std::this_thread::sleep_until(deadline - kSpin);
    while (Clock::now() < deadline) {
    }
  }

  const std::string thread_name_;
  const std::uint8_t stream_id_;
  const EventKind start_kind_;  // d2h_start or h2d_start
  const SimulatedLink link_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

SimulatedRuntime::SimulatedRuntime(SimulatedLink link)
    : link_(link),
      pool_(HostPool::create()),
      instance_(instance_name()),
      d2h_(std::make_unique<Stream>("tswap-sim-d2h", instance_ + " d2h", EventKind::d2h_start,
                                    link)),
      h2d_(std::make_unique<Stream>("tswap-sim-h2d", instance_ + " h2d", EventKind::h2d_start,
                                    link)) {
  TSWAP_CHECK(link.bytes_per_second >= 0 && link.latency.count() >= 0,
              "a simulated link needs bandwidth and latency >= 0, got ", link.bytes_per_second,
              " B/s and ", link.latency.count(), " ns");
}

SimulatedRuntime::~SimulatedRuntime() = default;

std::string SimulatedRuntime::name() const {
  std::ostringstream out;
  out << "simulated";
  if (link_.bytes_per_second > 0) out << " " << link_.bytes_per_second / 1e9 << " GB/s";
  if (link_.latency.count() > 0) out << " " << link_.latency.count() / 1000.0 << " us";
  return out.str();
}

bool SimulatedRuntime::supports(c10::Device device) const {
  return device.is_cpu();
}

at::Tensor SimulatedRuntime::allocate_host(std::size_t nbytes) {
  return pool_->allocate(nbytes);
}

EventPtr SimulatedRuntime::copy_to_host(const at::Tensor& src, const at::Tensor& dst,
                                        const CopyLabel& label) {
  // The compute "stream" is this thread and CPU work is synchronous: all the
  // compute work queued so far is already done.
  profiler::emit(EventKind::d2h_queued, detail::copy_fields(label, d2h_->stream_id(), dst.nbytes()));
  return d2h_->enqueue(
      dst.nbytes(), [src, dst] { copy_tensor(src, dst); }, label);
}

EventPtr SimulatedRuntime::copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                                          const CopyLabel& label) {
  profiler::emit(EventKind::h2d_queued, detail::copy_fields(label, h2d_->stream_id(), dst.nbytes()));
  return h2d_->enqueue(
      dst.nbytes(), [src, dst] { copy_tensor(src, dst); }, label);
}

std::int64_t SimulatedRuntime::compute_wait(const EventPtr& event) {
  const auto* simulated = dynamic_cast<const SimulatedEvent*>(event.get());
  TSWAP_CHECK(simulated != nullptr,
              "SimulatedRuntime::compute_wait got an event of another runtime");
  return simulated->wait();
}

void SimulatedRuntime::synchronize() {
  const EventPtr d2h = d2h_->enqueue(0, nullptr);
  const EventPtr h2d = h2d_->enqueue(0, nullptr);
  compute_wait(d2h);
  compute_wait(h2d);
}

}  // namespace tswap
