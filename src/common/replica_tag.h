// A tag naming this router process on what it writes to a store shared with other routers, so
// it can tell its own entries from theirs when it reads the store back: pid and 64 random bits.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace vsr {

inline uint64_t Random64() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

inline std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string ReplicaTag() {
  return "vsr-" + std::to_string(getpid()) + "-" + Hex64(Random64());
}

}  // namespace vsr
