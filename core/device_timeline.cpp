#include "device_timeline.h"

#include <cstdio>
#include <exception>
#include <utility>

#include <tswap/profiler.h>

namespace tswap::detail {

// Note [Device timeline]
// ~~~~~~~~~~~~~~~~~~~~~~
// On an accelerator the host only queues work: when a copy or a layer's
// kernels ran is known to the device alone. So as the host queues them the
// runtime records a timing event on the stream (a mark), and this class
// turns each mark into a record once the device got there:
//   - Marks never wait. mark() records an event and files it; resolve(),
//     called by the recorder's writer thread before each drain, only
//     queries events. No stream is synchronized and the training thread
//     never blocks. Marks complete in any order (two copy streams and the
//     compute stream run side by side); each is written when it is done.
//   - Device times become log times through clock anchors: an event
//     recorded on a stream nothing else uses completes at once, and the
//     host clock read right after waiting for it is its host time. A mark's
//     time is the anchor's host time plus the device time from the anchor
//     to the mark. The first anchor of a session is taken at its first
//     flush, then one every reanchor_ns: each is written in the log
//     (clock_anchor: host time, device time since the first), so tools can
//     show how far the clocks drift apart between anchors. Only the writer
//     thread waits for an anchor.
//   - Events come from a pool: an event goes back once its record is
//     written, so the pool grows to the marks in flight at once and no
//     further however many steps run. Past max_pending marks waiting (a
//     device or a writer far behind), new marks are dropped, counted and
//     said once, instead of growing the pool without bound.
//   - A session that stops waits for its marks still pending (final), so a
//     log ends with every copy it queued timed; marks left from a session
//     that stopped before them are dropped, never written into the next.
//   - A timer that throws or makes no event turns timing off for good, said
//     once: marks stop, the pending ones are dropped, and a log that had no
//     device-timed record yet says its copies are not timed. A mark mapped
//     to a time after it was found complete (more than kSlackNs past: the
//     anchors' read latency and drift) cannot be right and is left out,
//     counted and said once: a timer whose clock is off does not put
//     records at 2^62 ns.

namespace {
constexpr std::int64_t kSlackNs = 10'000'000;  // 10 ms
}  // namespace

DeviceTimeline::DeviceTimeline(std::shared_ptr<DeviceTimer> timer, c10::Stream anchor_stream,
                               std::uint8_t anchor_stream_id, std::int64_t reanchor_ns,
                               std::string owner, std::size_t max_pending)
    : timer_(std::move(timer)),
      timer_name_(timer_->name()),
      anchor_stream_(anchor_stream),
      anchor_stream_id_(anchor_stream_id),
      reanchor_ns_(reanchor_ns),
      owner_(std::move(owner)),
      max_pending_(max_pending) {
  hook_ = profiler::add_flush_hook([this](bool final) { resolve(final); });
}

DeviceTimeline::~DeviceTimeline() {
  profiler::remove_flush_hook(hook_);  // waits for a resolve() in progress
}

std::unique_ptr<TimingEvent> DeviceTimeline::take_event_locked() {
  if (!pool_.empty()) {
    std::unique_ptr<TimingEvent> e = std::move(pool_.back());
    pool_.pop_back();
    return e;
  }
  std::unique_ptr<TimingEvent> e = timer_->make_event();
  if (!e) throw std::runtime_error("make_event() returned no event");
  ++counters_.events_made;
  return e;
}

void DeviceTimeline::fail(const std::string& why) {
  if (failed_.exchange(true)) return;
  std::fprintf(stderr,
               "tensorswap: device timing of %s (timer '%s') failed: %s; its copies and layers "
               "are logged as queued only from now on\n",
               owner_.c_str(), timer_name_.c_str(), why.c_str());
  std::vector<Pending> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(pending_);
    // Every mark not yet written, those a resolve() holds included.
    counters_.dropped += counters_.pending;
    counters_.pending = 0;
    counters_.failed = true;
    // What the log says of copy timing: nothing device-timed was written.
    if (counters_.resolved == 0) {
      profiler::set_copy_timing(static_cast<std::uint8_t>(trace::CopyTiming::none));
    }
  }
  // The events themselves may be what failed: destroyed, not pooled.
}

bool DeviceTimeline::plausible(std::int64_t host_ns, std::int64_t now_ns) {
  if (host_ns <= now_ns + kSlackNs) return true;
  std::uint64_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++counters_.implausible;
  }
  if (!warned_implausible_.exchange(true)) {
    std::fprintf(stderr,
                 "tensorswap: device timing of %s (timer '%s'): a mark mapped to %.3f ms after "
                 "it was found complete, which cannot be; such marks are left out of the log "
                 "(TimingCounters::implausible, %llu so far): the timer's clock or elapsed_ns is "
                 "off\n",
                 owner_.c_str(), timer_name_.c_str(), static_cast<double>(host_ns - now_ns) / 1e6,
                 static_cast<unsigned long long>(n));
  }
  return false;
}

