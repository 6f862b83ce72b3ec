// The stdio transport: the server is a child process; each message is one line of JSON on its
// stdin, each reply one line on its stdout. Lines that are not JSON-RPC responses (a server's
// log output, its own requests and notifications) and responses to other ids (a request that
// timed out earlier) are skipped. The child's stderr is the router's.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <thread>

#include "mcp/protocol.h"
#include "mcp/transports.h"

extern char** environ;

namespace vsr::mcp {
namespace {

namespace json = boost::json;

// A reply line longer than this ends the session (a server that never sends a newline).
constexpr size_t kMaxLine = 8 << 20;

// Whether `pid` ended within `polls` checks `every` apart (then reaped, its status in `status`).
bool Reaped(pid_t pid, int& status, int polls, std::chrono::milliseconds every) {
  for (int i = 0; i < polls; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(every);
  }
  return false;
}

class StdioTransport final : public Transport {
 public:
  explicit StdioTransport(const ClientOptions& o) : options_(o) {}
  // The last reference to a router may go on an I/O thread (a config reload): a server that
  // ignores the end of its input must not hold that thread, so the process is ended apart.
  ~StdioTransport() override {
    if (pid_ <= 0) {
      Stop();
      return;
    }
    std::thread([pid = pid_, in = stdin_, out = stdout_] { EndProcess(pid, in, out); }).detach();
  }

  bool Open(std::string& error) override {
    std::lock_guard lock(mu_);
    Stop();
    return Spawn(error);
  }

  Failure Request(const std::string& message, int id, json::value& result,
                  std::string& error) override {
    // The wait for the pipe counts against the call's own deadline: callers queued behind a
    // server that stopped answering give up in time instead of waiting their turn to time out.
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    std::unique_lock lock(mu_, std::defer_lock);
    if (!lock.try_lock_until(deadline)) {
      error = "the MCP server is still busy with an earlier request after " +
              std::to_string(options_.timeout.count()) + " ms";
      return Failure::kOther;
    }
    if (Failure f = Write(message, error); f != Failure::kNone) return f;
    for (;;) {
      std::string line;
      if (Failure f = ReadLine(deadline, line, error); f != Failure::kNone) return f;
      boost::system::error_code ec;
      const json::value v = json::parse(line, ec);
      if (ec) continue;  // log output on stdout
      const json::value* got = v.is_object() ? v.as_object().if_contains("id") : nullptr;
      if (got == nullptr || !got->is_int64() || got->as_int64() != id) continue;
      switch (ReadResponseMessage(v, result, error)) {
        case Reply::kResult:
          return Failure::kNone;
        case Reply::kError:
          return Failure::kRpc;
        case Reply::kNotResponse:
          continue;  // the server's own request that reuses the number
      }
    }
  }

  Failure Notify(const std::string& message, std::string& error) override {
    std::lock_guard lock(mu_);
    return Write(message, error);
  }

 private:
  bool Spawn(std::string& error) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      close(in[0]);
      close(in[1]);
      return false;
    }
    // The router's environment with the configured variables over it.
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view entry(*e);
      const std::string name(entry.substr(0, entry.find('=')));
      if (options_.env.count(name) == 0) env_text.emplace_back(entry);
    }
    for (const auto& [k, v] : options_.env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (std::string& s : env_text) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_text{options_.command};
    argv_text.insert(argv_text.end(), options_.args.begin(), options_.args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_text) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    pid_t pid = -1;
    const int rc =
        posix_spawnp(&pid, options_.command.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
      close(in[1]);
      close(out[0]);
      error = "cannot run '" + options_.command + "': " + std::strerror(rc);
      return false;
    }
    pid_ = pid;
    stdin_ = in[1];
    stdout_ = out[0];
    buffer_.clear();
    return true;
  }

  // Closes the pipes and ends the process: it may exit on EOF; else SIGTERM, then SIGKILL.
  void Stop() {
    EndProcess(pid_, stdin_, stdout_);
    stdin_ = stdout_ = -1;
    pid_ = -1;
  }
  static void EndProcess(pid_t pid, int in, int out) {
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (pid <= 0) return;
    int status = 0;
    if (Reaped(pid, status, 20, std::chrono::milliseconds(10))) return;  // 200 ms to exit on EOF
    kill(pid, SIGTERM);
    if (Reaped(pid, status, 50, std::chrono::milliseconds(10))) return;  // 500 ms for SIGTERM
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }

  // "the MCP server process `python -m mcp_classifier`": which process, in errors.
  std::string Process() const {
    std::string line = options_.command;
    for (const std::string& a : options_.args) line += " " + a;
    constexpr size_t kLongest = 120;
    if (line.size() > kLongest) line = line.substr(0, kLongest) + "...";
    return "the MCP server process `" + line + "`";
  }

  // "exited with status N" / "killed by signal N" for a process that ended (reaped here).
  std::string ExitText() {
    int status = 0;
    // Its output closes as it exits: give it up to 100 ms to be reaped, so the error can say
    // how it ended (a server that cannot start exits at once).
    if (pid_ <= 0 || !Reaped(pid_, status, 20, std::chrono::milliseconds(5))) {
      return "closed its output";
    }
    pid_ = -1;
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "ended";
  }

  Failure Write(const std::string& message, std::string& error) {
    if (stdin_ < 0) {
      error = "the MCP server process is not running";
      return Failure::kSessionLost;
    }
    const std::string line = message + "\n";
    // A write to a process that exited raises SIGPIPE: block it on this thread for the write
    // and take a pending one back, so embedding programs need not ignore it.
    sigset_t pipe_only, before;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &before);
    size_t done = 0;
    bool broken = false;
    while (done < line.size()) {
      const ssize_t n = ::write(stdin_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        broken = true;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (broken) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_only, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (broken) {
      error = Process() + " " + ExitText() + " (what it printed is in the router's log)";
      return Failure::kSessionLost;
    }
    return Failure::kNone;
  }

  Failure ReadLine(std::chrono::steady_clock::time_point deadline, std::string& line,
                   std::string& error) {
    for (;;) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return Failure::kNone;
      }
      if (buffer_.size() > kMaxLine) {
        error = "the MCP server sent a line over 8 MB";
        return Failure::kOther;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        error = "no reply within " + std::to_string(options_.timeout.count()) + " ms";
        return Failure::kOther;
      }
      pollfd p{stdout_, POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;  // the deadline check above ends it
      char chunk[65536];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = Process() + " " + ExitText() + " (what it printed is in the router's log)";
        return Failure::kSessionLost;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  ClientOptions options_;
  std::timed_mutex mu_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

}  // namespace

std::unique_ptr<Transport> MakeStdioTransport(const ClientOptions& options) {
  return std::make_unique<StdioTransport>(options);
}

}  // namespace vsr::mcp
