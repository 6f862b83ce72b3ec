#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/commands.h"

namespace vsr::cli {

void RaiseFileLimit() {
  rlim_t wanted = 65536;
  if (const char* raw = std::getenv("VLLM_SR_NOFILE_LIMIT"); raw != nullptr && *raw != '\0') {
    char* end = nullptr;
    const long long v = std::strtoll(raw, &end, 10);
    if (*end != '\0' || v <= 0) {
      std::cerr << "WARNING - VLLM_SR_NOFILE_LIMIT='" << raw
                << "' is not a positive number; using 65536\n";
    } else if (v < 8192) {
      std::cerr << "WARNING - VLLM_SR_NOFILE_LIMIT=" << v << " is below the minimum; using 8192\n";
      wanted = 8192;
    } else {
      wanted = static_cast<rlim_t>(v);
    }
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (target < wanted) {
    std::cerr << "WARNING - open-file limit capped at " << target << " (hard limit; wanted "
              << wanted << ")\n";
  }
  limit.rlim_cur = target;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::cerr << "WARNING - cannot raise the open-file limit to " << target << "\n";
  }
}

}  // namespace vsr::cli