void DeviceTimeline::give_back(std::unique_ptr<TimingEvent> event) {
  std::lock_guard<std::mutex> lock(mu_);
  pool_.push_back(std::move(event));
}

void DeviceTimeline::mark(const c10::Stream& stream, trace::EventKind kind,
                          const profiler::Fields& fields) {
  if (!profiler::recording() || failed()) return;
  std::string why;
  std::uint64_t behind = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (counters_.pending >= max_pending_) {
      ++counters_.dropped;
      behind = counters_.pending;
    }
  }
  if (behind > 0) {
    if (!warned_behind_.exchange(true)) {
      std::fprintf(stderr,
                   "tensorswap: device timing of %s fell behind: %llu marks wait to be written "
                   "(AcceleratorOptions::max_pending_marks); marks are dropped until the device "
                   "and the writer catch up, so some copies in the log are not timed\n",
                   owner_.c_str(), static_cast<unsigned long long>(behind));
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      std::unique_ptr<TimingEvent> event = take_event_locked();
      event->record(stream);  // queued on the device: returns at once
      pending_.push_back(Pending{std::move(event), kind, fields, profiler::session_number()});
      ++counters_.pending;
      return;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = "an exception that is not a std::exception";
    }
  }
  fail(why);  // never into the training loop
}

void DeviceTimeline::anchor(bool first_of_session) {
  std::unique_ptr<TimingEvent> event;
  {
    std::lock_guard<std::mutex> lock(mu_);
    event = take_event_locked();
    ++counters_.anchors;
  }
  event->record(anchor_stream_);
  const std::int64_t host = event->wait_and_read_host_clock();
  if (first_of_session || !anchor_event_) {
    anchor_device_ns_ = 0;
    anchor_number_ = 0;
  } else {
    const std::int64_t since = anchor_event_->elapsed_ns(*event);
    anchor_device_ns_ += since > 0 ? static_cast<std::uint64_t>(since) : 0;
    ++anchor_number_;
  }
  if (anchor_event_) give_back(std::move(anchor_event_));
  anchor_event_ = std::move(event);
  anchor_host_ns_ = host;
  anchored_at_ns_ = profiler::clock_ns();
  profiler::Fields f;
  f.value = anchor_device_ns_;
  f.index = anchor_number_;
  f.stream = anchor_stream_id_;
  profiler::emit_at(trace::EventKind::clock_anchor, f, host);
}

void DeviceTimeline::resolve(bool final) {
  if (failed()) return;
  std::lock_guard<std::mutex> resolving(resolve_mu_);
  try {
    resolve_locked(final);
  } catch (const std::exception& e) {
    fail(e.what());
  } catch (...) {
    fail("an exception that is not a std::exception");
  }
}

void DeviceTimeline::resolve_locked(bool final) {
  const std::uint64_t session = profiler::session_number();
  const bool recording = profiler::recording();
  if (recording && anchor_session_ != session) {
    anchor(/*first_of_session=*/true);
    anchor_session_ = session;
  } else if (recording && profiler::clock_ns() - anchored_at_ns_ >= reanchor_ns_) {
    anchor(/*first_of_session=*/false);
  }
  std::vector<Pending> work;
  {
    std::lock_guard<std::mutex> lock(mu_);
    work.swap(pending_);
  }
  std::vector<Pending> waiting;
  std::uint64_t written = 0, dropped = 0, implausible = 0;
  for (Pending& p : work) {
    if (!recording || p.session != session || anchor_session_ != session) {
      ++dropped;  // its session's log is closed
      give_back(std::move(p.event));
      continue;
    }
    if (!p.event->query()) {
      if (!final) {
        waiting.push_back(std::move(p));
        continue;
      }
      p.event->wait_and_read_host_clock();
    }
    profiler::Fields f = p.fields;
    f.flags |= trace::kFlagDeviceTime;
    const std::int64_t at = anchor_host_ns_ + anchor_event_->elapsed_ns(*p.event);
    if (plausible(at, profiler::clock_ns())) {
      profiler::emit_at(p.kind, f, at);
      ++written;
    } else {
      ++implausible;
    }
    give_back(std::move(p.event));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (counters_.failed) {
    // mark() failed meanwhile and counted every mark pending as dropped,
    // these among them: what this call wrote was not dropped after all.
    counters_.resolved += written;
    counters_.dropped -= written + implausible;
    return;
  }
  // Still running, ahead of what was marked meanwhile: recording order kept.
  if (!waiting.empty()) {
    for (Pending& p : pending_) waiting.push_back(std::move(p));
    pending_.swap(waiting);
  }
  counters_.pending -= written + dropped + implausible;
  counters_.resolved += written;
  counters_.dropped += dropped;
}

DeviceTimeline::Counters DeviceTimeline::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

}  // namespace tswap::detail
