// Test helpers: a socket bound to a free loopback port, and a loopback TCP port that was free a
// moment ago (bound, read back, closed).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace vsr::testing {

// A TCP socket bound to a free loopback port, which goes to `port`; -1 when none could be made.
inline int BindLoopback(uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

inline uint16_t UnusedLoopbackPort() {
  uint16_t port = 0;
  const int fd = BindLoopback(port);
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace vsr::testing
