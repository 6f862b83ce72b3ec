// What request threads hand to a replication thread (entries to write to a shared store):
// bounded, because a store that is down must not grow the router's memory (a full queue refuses
// and the caller counts the loss), and stoppable, so the thread's waits end at shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace vsr {

template <typename T>
class HandoffQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit HandoffQueue(size_t limit) : limit_(limit) {}

  // False (nothing queued) when the queue is full.
  bool Push(T item) {
    {
      std::lock_guard lock(mu_);
      if (items_.size() >= limit_) return false;
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
    return true;
  }
  // Up to `max` items, oldest first, waiting until `until` for one; after Stop what is left is
  // still handed out, then nothing.
  std::vector<T> Pop(size_t max, Clock::time_point until) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, until, [this] { return stopped_ || !items_.empty(); });
    std::vector<T> out;
    while (!items_.empty() && out.size() < max) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return out;
  }
  // Waits until an item is queued, Stop, or `until`; false when stopped with nothing left.
  bool WaitUntil(Clock::time_point until) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, until, [this] { return stopped_ || !items_.empty(); });
    return !(stopped_ && items_.empty());
  }
  // A backoff: waits `d` unless stopped; false when stopped.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopped_; });
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  const size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool stopped_ = false;
};

}  // namespace vsr
