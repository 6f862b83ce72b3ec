// Test helper: a real PostgreSQL server (Debian's postgresql package) in a fresh data folder on
// a free loopback port, trust authentication for user `vsr`, no fsync unless `durable` (as a
// production server: commits reach the disk), removed with the test.
// As root the server runs as the package's `postgres` user (PostgreSQL refuses root). Tests skip
// when the server is missing locally; under CI (CI set, scripts/setup installed it) a missing
// server is a failure, never a silent skip.
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "postgres/client.h"
#include "support/loopback_port.h"
#include "support/required_server.h"

namespace vsr::testing {

class PostgresServer {
 public:
  explicit PostgresServer(bool durable = false) : durable_(durable) {
    bin_ = FindBinaries();
    if (bin_.empty()) return;
    char folder[] = "/tmp/vsr-pg-XXXXXX";
    if (mkdtemp(folder) == nullptr) return;
    dir_ = folder;
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) return;
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (chown(dir_.c_str(), uid_, gid_) != 0) return;
    }
    const std::string data = dir_ + "/data";
    if (Run({bin_ + "/initdb", "-D", data, "-U", "vsr", "--auth=trust", "-E", "UTF8", "-N"},
            /*wait=*/true) != 0) {
      return;
    }
    port_ = UnusedLoopbackPort();
    Start();
  }
  ~PostgresServer() {
    Stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server on its data folder and port (again, after Stop); waits up to 10 s.
  void Start() {
    std::vector<std::string> argv{bin_ + "/postgres",
                                  "-D",
                                  dir_ + "/data",
                                  "-p",
                                  std::to_string(port_),
                                  "-c",
                                  "listen_addresses=127.0.0.1",
                                  "-k",
                                  dir_};
    if (!durable_) argv.insert(argv.end(), {"-F", "-c", "full_page_writes=off"});
    pid_ = Run(argv, /*wait=*/false);
    ready_ = false;
    for (int i = 0; i < 200 && !ready_ && pid_ > 0; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::string error;
      ready_ = postgres::Client::Connect(endpoint(), error) != nullptr;
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // Immediate shutdown (SIGQUIT ends the server's own processes too), then SIGKILL if needed.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGQUIT);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  postgres::Endpoint endpoint() const {
    postgres::Endpoint e;
    e.host = "127.0.0.1";
    e.port = port_;
    e.database = "postgres";
    e.user = "vsr";
    e.connect_timeout_s = 2;
    return e;
  }

 private:
  static std::string FindBinaries() {
    std::string best;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string bin = entry.path().string() + "/bin";
      if (std::filesystem::exists(bin + "/postgres") && bin > best) best = bin;
    }
    return best;
  }
  // Runs `argv` (as the postgres user when root) with its output in the folder's log; with
  // `wait`, its exit status, else its pid.
  int Run(const std::vector<std::string>& argv, bool wait) {
    const std::string log = dir_ + "/server.log";
    const pid_t pid = fork();
    if (pid == 0) {
      if (uid_ != 0 && (setgid(gid_) != 0 || setuid(uid_) != 0)) _exit(126);
      // Gone with the test process, even when it crashes (set after setuid, which clears it).
      if (prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0 || getppid() == 1) _exit(126);
      if (freopen(log.c_str(), "a", stdout) == nullptr) _exit(126);
      if (freopen(log.c_str(), "a", stderr) == nullptr) _exit(126);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    if (!wait || pid < 0) return pid;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool durable_ = false;
  std::string bin_, dir_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// Starts a server for the current test, skipping (locally) or failing (CI) without one.
#define VSR_REQUIRE_POSTGRES(server) VSR_REQUIRE_SERVER(server, "postgresql")

}  // namespace vsr::testing
