// A connection's timeout with one timer per connection instead of one per I/O operation.
//
// Beast's tcp_stream arms a timer when each read or write starts and cancels it when it ends:
// on this VM that was a timerfd_settime syscall and an extra scheduler round per operation
// (four per proxied request, two per streamed chunk). Here an operation only moves the
// deadline (a clock read); the timer sleeps until the deadline it was armed for and, when the
// deadline moved meanwhile, sleeps again until the new one. It is armed about once per timeout
// period. Between operations there is no deadline (Clear), as with Beast: a handler may take
// as long as it needs.
//
// Single-threaded by design: use it from the executor (strand) its connection's operations
// run on, which is the executor it is given.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace vsr::server {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  // `on_expire` runs on `executor` when a deadline passes (typically: close the socket, so the
  // pending operation ends with an error).
  Deadline(boost::asio::any_io_executor executor, std::function<void()> on_expire);
  ~Deadline();  // Stop()
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The next operation must end within `timeout` from now.
  void Touch(Clock::duration timeout);
  // No deadline until the next Touch.
  void Clear();
  // A deadline passed (and on_expire ran) since the last Touch.
  bool expired() const;
  // For good: on_expire is dropped and the timer cancelled.
  void Stop();

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pending timer wait, which may outlive us
};

}  // namespace vsr::server
