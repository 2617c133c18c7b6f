#include "event_pool.h"

namespace tswap::detail {

PooledEvent::PooledEvent(std::shared_ptr<EventPool> pool, std::unique_ptr<c10::Event> event)
    : pool_(std::move(pool)), event_(std::move(event)) {}

PooledEvent::~PooledEvent() {
  pool_->give_back(std::move(event_));
}

std::shared_ptr<const PooledEvent> EventPool::record(const c10::Stream& stream) {
  std::unique_ptr<c10::Event> event;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      event = std::move(free_.back());
      free_.pop_back();
    } else {
      ++made_;
    }
  }
  if (!event) event = std::make_unique<c10::Event>(type_);
  // Recording again moves the event to this point of `stream`: nobody holds
  // it any more, so nobody sees the old point go.
  event->record(stream);
  return std::make_shared<const PooledEvent>(shared_from_this(), std::move(event));
}

std::size_t EventPool::made() const {
  std::lock_guard<std::mutex> lock(mu_);
  return made_;
}

void EventPool::give_back(std::unique_ptr<c10::Event> event) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(event));
}

void OrderingEvent::order_after(const c10::Stream& compute, const c10::Stream& copy_stream) {
  std::lock_guard<std::mutex> lock(mu_);
  event_.record(compute);
  event_.block(copy_stream);
}

}  // namespace tswap::detail
