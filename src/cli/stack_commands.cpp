// `vllm-sr stop | status | logs | dashboard`: inspect and stop the local stack that `serve`
// started in this folder (stack name and port offset from the environment).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/stack.h"

namespace vsr::cli {
namespace {

namespace fs = std::filesystem;

struct K8sArgs {
  std::string target, k8s_namespace, k8s_context;
};

bool RejectK8s(const K8sArgs& k) {
  if (k.target != "k8s") return false;
  std::cerr << "ERROR - --target k8s is not part of this build yet (no Helm chart); the local "
               "stack is managed without --target.\n";
  return true;
}

void AddK8sOptions(CLI::App* cmd, K8sArgs& k) {
  cmd->add_option("--target", k.target, "docker | k8s")->check(CLI::IsMember({"docker", "k8s"}));
  cmd->add_option("--namespace", k.k8s_namespace, "Kubernetes namespace (--target k8s)");
  cmd->add_option("--context", k.k8s_context, "Kubernetes context (--target k8s)");
}

const char* kServices[] = {"router", "simulator", "dashboard", "prometheus"};

int RunStop() {
  const StackLayout stack = CurrentStack();
  const auto supervisor = LivePid(stack.PidPath("supervisor"));
  if (!supervisor) {
    // No supervisor, but maybe orphans from a crash: stop them too.
    bool any = false;
    for (const char* name : kServices) {
      if (const auto pid = LivePid(stack.PidPath(name))) {
        kill(*pid, SIGTERM);
        any = true;
      }
    }
    if (!any) {
      std::cout << "vLLM Semantic Router is not running (stack " << stack.name
                << "). Nothing to stop." << std::endl;
      return kExitOk;
    }
  }
  std::cout << "Stopping vLLM Semantic Router..." << std::endl;
  if (supervisor) {
    kill(*supervisor, SIGTERM);
    for (int i = 0; i < 450 && ProcessAlive(*supervisor); ++i) {  // up to 45 s (router drains)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (ProcessAlive(*supervisor)) kill(-*supervisor, SIGKILL);  // its whole process group
  }
  for (const char* name : kServices) {
    if (const auto pid = LivePid(stack.PidPath(name))) kill(*pid, SIGKILL);
    fs::remove(stack.PidPath(name));
  }
  fs::remove(stack.PidPath("supervisor"));
  std::cout << "vLLM Semantic Router stopped" << std::endl;
  return kExitOk;
}

int RunStatus(const std::string& which) {
  const StackLayout stack = CurrentStack();
  const auto supervisor = LivePid(stack.PidPath("supervisor"));
  const auto state = ReadStackState(stack);
  if (!supervisor || !state) {
    std::cout << "Status: Not running (stack " << stack.name << ")\n"
              << "Start with: vllm-sr serve" << std::endl;
    return kExitOk;
  }
  std::cout << "vLLM Semantic Router: running (stack " << stack.name << ", supervisor pid "
            << *supervisor << ")\nConfig: " << state->config << "\n\n";
  std::cout << std::left << std::setw(11) << "SERVICE" << std::setw(10) << "STATE" << std::setw(9)
            << "PID" << std::setw(7) << "PORT" << std::setw(11) << "HEALTH"
            << "URL\n";
  for (const StackService& s : state->services) {
    if (which != "all" && which != s.name) continue;
    // The data plane and the metrics endpoint live in the router process.
    const std::string process = s.name == "envoy" || s.name == "metrics" ? "router" : s.name;
    const auto pid = LivePid(stack.PidPath(process));
    const bool healthy = pid && HttpHealthy(s.port, s.health_path, 1000);
    std::cout << std::setw(11) << s.name << std::setw(10) << (pid ? "running" : "stopped")
              << std::setw(9) << (pid ? std::to_string(*pid) : "-") << std::setw(7) << s.port
              << std::setw(11) << (healthy ? "healthy" : (pid ? "unhealthy" : "-")) << s.Url()
              << "\n";
  }
  std::cout << std::flush;
  return kExitOk;
}

volatile std::sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) {
  g_interrupted = 1;
}

int RunLogs(const std::string& service, bool follow) {
  const StackLayout stack = CurrentStack();
  const std::string path = stack.LogPath(service);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "ERROR - No " << service << " logs in " << stack.dir
              << ". Is vLLM Semantic Router running?\nStart it with: vllm-sr serve\n";
    return kExitError;
  }
  // The last 200 lines, then (with -f) whatever is appended until Ctrl-C.
  const std::deque<std::string> tail = LastLines(in, 200);
  if (tail.empty() && !follow) {
    std::cout << "No recent " << service << " logs found" << std::endl;
    return kExitOk;
  }
  for (const auto& l : tail) std::cout << l << "\n";
  std::cout << std::flush;
  if (!follow) return kExitOk;
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  in.clear();
  std::streampos pos = in.tellg();
  if (pos < 0) pos = 0;
  std::string buf(65536, '\0');
  while (!g_interrupted) {
    std::ifstream f(path, std::ios::binary);
    if (f) {
      f.seekg(0, std::ios::end);
      const std::streampos end = f.tellg();
      if (end < pos) pos = 0;  // rotated or truncated: start over
      f.seekg(pos);
      while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0) {
        std::cout.write(buf.data(), f.gcount());
        pos += f.gcount();
      }
      std::cout << std::flush;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return kExitOk;
}

int RunDashboard(bool no_open) {
  const StackLayout stack = CurrentStack();
  if (!LivePid(stack.PidPath("supervisor"))) {
    std::cerr << "ERROR - " << kStackNotRunning << "\nStart it with: vllm-sr serve\n";
    return kExitError;
  }
  const std::string url =
      "http://localhost:" + std::to_string(kDefaultDashboardPort + PortOffset());
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const bool can_open = !no_open && ((display && *display) || (wayland && *wayland)) &&
                        (access("/usr/bin/xdg-open", X_OK) == 0);
  if (can_open) {
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/usr/bin/xdg-open", "xdg-open", url.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    std::cout << "Opening the dashboard: " << url << std::endl;
  } else {
    std::cout << "Dashboard: " << url << std::endl;
  }
  return kExitOk;
}

}  // namespace

void RegisterStackCommands(CLI::App& app, int& exit_code) {
  auto k = std::make_shared<K8sArgs>();

  auto* stop = app.add_subcommand("stop", "Stop the local stack");
  AddK8sOptions(stop, *k);
  stop->callback([k, &exit_code] { exit_code = RejectK8s(*k) ? kExitError : RunStop(); });

  auto which = std::make_shared<std::string>("all");
  auto* status = app.add_subcommand("status", "Show the status of each service");
  status->add_option("service", *which, "envoy | router | dashboard | simulator | all (default)")
      ->check(CLI::IsMember({"envoy", "router", "dashboard", "simulator", "metrics", "all"}));
  AddK8sOptions(status, *k);
  status->callback(
      [k, which, &exit_code] { exit_code = RejectK8s(*k) ? kExitError : RunStatus(*which); });

  auto service = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  auto* logs = app.add_subcommand("logs", "Show a service's logs (envoy = data-plane access log)");
  logs->add_option("service", *service, "envoy | router | dashboard | simulator")
      ->required()
      ->check(CLI::IsMember({"envoy", "router", "dashboard", "simulator"}));
  logs->add_flag("-f,--follow", *follow, "Follow the log");
  AddK8sOptions(logs, *k);
  logs->callback([k, service, follow, &exit_code] {
    exit_code = RejectK8s(*k) ? kExitError : RunLogs(*service, *follow);
  });

  auto no_open = std::make_shared<bool>(false);
  auto* dashboard = app.add_subcommand("dashboard", "Open the dashboard in a browser");
  dashboard->add_flag("--no-open", *no_open, "Print the URL instead of opening a browser");
  dashboard->callback([no_open, &exit_code] { exit_code = RunDashboard(*no_open); });
}

}  // namespace vsr::cli
