// `vllm-sr serve`: start the local stack (router with the data plane, simulator, dashboard) as
// supervised background processes under .vllm-sr/stacks/<name>/, wait until each is healthy,
// and print the endpoints. In an empty folder it first writes a working config.yaml.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cli/bootstrap.h"
#include "cli/commands.h"
#include "cli/fetch_models.h"
#include "cli/stack.h"
#include "common/files.h"
#include "config/loader.h"
#include "ml/default_model.h"

namespace vsr::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct ServeArgs {
  std::string config = "config.yaml";
  bool config_given = false;
  std::string image, service_image, pull_policy;
  bool readonly = false;
  bool minimal = false;
  std::string log_level, platform, algorithm, target, k8s_namespace, k8s_context, profile,
      chart_dir;
};

std::vector<StackService> PlanServices(const config::Config& cfg, bool minimal) {
  const int offset = PortOffset();
  std::vector<StackService> s;
  s.push_back({"router", "Router API", kDefaultApiPort + offset, "/health"});
  const int data_port =
      (cfg.listeners.empty() ? kDefaultDataPort : cfg.listeners.front().port) + offset;
  s.push_back({"envoy", "Chat API (data plane)", data_port, "/health"});
  s.push_back({"simulator", "Simulator", kDefaultSimulatorPort + offset, "/health"});
  if (cfg.global.services.observability.metrics.enabled) {
    s.push_back({"metrics", "Metrics", kDefaultMetricsPort + offset, "/metrics"});
    // Prometheus (Debian's package, from scripts/setup) keeps the router's metrics history.
    if (!minimal && !FindInPath("prometheus").empty()) {
      s.push_back({"prometheus", "Prometheus", kDefaultPrometheusPort + offset, "/-/ready"});
    }
  }
  if (!minimal) s.push_back({"dashboard", "Dashboard", kDefaultDashboardPort + offset, "/health"});
  return s;
}

// The starter workspace points its models at this stack's simulator, as backend `simulator` on
// 127.0.0.1. Served again with another VLLM_SR_PORT_OFFSET (a second stack in the same folder),
// they would reach another stack's simulator, or nothing: say so before starting.
void WarnAboutAnotherStacksSimulator(const config::Config& cfg, int simulator_port) {
  std::map<std::string, std::string> models_by_endpoint;  // the mismatched ones
  for (const config::ProviderModel& m : cfg.providers.models) {
    for (const config::BackendRef& b : m.backend_refs) {
      const size_t colon = b.endpoint.rfind(':');
      if (b.name != "simulator" || colon == std::string::npos) continue;
      const std::string host = b.endpoint.substr(0, colon);
      if (host != "127.0.0.1" && host != "localhost") continue;
      if (b.endpoint.substr(colon + 1) == std::to_string(simulator_port)) continue;
      std::string& models = models_by_endpoint[b.endpoint];
      models += (models.empty() ? "" : ", ") + m.name;
    }
  }
  for (const auto& [endpoint, models] : models_by_endpoint) {
    const bool several = models.find(", ") != std::string::npos;
    std::cerr << "WARNING - " << (several ? "models " : "model ") << models
              << (several ? " use" : " uses") << " backend 'simulator' at " << endpoint
              << ", but this stack's simulator listens on port " << simulator_port
              << " (VLLM_SR_PORT_OFFSET=" << PortOffset() << "): requests to "
              << (several ? "them" : "it")
              << " would reach another stack's simulator, or nothing. A "
                 "starter config.yaml is written for the ports of the stack that wrote it: run "
                 "each stack from its own folder, or change the endpoint.\n";
  }
}

// Keeps the previous run's log as <name>.log.1.
void RotateLogs(const StackLayout& stack) {
  std::error_code ec;
  fs::create_directories(stack.dir + "/logs", ec);
  for (const char* name :
       {"router", "envoy", "simulator", "dashboard", "prometheus", "supervisor"}) {
    const std::string path = stack.LogPath(name);
    if (fs::exists(path, ec)) fs::rename(path, path + ".1", ec);
  }
}

// Its own session: survives this terminal, and stop can signal the whole group.
pid_t StartSupervisor(const StackLayout& stack, const std::string& config, bool minimal,
                      const std::string& log_level, const std::vector<StackService>& services) {
  std::vector<std::string> argv{SelfExecutable(), "supervise",   "--config",
                                config,           "--stack-dir", stack.dir};
  if (minimal) argv.push_back("--no-dashboard");
  if (!log_level.empty()) argv.insert(argv.end(), {"--log-level", log_level});
  int metrics_port = 0;
  for (const StackService& s : services) {
    if (s.name == "metrics") metrics_port = s.port;
    if (s.name == "prometheus") {
      argv.insert(argv.end(), {"--prometheus-port", std::to_string(s.port), "--metrics-port",
                               std::to_string(metrics_port)});
    }
  }
  return SpawnLogged(argv, stack.LogPath("supervisor"), true);
}

