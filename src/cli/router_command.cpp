// `vllm-sr router --config FILE`: load the config, build the router and serve the router API in
// the foreground until SIGINT/SIGTERM. The config file is watched: a valid change is swapped in
// without dropping requests; an invalid one is reported and the running config stays.
// `vllm-sr serve` runs this process; tests start it directly.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "config/loader.h"
#include "server/http_server.h"
#include "server/router_api.h"

namespace vsr::cli {
namespace {

namespace fs = std::filesystem;

struct RouterArgs {
  std::string config = "config.yaml";
  std::string address = "0.0.0.0";
  int port = -1;  // -1: 8080 + VLLM_SR_PORT_OFFSET
  int watch_interval_ms = 1000;
};

// The router for `path`, or nullptr after printing why (errors with file:line:column).
std::shared_ptr<const routing::Router> BuildRouter(const std::string& path, size_t& error_count) {
  config::LoadResult loaded = config::LoadConfigFile(path);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) std::cerr << d.Format() << "\n";
  }
  error_count = loaded.diags.error_count();
  if (!loaded.diags.ok()) return nullptr;
  std::vector<std::string> errors;
  auto config = std::make_shared<const config::Config>(std::move(loaded.config));
  std::shared_ptr<const routing::Router> router = routing::Router::Create(config, errors);
  for (const std::string& e : errors) std::cerr << "ERROR - " << e << "\n";
  error_count += errors.size();
  if (!errors.empty()) return nullptr;
  for (signals::Family f : router->used_families()) {
    const signals::Signal* s = router->signal_set().Get(f);
    if (s && !s->NotReadyReason().empty()) {
      std::cerr << "WARNING - " << signals::NamesOf(f).leaf_type
                << " signals cannot run: " << s->NotReadyReason()
                << " (their conditions never match; /ready reports it)\n";
    }
  }
  return router;
}

// What identifies a version of the file: modification time and size.
std::pair<fs::file_time_type, uintmax_t> FileStamp(const std::string& path) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  const auto size = fs::file_size(path, ec);
  return {ec ? fs::file_time_type{} : time, ec ? 0 : size};
}

class ConfigWatcher {
 public:
  ConfigWatcher(boost::asio::io_context& io, const RouterArgs& args, server::RouterApi& api)
      : timer_(io), args_(args), api_(api), stamp_(FileStamp(args.config)) {}

  void Start() {
    timer_.expires_after(std::chrono::milliseconds(args_.watch_interval_ms));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: shutting down
      Check();
      Start();
    });
  }
  void Stop() { timer_.cancel(); }

 private:
  void Check() {
    const auto stamp = FileStamp(args_.config);
    if (stamp == stamp_) return;
    stamp_ = stamp;
    size_t errors = 0;
    auto router = BuildRouter(args_.config, errors);
    if (!router) {
      std::cerr << "ERROR - Configuration change rejected: " << errors
                << " error(s); the router keeps running with the previous configuration\n";
      return;
    }
    api_.SetRouter(std::move(router));
    std::cout << "Configuration reloaded from " << args_.config << std::endl;
  }

  boost::asio::steady_timer timer_;
  const RouterArgs& args_;
  server::RouterApi& api_;
  std::pair<fs::file_time_type, uintmax_t> stamp_;
};

int RunRouter(const RouterArgs& args) {
  size_t errors = 0;
  std::shared_ptr<const routing::Router> router = BuildRouter(args.config, errors);
  if (!router) {
    std::cerr << "ERROR - Configuration validation failed: " << errors
              << " error(s); run 'vllm-sr validate " << args.config << "' for details\n";
    return kExitError;
  }
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
  ConfigWatcher watcher(io, args, *api);
  if (args.watch_interval_ms > 0) watcher.Start();
  std::cout << "Router API listening on http://" << args.address << ":" << http.port() << std::endl;
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const boost::system::error_code&, int) {
    watcher.Stop();
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
  cmd->add_option(
         "--watch-interval-ms", args->watch_interval_ms,
         "How often to check the config file for changes; 0 turns reloading off (default: 1000)")
      ->check(CLI::Range(0, 3600000));
  cmd->callback([args, &exit_code] { exit_code = RunRouter(*args); });
}

}  // namespace vsr::cli
