// Test helper: a child `vllm-sr` process (VSR_CLI_BINARY) whose stdout the test reads line by
// line, killed with the test; PortOf reads the port of a "... http://host:PORT ..." line.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace vsr::testing {

// A child process whose stdout we read line by line.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      // A test that crashes runs no destructor: the child dies with it rather than keeping
      // ctest's output pipe open (which hangs the run).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1) _exit(127);  // the parent died before prctl
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      std::vector<char*> argv{const_cast<char*>(VSR_CLI_BINARY)};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(VSR_CLI_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  // The next line starting with `prefix` (bounded by the process closing stdout).
  std::string LineStartingWith(const std::string& prefix) {
    for (;;) {
      std::string line;
      char c = 0;
      ssize_t n = 0;
      while ((n = read(fd_, &c, 1)) == 1 && c != '\n') line += c;
      if (line.rfind(prefix, 0) == 0) return line;
      if (n != 1) return {};
    }
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

// "... http://host:PORT ..." -> PORT
inline std::string PortOf(const std::string& line) {
  const size_t colon = line.find(':', line.find("http://") + 7);
  const size_t end = line.find_first_not_of("0123456789", colon + 1);
  return line.substr(colon + 1, end - colon - 1);
}

}  // namespace vsr::testing