std::string IndentedLastLines(const std::string& path, size_t n) {
  std::ifstream in(path);
  std::string out;
  for (const auto& l : LastLines(in, n)) out += "    " + l + "\n";
  return out;
}

void PrintEndpoints(const std::vector<StackService>& services) {
  std::cout << "\nEndpoints\n"
            << "| Endpoint | Port | Description |\n"
            << "|---|---|---|\n";
  for (const StackService& s : services) {
    if (s.name == "dashboard") {
      std::cout << "| Dashboard | " << s.port << " | Web UI (placeholder page in this build) |\n";
    } else if (s.name == "envoy") {
      std::cout << "| API | " << s.port
                << " | Chat completions API (configurable in config.yaml) |\n";
    } else if (s.name == "router") {
      std::cout << "| Router API | " << s.port << " | eval, classify, health, models |\n";
    } else if (s.name == "metrics") {
      std::cout << "| Metrics | " << s.port << " | Prometheus metrics (/metrics) |\n";
    } else if (s.name == "simulator") {
      std::cout << "| Simulator | " << s.port << " | Simulated OpenAI/Anthropic backend |\n";
    } else if (s.name == "prometheus") {
      std::cout << "| Prometheus | " << s.port << " | Metrics history (scrapes the router) |\n";
    }
  }
  std::cout << "\nNot started by this build: gRPC ext_proc (50051), Jaeger (16686), Grafana.\n";
}

