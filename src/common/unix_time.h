// Wall-clock time since the Unix epoch, in the units the router writes it: seconds (OpenAI's
// `created`, store timestamps), milliseconds (expiries kept in Redis), nanoseconds (replay
// records, spans).
#pragma once

#include <chrono>
#include <cstdint>

namespace vsr {

template <typename Unit>
int64_t UnixTime() {
  return std::chrono::duration_cast<Unit>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t UnixSeconds() {
  return UnixTime<std::chrono::seconds>();
}
inline int64_t UnixMillis() {
  return UnixTime<std::chrono::milliseconds>();
}
inline int64_t UnixNanos() {
  return UnixTime<std::chrono::nanoseconds>();
}

}  // namespace vsr
