#include <tswap/simulated_runtime.h>

#include <ATen/core/grad_mode.h>
#include <pthread.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <condition_variable>
#include <cstring>
#include <deque>
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

// Note [Simulated hand-offs]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~
// A stream's worker, and a thread waiting for an event, spin for a short
// while before they sleep. Without that every copy cost a futex wake each
// way: the forward thread queues copies more slowly than the worker runs
// them, so the worker had gone to sleep again before each one, and
// waking it (pthread_cond_signal into the kernel, then a context switch)
// was 40-50% of the engine's time per saved tensor on the simulated
// runtime (docs/performance.md). A queue or an event only notifies when
// somebody sleeps on it. The spin is short, so an idle stream sleeps
// within microseconds and a training step's last copies cost at most that
// much CPU more (SimulatedLink::idle_spin).

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Completes when its stream's worker gets past it.
class SimulatedEvent final : public Event {
 public:
  bool ready() const override { return done_.load(std::memory_order_acquire); }

  void complete() {
    // seq_cst store, then seq_cst load; wait() does the reverse: either the
    // waiter sees done_ or this sees the waiter (Note [Simulated hand-offs]).
    done_.store(true, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }

  /// Blocks until complete; returns the nanoseconds blocked.
  std::int64_t wait(std::chrono::nanoseconds spin) const {
    if (ready()) return 0;
    const auto start = Clock::now();
    const auto spin_until = start + spin;
    while (!ready() && Clock::now() < spin_until) cpu_relax();
    if (!ready()) {
      std::unique_lock<std::mutex> lock(mu_);
      waiters_.fetch_add(1, std::memory_order_seq_cst);
      cv_.wait(lock, [this] { return done_.load(std::memory_order_seq_cst); });
      waiters_.fetch_sub(1, std::memory_order_relaxed);
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::atomic<int> waiters_{0};
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

  /// Queues dst.copy_(src) of `bytes` (undefined tensors: no copy, an
  /// event only).
  EventPtr enqueue(std::size_t bytes, at::Tensor src, at::Tensor dst, const CopyLabel& label = {}) {
    auto done = std::make_shared<SimulatedEvent>();
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(Task{std::move(src), std::move(dst), bytes, done, label});
      queued_.fetch_add(1, std::memory_order_release);
      wake = sleeping_;
    }
    if (wake) cv_.notify_one();
    return done;
  }

 private:
  struct Task {
    at::Tensor src;  // the copy's tensors: held until it ran
    at::Tensor dst;
    std::size_t bytes = 0;
    std::shared_ptr<SimulatedEvent> done;
    CopyLabel label;
  };

  /// The next task, spinning a little before sleeping (Note [Simulated
  /// hand-offs]); false once stopping with nothing left.
  bool take(Task& task) {
    const auto spin_until = Clock::now() + link_.idle_spin;
    while (queued_.load(std::memory_order_acquire) == 0 && Clock::now() < spin_until) cpu_relax();
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.empty() && !stopping_) {
      sleeping_ = true;
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      sleeping_ = false;
    }
    if (queue_.empty()) return false;  // stopping, and everything queued is done
    task = std::move(queue_.front());
    queue_.pop_front();
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }

  void run() {
    pthread_setname_np(pthread_self(), thread_name_.c_str());
    profiler::name_this_thread(thread_name_);
#if defined(__linux__)
    // Linux lets a sleep end up to 50 us late by default (timer slack):
    // longer than a small copy's whole modelled time.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
    Task task;
    while (take(task)) {
      if (task.src.defined()) {
        const profiler::Fields f = detail::copy_fields(task.label, stream_id_, task.bytes);
        profiler::NvtxRange range(start_kind_, f);
        profiler::emit(start_kind_, f);
        const auto start = Clock::now();
        copy_tensor(task.src, task.dst);
        // Drop the copy's references before completing: once the event is
        // ready, the use count of a storage shows only its real holders.
        task.src = at::Tensor();
        task.dst = at::Tensor();
        sleep_for_link(start, task.bytes);
        // start + 1 is the matching *_done kind.
        profiler::emit(static_cast<EventKind>(static_cast<std::uint8_t>(start_kind_) + 1), f);
      }
      task.done->complete();
      task.done.reset();
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
  std::atomic<std::size_t> queued_{0};  // queue_.size(), read without the lock while spinning
  bool sleeping_ = false;               // the worker waits on cv_
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
  // Past 10 ms a spin is no longer "a short while": it keeps a core busy
  // for nothing between steps.
  TSWAP_CHECK(link.idle_spin.count() >= 0 && link.idle_spin <= std::chrono::milliseconds(10),
              "SimulatedLink::idle_spin must be between 0 and 10 ms, got ",
              link.idle_spin.count(), " ns");
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
  return d2h_->enqueue(dst.nbytes(), src, dst, label);
}

EventPtr SimulatedRuntime::copy_to_device(const at::Tensor& src, const at::Tensor& dst,
                                          const CopyLabel& label) {
  profiler::emit(EventKind::h2d_queued, detail::copy_fields(label, h2d_->stream_id(), dst.nbytes()));
  return h2d_->enqueue(dst.nbytes(), src, dst, label);
}

std::int64_t SimulatedRuntime::compute_wait(const EventPtr& event) {
  const auto* simulated = dynamic_cast<const SimulatedEvent*>(event.get());
  TSWAP_CHECK(simulated != nullptr,
              "SimulatedRuntime::compute_wait got an event of another runtime");
  return simulated->wait(link_.idle_spin);
}

void SimulatedRuntime::synchronize() {
  const EventPtr d2h = d2h_->enqueue(0, at::Tensor(), at::Tensor());
  const EventPtr h2d = h2d_->enqueue(0, at::Tensor(), at::Tensor());
  compute_wait(d2h);
  compute_wait(h2d);
}

}  // namespace tswap
