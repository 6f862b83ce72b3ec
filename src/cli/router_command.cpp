// `vllm-sr router --config FILE`: load the config, build the router and serve the router API in
// the foreground until SIGINT/SIGTERM. `vllm-sr serve` runs this process; tests start it directly.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "cli/commands.h"
#include "config/loader.h"
#include "server/http_server.h"
#include "server/router_api.h"

namespace vsr::cli {
namespace {

struct RouterArgs {
  std::string config = "config.yaml";
  std::string address = "0.0.0.0";
  int port = -1;  // -1: 8080 + VLLM_SR_PORT_OFFSET
};

int RunRouter(const RouterArgs& args) {
  config::LoadResult loaded = config::LoadConfigFile(args.config);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) std::cerr << d.Format() << "\n";
  }
  if (!loaded.diags.ok()) {
    std::cerr << "ERROR - Configuration validation failed: " << loaded.diags.error_count()
              << " error(s); run 'vllm-sr validate " << args.config << "' for details\n";
    return kExitError;
  }
  std::vector<std::string> errors;
  auto config = std::make_shared<const config::Config>(std::move(loaded.config));
  std::shared_ptr<const routing::Router> router = routing::Router::Create(config, errors);
  for (const std::string& e : errors) std::cerr << "ERROR - " << e << "\n";
  if (!errors.empty()) return kExitError;

  boost::asio::io_context io;
  server::HttpServerOptions options;
  options.address = args.address;
  options.port = static_cast<uint16_t>(args.port >= 0 ? args.port : kDefaultApiPort + PortOffset());
  auto api = std::make_shared<server::RouterApi>(router);
  server::HttpServer http(
      io, options, [api](const server::HttpRequest& r) { return api->Handle(r); },
      &server::RouterApi::ErrorForStatus);
  std::string error;
  if (!http.Start(error)) {
    std::cerr << "ERROR - " << error << "\n";
    return kExitError;
  }
  for (signals::Family f : router->used_families()) {
    const signals::Signal* s = router->signal_set().Get(f);
    if (s && !s->NotReadyReason().empty()) {
      std::cerr << "WARNING - " << signals::NamesOf(f).leaf_type
                << " signals cannot run: " << s->NotReadyReason()
                << " (their conditions never match; /ready reports it)\n";
    }
  }
  std::cout << "Router API listening on http://" << args.address << ":" << http.port() << std::endl;
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const boost::system::error_code&, int) {
    http.Stop();
    io.stop();
  });
  io.run();
  std::cout << "Router stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterRouter(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RouterArgs>();
  auto* cmd = app.add_subcommand("router", "Run the router (router API) in the foreground");
  cmd->add_option("--config", args->config, "Config file (default: config.yaml)");
  cmd->add_option("--address", args->address, "Address to listen on (default: 0.0.0.0)");
  cmd->add_option("--port", args->port, "Router API port (default: 8080 + VLLM_SR_PORT_OFFSET)")
      ->check(CLI::Range(0, 65535));
  cmd->callback([args, &exit_code] { exit_code = RunRouter(*args); });
}

}  // namespace vsr::cli
