#include "common/rfc3339.h"

#include <ctime>

namespace vsr {

std::string Rfc3339Utc(int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];  // room for any int year: strftime cannot run out of it
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

}  // namespace vsr
