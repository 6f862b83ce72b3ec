// `vllm-sr supervise` (internal; `serve` starts it in the background): runs the stack's
// processes — router (with the data plane), simulator, dashboard — each with its own log,
// restarts one that dies (with backoff), and on SIGTERM stops them all, letting the router
// drain requests in flight, so `vllm-sr stop` leaves no process behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/stack.h"
#include "common/files.h"

namespace vsr::cli {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) {
  g_stop = 1;
}

struct SupervisedProcess {
  std::string name;
  std::vector<std::string> argv;
  std::string log_path;
  pid_t pid = -1;
  int restarts = 0;
  Clock::time_point started{};
  Clock::time_point restart_at{};  // when a dead process is due to start again
};

std::string Now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// A service stays in the supervisor's process group: stop can signal them all at once.
pid_t Spawn(const SupervisedProcess& p) {
  return SpawnLogged(p.argv, p.log_path, false);
}

struct SuperviseArgs {
  std::string config;
  std::string stack_dir;
  bool no_dashboard = false;
  int prometheus_port = 0;  // 0: no Prometheus
  int metrics_port = 0;     // the router's metrics, which Prometheus scrapes
  std::string log_level;
};

// Prometheus scraping the router's metrics every 5 s, its data and config under the stack's
// folder, listening on loopback. nullopt (with a log line) when its config cannot be written.
std::optional<std::vector<std::string>> PrometheusArgv(const StackLayout& stack, int port,
                                                       int metrics_port) {
  const std::string config_path = stack.dir + "/prometheus.yml";
  const std::string config =
      "# Written by vllm-sr serve: Prometheus scrapes this stack's router.\n"
      "global:\n"
      "  scrape_interval: 5s\n"
      "  evaluation_interval: 15s\n"
      "scrape_configs:\n"
      "  - job_name: vllm-sr-router\n"
      "    metrics_path: /metrics\n"
      "    static_configs:\n"
      "      - targets: ['127.0.0.1:" +
      std::to_string(metrics_port) + "']\n";
  std::string error;
  if (!WriteFileAtomically(config_path, config, error)) {
    std::cout << Now() << " not starting prometheus: " << error << std::endl;
    return std::nullopt;
  }
  return std::vector<std::string>{FindInPath("prometheus"), "--config.file=" + config_path,
                                  "--storage.tsdb.path=" + stack.dir + "/prometheus-data",
                                  "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                  "--storage.tsdb.retention.time=7d"};
}

int RunSupervisor(const SuperviseArgs& args) {
  // serve --log-level reaches the router as upstream passes it: SR_LOG_LEVEL.
  if (!args.log_level.empty()) setenv("SR_LOG_LEVEL", args.log_level.c_str(), 1);
  StackLayout stack = CurrentStack();
  stack.dir = args.stack_dir;
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a signal wakes the wait loop
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGHUP, SIG_IGN);
  WritePid(stack.PidPath("supervisor"), getpid());

  const std::string self = SelfExecutable();
  std::vector<SupervisedProcess> processes;
  processes.push_back(
      {"router",
       {self, "router", "--config", args.config, "--access-log", stack.LogPath("envoy")},
       stack.LogPath("router")});
  processes.push_back({"simulator",
                       {self, "simulator", "--config", args.config, "--ttft-ms", "80",
                        "--tokens-per-second", "40", "--name", "vllm-sr-simulator"},
                       stack.LogPath("simulator")});
  if (!args.no_dashboard) {
    processes.push_back({"dashboard", {self, "dashboard-server"}, stack.LogPath("dashboard")});
  }
  if (args.prometheus_port > 0) {
    if (auto argv = PrometheusArgv(stack, args.prometheus_port, args.metrics_port)) {
      processes.push_back({"prometheus", std::move(*argv), stack.LogPath("prometheus")});
    }
  }
  for (auto& p : processes) {
    p.pid = Spawn(p);
    p.started = Clock::now();
    WritePid(stack.PidPath(p.name), p.pid);
    std::cout << Now() << " started " << p.name << " (pid " << p.pid << ")" << std::endl;
  }

  while (!g_stop) {
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      for (auto& p : processes) {
        if (p.pid != done) continue;
        const bool long_lived = Clock::now() - p.started > std::chrono::seconds(60);
        if (long_lived) p.restarts = 0;
        const int delay_s = std::min(30, 1 << std::min(p.restarts, 5));
        std::cout << Now() << " " << p.name << " exited ("
                  << (WIFEXITED(status) ? "code " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status)))
                  << "); restarting in " << delay_s << "s" << std::endl;
        p.pid = -1;
        ++p.restarts;
        p.restart_at = Clock::now() + std::chrono::seconds(delay_s);
        std::filesystem::remove(stack.PidPath(p.name));
      }
      continue;
    }
    for (auto& p : processes) {
      if (p.pid < 0 && Clock::now() >= p.restart_at) {
        p.pid = Spawn(p);
        p.started = Clock::now();
        WritePid(stack.PidPath(p.name), p.pid);
        std::cout << Now() << " restarted " << p.name << " (pid " << p.pid << ", restart "
                  << p.restarts << ")" << std::endl;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // Stop: SIGTERM everyone (the router drains), then SIGKILL what is left after the deadline.
  std::cout << Now() << " stopping" << std::endl;
  for (auto& p : processes) {
    if (p.pid > 0) kill(p.pid, SIGTERM);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(35);
  for (;;) {
    bool any = false;
    for (auto& p : processes) {
      if (p.pid <= 0) continue;
      int status = 0;
      if (waitpid(p.pid, &status, WNOHANG) == p.pid) {
        std::cout << Now() << " " << p.name << " stopped" << std::endl;
        p.pid = -1;
      } else {
        any = true;
      }
    }
    if (!any) break;
    if (Clock::now() >= deadline) {
      for (auto& p : processes) {
        if (p.pid <= 0) continue;
        std::cout << Now() << " " << p.name << " did not stop in time; killing it" << std::endl;
        kill(p.pid, SIGKILL);
        waitpid(p.pid, nullptr, 0);
        p.pid = -1;
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& p : processes) std::filesystem::remove(stack.PidPath(p.name));
  std::filesystem::remove(stack.PidPath("supervisor"));
  std::cout << Now() << " stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterSupervise(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SuperviseArgs>();
  auto* cmd = app.add_subcommand("supervise", "Run the stack's processes (started by serve)");
  cmd->group("");  // internal: not listed in help
  cmd->add_option("--config", args->config)->required();
  cmd->add_option("--stack-dir", args->stack_dir)->required();
  cmd->add_flag("--no-dashboard", args->no_dashboard);
  cmd->add_option("--prometheus-port", args->prometheus_port);
  cmd->add_option("--metrics-port", args->metrics_port);
  cmd->add_option("--log-level", args->log_level);
  cmd->callback([args, &exit_code] { exit_code = RunSupervisor(*args); });
}

}  // namespace vsr::cli
