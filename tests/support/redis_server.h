// Test helper: a real redis-server (Debian's package) on a free loopback port, without
// persistence, killed with the test. Tests skip when redis-server is missing locally; under CI
// (CI set, scripts/setup installed it) a missing server is a failure, never a silent skip.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "redis/client.h"
#include "support/loopback_port.h"
#include "support/required_server.h"

namespace vsr::testing {

class RedisServer {
 public:
  // port 0: a free one; a given port restarts a server where a killed one listened. `tls`:
  // the server speaks only TLS on that port (tests/fixtures/tls's certificate for 127.0.0.1).
  explicit RedisServer(int port = 0, bool tls = false) : tls_(tls) {
    port_ = port != 0 ? port : UnusedLoopbackPort();
    pid_ = fork();
    if (pid_ == 0) {
      const std::string port_text = std::to_string(port_);
      const std::string tls_dir = std::string(VSR_FIXTURES_DIR) + "/tls/";
      const std::string cert = tls_dir + "server.pem", key = tls_dir + "server.key",
                        ca = tls_dir + "ca.pem";
      std::vector<const char*> argv = {"redis-server", "--bind", "127.0.0.1",  "--save", "",
                                       "--appendonly", "no",     "--loglevel", "warning"};
      if (tls) {
        argv.insert(argv.end(), {"--port", "0", "--tls-port", port_text.c_str(), "--tls-cert-file",
                                 cert.c_str(), "--tls-key-file", key.c_str(), "--tls-ca-cert-file",
                                 ca.c_str(), "--tls-auth-clients", "no"});
      } else {
        argv.insert(argv.end(), {"--port", port_text.c_str()});
      }
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execvp("redis-server", const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    // Bounded wait: up to 5 s for PING to answer.
    for (int i = 0; i < 100 && !ready_; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exec failed or the server quit
        pid_ = -1;
        break;
      }
      std::string error;
      if (auto c = redis::Client::Connect(endpoint(), error)) {
        auto pong = c->Command({"PING"}, error);
        ready_ = pong && pong->str == "PONG";
      }
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~RedisServer() { Kill(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  redis::Endpoint endpoint() const {
    redis::Endpoint e;
    e.port = port_;
    e.timeout_ms = 1000;
    e.tls.enabled = tls_;
    if (tls_) e.tls.ca_file = std::string(VSR_FIXTURES_DIR) + "/tls/ca.pem";
    return e;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  bool tls_ = false;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// Starts a server for the current test, skipping (locally) or failing (CI) without one.
#define VSR_REQUIRE_REDIS(server) VSR_REQUIRE_SERVER(server, "redis-server")

}  // namespace vsr::testing
