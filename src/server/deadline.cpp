#include "server/deadline.h"

#include <boost/asio/steady_timer.hpp>

namespace vsr::server {

struct Deadline::State : std::enable_shared_from_this<State> {
  State(boost::asio::any_io_executor executor, std::function<void()> f)
      : timer(std::move(executor)), on_expire(std::move(f)) {}

  void Arm(Clock::time_point at) {
    armed = true;
    armed_at = at;
    timer.expires_at(at);  // a pending wait ends as aborted: its generation is stale
    timer.async_wait([self = shared_from_this(), generation = ++generation](
                         const boost::system::error_code&) { self->Fired(generation); });
  }

  void Fired(uint64_t fired_generation) {
    if (fired_generation != generation) return;  // re-armed since
    armed = false;
    if (stopped || deadline == Clock::time_point::max()) return;  // idle until the next Touch
    if (Clock::now() < deadline) {
      Arm(deadline);  // the deadline moved while we slept
      return;
    }
    expired = true;
    deadline = Clock::time_point::max();
    if (on_expire) on_expire();
  }

  boost::asio::steady_timer timer;
  std::function<void()> on_expire;
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point armed_at{};
  uint64_t generation = 0;
  bool armed = false;
  bool expired = false;
  bool stopped = false;
};

Deadline::Deadline(boost::asio::any_io_executor executor, std::function<void()> on_expire)
    : state_(std::make_shared<State>(std::move(executor), std::move(on_expire))) {}

Deadline::~Deadline() {
  Stop();
}

void Deadline::Touch(Clock::duration timeout) {
  State& s = *state_;
  if (s.stopped) return;
  s.expired = false;
  const Clock::time_point now = Clock::now();
  // A timeout too long to represent is no deadline at all.
  s.deadline = timeout < Clock::time_point::max() - now ? now + timeout : Clock::time_point::max();
  if (s.deadline == Clock::time_point::max()) return;
  // An armed timer that wakes before the deadline re-arms itself then; one that would wake
  // after it (a shorter timeout than before) is moved.
  if (!s.armed || s.armed_at > s.deadline) s.Arm(s.deadline);
}

void Deadline::Clear() {
  state_->deadline = Clock::time_point::max();
}

bool Deadline::expired() const {
  return state_->expired;
}

void Deadline::Stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.on_expire = nullptr;
  s.deadline = Clock::time_point::max();
  if (s.armed) s.timer.cancel();
}

}  // namespace vsr::server
