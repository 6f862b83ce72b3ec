#include <sys/resource.h>

#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "observability/logger.h"

namespace vsr::cli {

using observability::Log;
using observability::LogLevel;

void RaiseFileLimit() {
  rlim_t wanted = 65536;
  if (const char* raw = std::getenv("VLLM_SR_NOFILE_LIMIT"); raw != nullptr && *raw != '\0') {
    char* end = nullptr;
    const long long v = std::strtoll(raw, &end, 10);
    if (*end != '\0' || v <= 0) {
      Log(LogLevel::kWarn,
          "VLLM_SR_NOFILE_LIMIT='" + std::string(raw) + "' is not a positive number; using 65536");
    } else if (v < 8192) {
      Log(LogLevel::kWarn,
          "VLLM_SR_NOFILE_LIMIT=" + std::to_string(v) + " is below the minimum; using 8192");
      wanted = 8192;
    } else {
      wanted = static_cast<rlim_t>(v);
    }
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (target < wanted) {
    Log(LogLevel::kWarn, "open-file limit capped at " + std::to_string(target) +
                             " (hard limit; wanted " + std::to_string(wanted) + ")");
  }
  limit.rlim_cur = target;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    Log(LogLevel::kWarn, "cannot raise the open-file limit to " + std::to_string(target));
  }
}

}  // namespace vsr::cli
