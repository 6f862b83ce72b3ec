// A connection's deadline: it fires when an operation runs past its timeout, never while
// operations keep finishing in time or when there is no operation, and never after Stop.
#include "server/deadline.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vsr::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct DeadlineTest : ::testing::Test {
  boost::asio::io_context io;
  int fired = 0;
  Clock::time_point fired_at{};
  Deadline deadline{io.get_executor(), [this] {
                      ++fired;
                      fired_at = Clock::now();
                    }};

  // Runs the io_context for `d`, calling `each` every `step` meanwhile (if given).
  void RunFor(Clock::duration d, Clock::duration step = {}, std::function<void()> each = {}) {
    const auto end = Clock::now() + d;
    while (Clock::now() < end) {
      io.restart();
      io.run_for(step.count() > 0 ? std::min<Clock::duration>(step, end - Clock::now())
                                  : end - Clock::now());
      if (each) each();
    }
  }
};

TEST_F(DeadlineTest, FiresWhenTheOperationRunsPastItsTimeout) {
  const auto start = Clock::now();
  deadline.Touch(50ms);
  RunFor(400ms);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(deadline.expired());
  EXPECT_GE(fired_at - start, 50ms);
  EXPECT_LT(fired_at - start, 300ms);
}

TEST_F(DeadlineTest, OperationsThatKeepFinishingInTimeNeverFire) {
  deadline.Touch(80ms);
  RunFor(400ms, 20ms, [this] { deadline.Touch(80ms); });
  EXPECT_EQ(fired, 0);
  EXPECT_FALSE(deadline.expired());
  // Then the last operation stalls: it fires about one timeout after the last move.
  const auto last = Clock::now();
  RunFor(400ms);
  EXPECT_EQ(fired, 1);
  EXPECT_GE(fired_at - last, 80ms);
  EXPECT_LT(fired_at - last, 300ms);
}

TEST_F(DeadlineTest, NoOperationNoDeadline) {
  deadline.Touch(30ms);
  deadline.Clear();  // the operation finished in time; a handler may now take its time
  RunFor(200ms);
  EXPECT_EQ(fired, 0);
  EXPECT_FALSE(deadline.expired());
}

TEST_F(DeadlineTest, AShorterTimeoutThanTheArmedOneFiresOnTime) {
  deadline.Touch(10s);
  const auto start = Clock::now();
  deadline.Touch(40ms);
  RunFor(400ms);
  EXPECT_EQ(fired, 1);
  EXPECT_LT(fired_at - start, 300ms);
}

TEST_F(DeadlineTest, TouchAfterExpiryStartsAFreshDeadline) {
  deadline.Touch(20ms);
  RunFor(150ms);
  ASSERT_EQ(fired, 1);
  deadline.Touch(20ms);
  EXPECT_FALSE(deadline.expired());
  RunFor(150ms);
  EXPECT_EQ(fired, 2);
}

TEST_F(DeadlineTest, AnUnrepresentableTimeoutIsNoDeadline) {
  deadline.Touch(Clock::duration::max());
  RunFor(50ms);
  EXPECT_EQ(fired, 0);
}

TEST_F(DeadlineTest, StoppedOrDestroyedItNeverFires) {
  deadline.Touch(20ms);
  deadline.Stop();
  deadline.Touch(20ms);  // ignored once stopped
  {
    Deadline gone(io.get_executor(), [this] { ++fired; });
    gone.Touch(20ms);
  }  // destroyed with its timer armed: the pending wait must not touch it
  RunFor(150ms);
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace vsr::server
