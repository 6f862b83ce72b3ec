// The local stack `vllm-sr serve` runs: where its state lives (.vllm-sr/stacks/<name>/ in the
// workspace), which services it has and on which ports (shifted by VLLM_SR_PORT_OFFSET), and
// the small process and HTTP probes serve/stop/status/logs share.
#pragma once

#include <sys/types.h>

#include <deque>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace vsr::cli {

struct StackService {
  std::string name;   // router | envoy | simulator | dashboard (upstream's service names)
  std::string label;  // what status prints
  int port = 0;       // host port, offset applied
  std::string health_path;
  std::string Url() const { return "http://localhost:" + std::to_string(port); }
};

struct StackLayout {
  std::string name;       // VLLM_SR_STACK_NAME, default vllm-sr
  int port_offset = 0;    // VLLM_SR_PORT_OFFSET
  std::string workspace;  // absolute working directory
  std::string dir;        // <workspace>/.vllm-sr/stacks/<name>
  std::string LogPath(const std::string& service) const;
  std::string PidPath(const std::string& process) const;  // supervisor, router, ...
  std::string StatePath() const { return dir + "/state.json"; }
};

// The stack for the current directory and environment.
StackLayout CurrentStack();

// What `serve` recorded for the running stack: config path and service ports.
struct StackState {
  std::string config;
  std::vector<StackService> services;
};
bool WriteStackState(const StackLayout& stack, const StackState& state, std::string& error);
std::optional<StackState> ReadStackState(const StackLayout& stack);

// Pid files: the pid when the file exists and that process is alive.
std::optional<pid_t> LivePid(const std::string& pid_path);
bool WritePid(const std::string& pid_path, pid_t pid);
bool ProcessAlive(pid_t pid);

// GET http://127.0.0.1:<port><path> answers 2xx within `timeout_ms`.
bool HttpHealthy(int port, const std::string& path, int timeout_ms = 1000);
// True when nothing listens on 0.0.0.0:<port> (we could bind it).
bool PortFree(int port);

// This program's own path (to start the stack's processes).
std::string SelfExecutable();
// The path of executable `name` on $PATH, or "" when there is none.
std::string FindInPath(const std::string& name);

// Forks and execs `argv` (argv[0] a path) with stdin from /dev/null and stdout and stderr
// appended to `log_path`; `new_session` detaches it into its own session (a daemon whose
// process group can be signalled as one). The child's pid, or -1 when fork fails.
pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log_path,
                  bool new_session);

// The last `n` lines of `in`, reading it through once.
std::deque<std::string> LastLines(std::istream& in, size_t n);

inline constexpr const char* kStackNotRunning = "vLLM Semantic Router is not running";

}  // namespace vsr::cli