int RunServe(const ServeArgs& args) {
  if (args.target == "k8s") {
    std::cerr << "ERROR - --target k8s needs the Helm chart, which is not part of this build yet. "
                 "Run the stack locally with 'vllm-sr serve'.\n";
    return kExitError;
  }
  if (!args.image.empty() || !args.service_image.empty() || !args.pull_policy.empty()) {
    std::cout << "Note: image options are ignored; vllm-sr runs the stack as local processes.\n";
  }
  if (!args.algorithm.empty()) {
    std::cerr << "WARNING - --algorithm is not applied by this build yet; set algorithm.type on "
                 "the decisions in your config instead.\n";
  }
  const StackLayout stack = CurrentStack();
  if (const auto pid = LivePid(stack.PidPath("supervisor"))) {
    std::cerr << "ERROR - vLLM Semantic Router is already running (stack " << stack.name
              << ", supervisor pid " << *pid << "). Stop it with: vllm-sr stop\n";
    return kExitError;
  }

  // Config: the given file, or a bootstrapped workspace in an empty folder.
  std::error_code ec;
  std::string config_path = fs::absolute(args.config, ec).string();
  if (!fs::exists(config_path, ec)) {
    if (args.config_given && args.config != "config.yaml") {
      std::cerr << "ERROR - Config file not found: " << args.config << "\n";
      return kExitError;
    }
    if (args.minimal) {
      std::cout << "Note: no config.yaml here; bootstrapping a workspace without the dashboard "
                   "(--minimal).\n";
    }
    std::string error;
    const bool embeddings = ml::DefaultEmbeddingModelInstalled();
    const std::string model = embeddings ? ml::DefaultEmbeddingModelDir() : std::string();
    if (!WriteFileAtomically(config_path,
                             BootstrapConfig(kDefaultSimulatorPort + PortOffset(), model), error)) {
      std::cerr << "ERROR - cannot write " << config_path << ": " << error << "\n";
      return kExitError;
    }
    std::cout << "No config.yaml found: wrote a starter workspace (" << config_path
              << ")\n  auto model MoM -> sim-general / sim-reasoning, answered by the built-in "
                 "simulator\n";
    if (embeddings) {
      std::cout << "  embedding signal on the embedded default model (" << model << ")\n";
    } else {
      std::cout << "  (no embedding signal: the default embedding model is not installed at "
                << ml::DefaultEmbeddingModelDir() << "; bash scripts/setup installs it)\n";
    }
  }
  config::LoadResult loaded = config::LoadConfigFile(config_path);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) std::cerr << d.Format() << "\n";
  }
  if (!loaded.diags.ok()) {
    std::cerr << "ERROR - Configuration validation failed: " << loaded.diags.error_count()
              << " error(s); fix them and run 'vllm-sr serve' again\n";
    return kExitError;
  }

  const std::vector<StackService> services = PlanServices(loaded.config, args.minimal);
  WarnAboutAnotherStacksSimulator(loaded.config, kDefaultSimulatorPort + PortOffset());
  std::string busy;
  for (const StackService& s : services) {
    if (!PortFree(s.port)) busy += "\n  " + std::to_string(s.port) + " (" + s.name + ")";
  }
  if (!busy.empty()) {
    std::cerr << "ERROR - ports already in use:" << busy
              << "\nStop what uses them, or run this stack on other ports with "
                 "VLLM_SR_PORT_OFFSET (and VLLM_SR_STACK_NAME).\n";
    return kExitError;
  }

  // Models first: the router then loads them as it starts, and comes up ready.
  FetchConfiguredModels(loaded.config);

  RotateLogs(stack);
  std::string error;
  if (!WriteStackState(stack, StackState{config_path, services}, error)) {
    std::cerr << "ERROR - cannot write " << stack.StatePath() << ": " << error << "\n";
    return kExitError;
  }
  std::cout << "Starting vLLM Semantic Router (stack " << stack.name
            << (stack.port_offset ? ", port offset " + std::to_string(stack.port_offset) : "")
            << ") with " << config_path << std::endl;
  const pid_t supervisor =
      StartSupervisor(stack, config_path, args.minimal, args.log_level, services);

  // Wait for each service in turn, one progress line each.
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(90);
  for (const StackService& s : services) {
    std::cout << "  waiting for " << s.name << " on port " << s.port << " ..." << std::flush;
    bool healthy = false;
    while (Clock::now() < deadline && ProcessAlive(supervisor)) {
      if (HttpHealthy(s.port, s.health_path, 500)) {
        healthy = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    if (!healthy) {
      std::cout << " failed\n";
      const std::string log_name = s.name == "envoy" || s.name == "metrics" ? "router" : s.name;
      std::cerr << "ERROR - " << s.name << " did not become healthy"
                << (ProcessAlive(supervisor) ? " within 90s" : " (the supervisor exited)")
                << ". Last lines of its log:\n"
                << IndentedLastLines(stack.LogPath(log_name), 15) << "Stopping the stack.\n";
      kill(supervisor, SIGTERM);
      for (int i = 0; i < 400 && ProcessAlive(supervisor); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return kExitError;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << " ready (" << s.Url() << ", " << static_cast<int>(secs * 10) / 10.0 << "s)"
              << std::endl;
  }
  std::cout << "vLLM Semantic Router is running." << std::endl;
  PrintEndpoints(services);
  std::cout << "\nTry:   vllm-sr chat \"hello\"\n"
            << "       vllm-sr status | vllm-sr logs router | vllm-sr stop\n";
  return kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand(
      "serve", "Start the router, data plane, simulator and dashboard (in the background)");
  serve->add_option("--config", a->config, "Config file (default: config.yaml)")
      ->each([a](const std::string&) { a->config_given = true; });
  serve->add_option("--image", a->image, "Container image (ignored: vllm-sr runs local processes)");
  serve->add_option("--router-image,--envoy-image,--dashboard-image", a->service_image,
                    "Per-service images (ignored: local processes)");
  serve->add_option("--image-pull-policy", a->pull_policy, "always | ifnotpresent | never")
      ->check(CLI::IsMember({"always", "ifnotpresent", "never"}));
  serve->add_flag("--readonly", a->readonly, "Dashboard in read-only mode");
  serve->add_flag("--minimal", a->minimal, "Start without dashboard and observability");
  serve->add_option("--log-level", a->log_level, "Router log level")
      ->check(
          CLI::IsMember({"debug", "info", "warn", "warning", "error", "dpanic", "panic", "fatal"}));
  serve->add_option("--platform", a->platform, "Platform hint (e.g. amd)");
  serve->add_option("--algorithm", a->algorithm, "Override every decision's selection algorithm")
      ->check(CLI::IsMember({"static", "elo", "router_dc", "automix", "hybrid", "thompson",
                             "gmtrouter", "router_r1"}));
  serve->add_option("--target", a->target, "docker | k8s")->check(CLI::IsMember({"docker", "k8s"}));
  serve->add_option("--namespace", a->k8s_namespace, "Kubernetes namespace (--target k8s)");
  serve->add_option("--context", a->k8s_context, "Kubernetes context (--target k8s)");
  serve->add_option("--profile", a->profile, "Helm values profile (--target k8s)");
  serve->add_option("--chart-dir", a->chart_dir, "Helm chart directory (--target k8s)");
  serve->footer(
      "Environment (read by serve and the services it starts):\n"
      "  VLLM_SR_STACK_NAME    name of this stack (stacks side by side need different names)\n"
      "  VLLM_SR_PORT_OFFSET   added to every host port (stacks side by side)\n"
      "  VLLM_SR_NOFILE_LIMIT  open-file limit to raise to (default 65536, minimum 8192)\n"
      "  VLLM_SR_MATMUL        encoder weight products: f32 (default), bf16 (AVX-512 CPUs),\n"
      "                        int8 (int8 weights: a quarter of their memory)\n"
      "  SR_LOG_LEVEL, SR_LOG_ENCODING, VLLM_SR_LOG_PROMPTS   router log (see README, Logs)\n"
      "  HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE   model cache and downloads");
  serve->callback([a, &exit_code] { exit_code = RunServe(*a); });
}

}  // namespace vsr::cli
