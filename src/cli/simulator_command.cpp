// `vllm-sr simulator`: the fake OpenAI/Anthropic backend in the foreground (serve runs it for
// first runs; tests and benchmarks start it directly).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "config/loader.h"
#include "observability/logger.h"
#include "server/api_errors.h"
#include "server/http_server.h"
#include "simulator/simulator.h"

namespace vsr::cli {
namespace {

struct SimulatorArgs {
  std::string address = "127.0.0.1";
  int port = -1;  // -1: 8810 + VLLM_SR_PORT_OFFSET
  std::string config;
  std::vector<std::string> models;
  int threads = 1;
  simulator::SimulatorOptions options;
  std::string api_key_env;
};

int RunSimulator(SimulatorArgs args) {
  if (!args.config.empty()) {
    config::LoadResult loaded = config::LoadConfigFile(args.config);
    if (!loaded.diags.ok()) {
      std::cerr << "ERROR - cannot read models from " << args.config << ": "
                << loaded.diags.error_count() << " error(s); run 'vllm-sr validate " << args.config
                << "'\n";
      return kExitError;
    }
    for (const auto& m : loaded.config.providers.models) {
      args.models.push_back(m.provider_model_id.empty() ? m.name : m.provider_model_id);
    }
  }
  args.options.models = args.models;
  if (!args.api_key_env.empty()) {
    const char* key = std::getenv(args.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      std::cerr << "ERROR - --api-key-env " << args.api_key_env << " is not set\n";
      return kExitError;
    }
    args.options.api_key = key;
  }
  observability::ConfigureLogFromEnv();
  RaiseFileLimit();
  boost::asio::io_context io;
  auto sim = std::make_shared<simulator::Simulator>(args.options);
  server::HttpServerOptions options;
  options.address = args.address;
  options.port =
      static_cast<uint16_t>(args.port >= 0 ? args.port : kDefaultSimulatorPort + PortOffset());
  server::HttpServer http(
      io, options,
      [sim](const server::HttpRequest& r, server::HttpExchange& e) -> boost::asio::awaitable<void> {
        co_await sim->Handle(r, e);
      },
      &server::OpenAiError);
  std::string error;
  if (!http.Start(error)) {
    std::cerr << "ERROR - " << error << "\n";
    return kExitError;
  }
  std::cout << "Simulator listening on http://" << args.address << ":" << http.port() << " ("
            << (args.models.empty() ? std::string("any model")
                                    : std::to_string(args.models.size()) + " models")
            << ", response=" << args.options.response << ")" << std::endl;
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const boost::system::error_code&, int) {
    http.Stop();
    io.stop();
  });
  std::vector<std::thread> workers;
  for (int i = 1; i < args.threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& w : workers) w.join();
  std::cout << "Simulator stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterSimulator(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimulatorArgs>();
  auto* cmd = app.add_subcommand(
      "simulator", "Run the simulated OpenAI/Anthropic model backend in the foreground");
  cmd->add_option("--address", args->address, "Address to listen on (default: 127.0.0.1)");
  cmd->add_option("--port", args->port, "Port (default: 8810 + VLLM_SR_PORT_OFFSET; 0 = any)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--config", args->config, "List the provider models of this config");
  cmd->add_option("--model", args->models,
                  "A model name to list (repeatable); any name is answered");
  cmd->add_option("--response", args->options.response,
                  "fixed: a fixed sentence; echo: repeat the last user message (default: fixed)")
      ->check(CLI::IsMember({"fixed", "echo"}));
  cmd->add_option("--ttft-ms", args->options.ttft_ms, "Delay before the first token (default: 0)")
      ->check(CLI::Range(0, 600000));
  cmd->add_option("--tokens-per-second", args->options.tokens_per_second,
                  "Output pace; 0 sends every token at once (default: 0)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--output-tokens", args->options.output_tokens,
                  "Answer length in words for --response fixed (default: 16)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--error-rate", args->options.error_rate,
                  "Share of requests answered with HTTP 500, 0..1 (default: 0)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--api-key-env", args->api_key_env,
                  "Require the API key held by this environment variable");
  cmd->add_option("--logprob", args->options.logprob,
                  "Log-probability of every token when a request asks for logprobs (default: "
                  "-0.1)")
      ->check(CLI::Range(-100.0, 0.0));
  cmd->add_option("--reasoning", args->options.reasoning,
                  "Reasoning text that whole chat answers carry as message.reasoning_content, "
                  "like a thinking model's (default: none)");
  cmd->add_option("--name", args->options.name, "Instance name, sent as x-simulator-name");
  cmd->add_option("--threads", args->threads, "I/O threads (default: 1)")->check(CLI::Range(1, 64));
  cmd->callback([args, &exit_code] { exit_code = RunSimulator(*args); });
}

}  // namespace vsr::cli
