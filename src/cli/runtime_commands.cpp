// The commands that run or talk to a local stack. Their flags match upstream already; the
// behaviour arrives with the data plane and router API, so for now they say so and fail.
#include <iostream>

#include "cli/commands.h"

namespace vsr::cli {
namespace {

// Options are parsed (so bad flags still get CLI11's error) into this sink and ignored.
struct Sink {
  std::string s;
  std::vector<std::string> many;
  bool b = false;
  int i = 0;
};

void NotYet(CLI::App* cmd, int& exit_code) {
  const std::string name = cmd->get_name();
  cmd->callback([name, &exit_code] {
    std::cerr << "ERROR - 'vllm-sr " << name
              << "' is not implemented yet in this build of vllm-sr (C++).\n"
              << "Available now: 'vllm-sr validate', 'vllm-sr config', 'vllm-sr router' and 'vllm-sr eval'.\n";
    exit_code = kExitError;
  });
}

}  // namespace

void RegisterRuntimeCommands(CLI::App& app, int& exit_code) {
  static Sink sink;  // lives as long as the app

  auto* serve = app.add_subcommand("serve", "Start the router, data plane, simulator and dashboard");
  serve->add_option("--config", sink.s, "Config file (default: config.yaml)");
  serve->add_option("--image", sink.s, "Container image (ignored: vllm-sr runs local processes)");
  serve->add_option("--router-image,--envoy-image,--dashboard-image", sink.s,
                    "Per-service images (ignored: local processes)");
  serve->add_option("--image-pull-policy", sink.s, "always | ifnotpresent | never")
      ->check(CLI::IsMember({"always", "ifnotpresent", "never"}));
  serve->add_flag("--readonly", sink.b, "Dashboard in read-only mode");
  serve->add_flag("--minimal", sink.b, "Start without dashboard and observability");
  serve->add_option("--log-level", sink.s, "Router log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error", "dpanic", "panic", "fatal"}));
  serve->add_option("--platform", sink.s, "Platform hint (e.g. amd)");
  serve->add_option("--algorithm", sink.s, "Override every decision's selection algorithm")
      ->check(CLI::IsMember(
          {"static", "elo", "router_dc", "automix", "hybrid", "thompson", "gmtrouter", "router_r1"}));
  serve->add_option("--target", sink.s, "docker | k8s")->check(CLI::IsMember({"docker", "k8s"}));
  serve->add_option("--namespace", sink.s, "Kubernetes namespace (--target k8s)");
  serve->add_option("--context", sink.s, "Kubernetes context (--target k8s)");
  serve->add_option("--profile", sink.s, "Helm values profile (--target k8s)");
  serve->add_option("--chart-dir", sink.s, "Helm chart directory (--target k8s)");
  NotYet(serve, exit_code);

  auto* stop = app.add_subcommand("stop", "Stop the local stack");
  stop->add_option("--target", sink.s, "docker | k8s");
  stop->add_option("--namespace,--context", sink.s, "Kubernetes namespace/context");
  NotYet(stop, exit_code);

  auto* status = app.add_subcommand("status", "Show the status of each service");
  status->add_option("service", sink.s, "envoy | router | dashboard | simulator | all")
      ->check(CLI::IsMember({"envoy", "router", "dashboard", "simulator", "all"}));
  status->add_option("--target", sink.s, "docker | k8s");
  status->add_option("--namespace,--context", sink.s, "Kubernetes namespace/context");
  NotYet(status, exit_code);

  auto* logs = app.add_subcommand("logs", "Show a service's logs");
  logs->add_option("service", sink.s, "envoy | router | dashboard | simulator")
      ->required()
      ->check(CLI::IsMember({"envoy", "router", "dashboard", "simulator"}));
  logs->add_flag("-f,--follow", sink.b, "Follow the log");
  logs->add_option("--target", sink.s, "docker | k8s");
  logs->add_option("--namespace,--context", sink.s, "Kubernetes namespace/context");
  NotYet(logs, exit_code);

  auto* dashboard = app.add_subcommand("dashboard", "Open the dashboard in a browser");
  dashboard->add_flag("--no-open", sink.b, "Print the URL instead of opening a browser");
  NotYet(dashboard, exit_code);

  auto* chat = app.add_subcommand("chat", "Send a one-shot chat completion through the router");
  chat->add_option("message", sink.many, "Message text");
  chat->add_option("--prompt", sink.s, "Message text (alternative to the argument)");
  chat->add_option("--model", sink.s, "Model name (default: MoM)");
  chat->add_option("--system", sink.s, "System prompt");
  chat->add_option("--config", sink.s, "Config file used to find the listener");
  chat->add_option("--base-url", sink.s, "Router base URL (e.g. http://localhost:8888)");
  chat->add_flag("--json", sink.b, "Print the full JSON response");
  chat->add_option("--timeout", sink.i, "Request timeout in seconds (default 120)");
  chat->add_option("--temperature", sink.s, "Sampling temperature");
  chat->add_option("--target", sink.s, "docker | k8s");
  NotYet(chat, exit_code);
}

}  // namespace vsr::cli
