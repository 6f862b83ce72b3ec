// Test helper: a bounded wait (5 s, polling every 10 ms) for something another thread or
// process makes true — never an unbounded loop.
#pragma once

#include <chrono>
#include <thread>

namespace vsr::testing {

template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace vsr::testing
