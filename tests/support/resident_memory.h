// This process's resident memory (VmRSS of /proc/self/status), for tests that a component
// gives memory back or never takes it.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace vsr::testing {

// In KB; -1 when /proc cannot say.
inline long ResidentKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace vsr::testing
