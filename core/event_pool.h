#pragma once

// Completion events of the accelerator runtime's copies, reused.
//
// A copy makes two events: "compute got here", which the copy stream waits
// on, and "the copy is done", which the engine holds. c10::Event creates
// its device event at the first record and destroys it with itself
// (cudaEventCreateWithFlags and cudaEventDestroy on CUDA, each about a
// microsecond of driver time), so one pair per copy was the largest cost
// of a copy launch after the copy call itself. The first kind is recorded
// and waited on at once: one per copy direction serves every copy, since
// a stream's wait takes the event as it was at the time of the wait. The
// second kind lives as long as the engine holds it: those come from a pool
// and go back to it when their last holder lets go.

#include <c10/core/Event.h>
#include <c10/core/Stream.h>

#include <memory>
#include <mutex>
#include <vector>

#include <tswap/runtime.h>

namespace tswap::detail {

class EventPool;

/// A copy's completion: a pooled c10::Event recorded on the copy stream.
class PooledEvent final : public Event {
 public:
  PooledEvent(std::shared_ptr<EventPool> pool, std::unique_ptr<c10::Event> event);
  ~PooledEvent() override;
  PooledEvent(const PooledEvent&) = delete;
  PooledEvent& operator=(const PooledEvent&) = delete;

  bool ready() const override { return event_->query(); }
  /// Makes `stream` wait for the event.
  void block(const c10::Stream& stream) const { event_->block(stream); }

 private:
  std::shared_ptr<EventPool> pool_;
  std::unique_ptr<c10::Event> event_;
};

/// Thread-safe. Owned by a shared_ptr: events in use keep their pool alive.
class EventPool : public std::enable_shared_from_this<EventPool> {
 public:
  explicit EventPool(c10::DeviceType type) : type_(type) {}
  /// An event recorded on `stream` now.
  std::shared_ptr<const PooledEvent> record(const c10::Stream& stream);
  /// Events made so far (in use or free), for tests.
  std::size_t made() const;

 private:
  friend class PooledEvent;
  void give_back(std::unique_ptr<c10::Event> event);

  const c10::DeviceType type_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<c10::Event>> free_;
  std::size_t made_ = 0;
};

/// The "compute got here" event of one copy direction (see the file
/// comment): recorded on the compute stream and waited on by the copy
/// stream under one lock, so two threads copying in one direction at once
/// do not record over each other between the two.
class OrderingEvent {
 public:
  explicit OrderingEvent(c10::DeviceType type) : event_(type) {}
  /// Makes `copy_stream` wait for the work queued on `compute` so far.
  void order_after(const c10::Stream& compute, const c10::Stream& copy_stream);

 private:
  std::mutex mu_;
  c10::Event event_;
};

}  // namespace tswap::detail
