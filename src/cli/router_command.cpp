// `vllm-sr router --config FILE`: load the config, build the router and serve the router API in
// the foreground until SIGINT/SIGTERM. The config file is watched: a valid change is swapped in
// without dropping requests; an invalid one is reported and the running config stays.
// `vllm-sr serve` runs this process; tests start it directly.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "common/duration.h"
#include "config/loader.h"
#include "ml/weight.h"
#include "observability/logger.h"
#include "observability/router_metrics.h"
#include "observability/tracer.h"
#include "plugins/registry.h"
#include "server/data_plane.h"
#include "server/http_client.h"
#include "server/http_poster.h"
#include "server/http_server.h"
#include "server/router_api.h"
#include "vectorstore/service.h"

namespace vsr::cli {
namespace {

namespace fs = std::filesystem;
using observability::Log;
using observability::LogLevel;

struct RouterArgs {
  std::string config = "config.yaml";
  std::string address = "0.0.0.0";
  int port = -1;          // -1: 8080 + VLLM_SR_PORT_OFFSET
  int data_port = -1;     // -1: each listener's port + VLLM_SR_PORT_OFFSET
  int metrics_port = -1;  // -1: 9190 + VLLM_SR_PORT_OFFSET
  std::string access_log;
  int threads = 0;  // 0: one per core
  int watch_interval_ms = 1000;
  int drain_seconds = 30;
};

// The HTTP client of selectors that ask a server (rl_driven's Router-R1): one synchronous
// call on the routing thread that routes the request.
std::optional<std::string> PostSelectionJson(const std::string& url, const std::string& body,
                                             std::chrono::milliseconds timeout,
                                             std::string& error) {
  const server::HttpResult r =
      server::HttpCall("POST", url, body, timeout, {{"Content-Type", "application/json"}});
  if (r.failure != server::HttpResult::Failure::kNone) {
    error = r.error;
    return std::nullopt;
  }
  if (r.status != 200) {
    error = "server returned status " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    return std::nullopt;
  }
  return r.body;
}

// The router for `path`, or nullptr after printing why (errors with file:line:column).
std::shared_ptr<const routing::Router> BuildRouter(const std::string& path, ml::ModelStore& models,
                                                   size_t& error_count) {
  config::LoadResult loaded = config::LoadConfigFile(path);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) Log(LogLevel::kError, d.Format());
  }
  error_count = loaded.diags.error_count();
  if (!loaded.diags.ok()) return nullptr;
  std::vector<std::string> errors;
  auto config = std::make_shared<const config::Config>(std::move(loaded.config));
  routing::RouterOptions options;
  options.selection_post = PostSelectionJson;
  std::shared_ptr<const routing::Router> router =
      routing::Router::Create(config, errors, &models, std::move(options));
  for (const std::string& e : errors) Log(LogLevel::kError, e);
  error_count += errors.size();
  if (!errors.empty()) return nullptr;
  for (signals::Family f : router->used_families()) {
    const signals::Signal* s = router->signal_set().Get(f);
    if (s && !s->NotReadyReason().empty()) {
      Log(LogLevel::kWarn, std::string(signals::NamesOf(f).leaf_type) +
                               " signals cannot run: " + s->NotReadyReason() +
                               " (their conditions never match; /ready reports it)");
    }
  }
  for (const std::string& w : router->warnings()) Log(LogLevel::kWarn, w);
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
  ConfigWatcher(boost::asio::io_context& io, const RouterArgs& args,
                std::shared_ptr<server::RouterSnapshot> snapshot, ml::ModelStore& models)
      : timer_(io),
        args_(args),
        snapshot_(std::move(snapshot)),
        models_(models),
        stamp_(FileStamp(args.config)) {}

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
    auto router = BuildRouter(args_.config, models_, errors);
    if (!router) {
      Log(LogLevel::kError, "Configuration change rejected: " + std::to_string(errors) +
                                " error(s); the router keeps running with the previous "
                                "configuration");
      return;
    }
    const auto& old_listeners = snapshot_->Get()->config().listeners;
    const auto& new_listeners = router->config().listeners;
    bool listeners_changed = old_listeners.size() != new_listeners.size();
    for (size_t i = 0; !listeners_changed && i < new_listeners.size(); ++i) {
      listeners_changed = old_listeners[i].address != new_listeners[i].address ||
                          old_listeners[i].port != new_listeners[i].port;
    }
    snapshot_->Set(std::move(router));
    std::cout << "Configuration reloaded from " << args_.config << std::endl;
    if (listeners_changed) {
      Log(LogLevel::kWarn,
          "listener addresses or ports changed; they take effect after a restart (vllm-sr stop "
          "&& vllm-sr serve)");
    }
  }

  boost::asio::steady_timer timer_;
  const RouterArgs& args_;
  std::shared_ptr<server::RouterSnapshot> snapshot_;
  ml::ModelStore& models_;
  std::pair<fs::file_time_type, uintmax_t> stamp_;
};

// The listeners the data plane serves: the configured ones, or upstream's default.
std::vector<config::Listener> DataListeners(const config::Config& cfg) {
  if (!cfg.listeners.empty()) return cfg.listeners;
  config::Listener l;
  l.name = "http-" + std::to_string(kDefaultDataPort);
  l.port = kDefaultDataPort;
  l.timeout = "300s";
  return {l};
}

// One I/O thread with its own io_context and backend connection pool: like nginx workers,
// threads share nothing on the request path (each listener hands its connections round robin
// to the workers), so there is no cross-thread locking or wake-up per request.
struct Worker {
  boost::asio::io_context io{1};
  // Keeps run() going while the worker has no connection yet (shutdown calls io.stop()).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running{
      io.get_executor()};
  std::vector<std::unique_ptr<server::HttpServer>> servers;
};

// API keys the backends read from the environment: never written to the log.
void RegisterLogSecrets(const config::Config& cfg) {
  for (const auto& m : cfg.providers.models) {
    for (const auto& ref : m.backend_refs) {
      if (ref.api_key_env.empty()) continue;
      if (const char* v = std::getenv(ref.api_key_env.c_str())) observability::AddLogSecret(v);
    }
  }
}

int RunRouter(const RouterArgs& args) {
  // A peer that closes while we write (Redis over TLS: OpenSSL writes with write(2)) must be an
  // error on that connection, not a signal that ends the router.
  std::signal(SIGPIPE, SIG_IGN);
  observability::ConfigureLogFromEnv();
  if (const std::string note = ml::MatmulSettingNote(); !note.empty()) Log(LogLevel::kWarn, note);
  if (ml::Int8Weights()) {
    Log(LogLevel::kInfo,
        "VLLM_SR_MATMUL=int8: encoder weights are kept in int8 (a quarter of their memory; "
        "embeddings within ~2e-3 of float32)");
  }
  size_t errors = 0;
  // Model folders are loaded once and shared by the signals, the semantic cache and the
  // routers that configuration reloads build.
  auto models = std::make_shared<ml::ModelStore>();
  std::shared_ptr<const routing::Router> router = BuildRouter(args.config, *models, errors);
  if (!router) {
    Log(LogLevel::kError, "Configuration validation failed: " + std::to_string(errors) +
                              " error(s); run 'vllm-sr validate " + args.config + "' for details");
    return kExitError;
  }
  RegisterLogSecrets(router->config());
  RaiseFileLimit();
  const int threads = args.threads > 0
                          ? args.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // The control thread (this one) serves the router API and metrics, watches the config and
  // handles signals; the data-plane workers serve only traffic, so an eval that runs models
  // never delays a chat request.
  auto control = std::make_unique<Worker>();
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>());
  // Every data plane's backend pool, closed at shutdown before any worker's io_context goes.
  std::vector<std::shared_ptr<server::UpstreamPool>> pools;
  boost::asio::io_context& main_io = control->io;
  auto snapshot = std::make_shared<server::RouterSnapshot>(router);
  std::string error;

  // Router API (control thread).
  server::HttpServerOptions api_options;
  api_options.address = args.address;
  api_options.port =
      static_cast<uint16_t>(args.port >= 0 ? args.port : kDefaultApiPort + PortOffset());
  // File uploads (global.stores.vector_store.max_file_size_mb) may be larger than the default
  // body limit; the API itself refuses files over the configured size with a clear 413.
  if (const auto& vs = router->config().global.stores.vector_store; vs && vs->enabled) {
    const size_t upload = vs->max_file_size_mb > 0 ? static_cast<size_t>(vs->max_file_size_mb) << 20
                                                   : vectorstore::ServiceOptions{}.max_file_bytes;
    api_options.body_limit = std::max(api_options.body_limit, upload + (1u << 20));
  }
  auto api = std::make_shared<server::RouterApi>(snapshot);
  api->SetModels(models);
  auto& api_server = control->servers.emplace_back(std::make_unique<server::HttpServer>(
      main_io, api_options, [api](const server::HttpRequest& r) { return api->Handle(r); },
      &server::RouterApi::ErrorForStatus));
  if (!api_server->Start(error)) {
    Log(LogLevel::kError, "router API: " + error);
    return kExitError;
  }
  std::cout << "Router API listening on http://" << args.address << ":" << api_server->port()
            << std::endl;

  // Metrics (:9190/metrics), unless global.services.observability.metrics.enabled is false;
  // then nothing is recorded either (the data plane gets no registry).
  std::shared_ptr<observability::RouterMetrics> metrics;
  if (router->config().global.services.observability.metrics.enabled) {
    metrics = std::make_shared<observability::RouterMetrics>();
    server::HttpServerOptions metrics_options;
    metrics_options.address = args.address;
    metrics_options.port = static_cast<uint16_t>(
        args.metrics_port >= 0 ? args.metrics_port : kDefaultMetricsPort + PortOffset());
    auto& metrics_server = control->servers.emplace_back(std::make_unique<server::HttpServer>(
        main_io, metrics_options,
        [metrics](const server::HttpRequest& r) {
          if (r.path != "/metrics") {
            return server::HttpResponse{404, "text/plain", "not found; try /metrics\n", {}};
          }
          return server::HttpResponse{
              200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render(), {}};
        },
        &server::RouterApi::ErrorForStatus));
    if (!metrics_server->Start(error)) {
      Log(LogLevel::kError, "metrics: " + error);
      return kExitError;
    }
    std::cout << "Metrics on http://" << args.address << ":" << metrics_server->port() << "/metrics"
              << std::endl;
  }

  // Data plane: one socket per listener, its connections handed round robin to the workers.
  auto access_log = std::make_shared<server::AccessLog>(args.access_log);
  if (!access_log->ok()) {
    Log(LogLevel::kError, "cannot open access log " + args.access_log);
    return kExitError;
  }
  const std::vector<config::Listener> listeners = DataListeners(router->config());
  std::string response_note;
  auto response_store = server::OpenResponseStore(
      router->config().global.services.response_api,
      [](const std::string& line) { Log(LogLevel::kWarn, line); }, response_note);
  if (!response_note.empty()) Log(LogLevel::kWarn, response_note);
  // Decision plugins: one runtime (stores, caches) shared by every worker and listener. Its
  // warnings (plugins this build cannot run) go to the router log when a config is first used.
  plugins::PluginServices services;
  const auto plugin_runtime_log = [](const std::string& line) { Log(LogLevel::kWarn, line); };
  services.log = plugin_runtime_log;
  services.metrics = metrics;
  // Question embeddings run on their own threads (batched), so a forward pass never holds an
  // I/O thread: one fewer than the cores, at least one.
  const unsigned cores = std::thread::hardware_concurrency();  // 0 when unknown
  services.model_threads = cores > 1 ? cores - 1 : 1;
  services.models = models;
  auto plugin_runtime = std::make_shared<plugins::PluginRuntime>(std::move(services));
  plugin_runtime->ChainsFor(snapshot->Get());
  api->SetMemory([plugin_runtime] { return plugin_runtime->memory_store(); });
  api->SetVectorStore([plugin_runtime] { return plugin_runtime->vector_store(); });
  if (response_store->mirror() != nullptr) {
    std::cout << "Responses API store: " << response_store->description() << "\n";
  }
  if (auto vs = plugin_runtime->vector_store()) {
    std::cout << "Vector store: " << vs->description()
              << "; Files and Vector Stores APIs at /v1/files, /v1/vector_stores" << std::endl;
  }
  if (auto store = plugin_runtime->replay_store()) {
    std::cout << "Router replay: recording to " << store->backend() << " (" << store->size()
              << " records kept), API at /v1/router_replay" << std::endl;
  }
  if (auto cache = plugin_runtime->semantic_cache()) {
    const std::string model = plugin_runtime->embedding_model();
    std::cout << "Semantic cache: " << cache->backend()
              << (model.empty() ? "; exact questions only (no embedding model)"
                                : "; questions embedded with " + model)
              << std::endl;
  }
  // Tracing (global.services.observability.tracing; read at start, a change needs a restart).
  // The exporter thread posts every batch over one kept-alive connection.
  auto poster = std::make_shared<server::HttpPoster>();
  observability::TraceExporterOptions exporter_options;
  std::string protocol_note;
  exporter_options.encoding = observability::OtlpEncodingFromEnv(std::getenv, protocol_note);
  if (!protocol_note.empty()) Log(LogLevel::kWarn, "tracing: " + protocol_note);
  auto tracer = observability::Tracer::Create(
      router->config().global.services.observability.tracing,
      [poster](const std::string& url, std::string_view body, std::string_view content_type,
               std::string& why) {
        const server::HttpResult r = poster->Post(url, body, content_type, std::chrono::seconds(5));
        if (r.failure == server::HttpResult::Failure::kNone && r.status >= 200 && r.status < 300) {
          return true;
        }
        why = r.failure != server::HttpResult::Failure::kNone
                  ? url + ": " + r.error
                  : url + " answered HTTP " + std::to_string(r.status);
        return false;
      },
      plugin_runtime_log, exporter_options);
  if (tracer) std::cout << "Tracing: " << tracer->description() << std::endl;
  // Requests whose config runs learned signals route here: these threads mostly wait for the
  // signal workers, so a few per core keep the cores busy without blocking I/O threads.
  auto route_threads = std::make_shared<WorkerPool>(std::max(4U, 2 * cores));
  for (size_t i = 0; i < listeners.size(); ++i) {
    const config::Listener& l = listeners[i];
    if (args.data_port >= 0 && i > 0) break;  // --data-port serves the first listener only
    server::DataPlaneOptions dp_options;
    dp_options.responses = response_store;
    dp_options.metrics = metrics;
    dp_options.plugins = plugin_runtime;
    dp_options.tracer = tracer;
    dp_options.route_threads = route_threads;
    if (auto t = ParseGoDuration(l.timeout); t && t->count() > 0) dp_options.backend_timeout = *t;
    server::HttpServerOptions options;
    options.address = l.address.empty() ? "0.0.0.0" : l.address;
    options.port =
        static_cast<uint16_t>(args.data_port >= 0 ? args.data_port : l.port + PortOffset());
    std::vector<server::HttpLane> lanes;
    std::vector<std::shared_ptr<server::DataPlane>> planes;
    for (auto& w : workers) {
      auto pool = pools.emplace_back(std::make_shared<server::UpstreamPool>());
      auto plane = std::make_shared<server::DataPlane>(snapshot, pool, access_log, dp_options);
      planes.push_back(plane);
      lanes.push_back({&w->io,
                       [plane](const server::HttpRequest& r, server::HttpExchange& e)
                           -> boost::asio::awaitable<void> { co_await plane->Handle(r, e); }});
    }
    auto& http = workers.front()->servers.emplace_back(std::make_unique<server::HttpServer>(
        workers.front()->io, options, std::move(lanes), &server::DataPlane::ErrorForStatus));
    if (!http->Start(error)) {
      Log(LogLevel::kError, "listener " + l.name + ": " + error);
      return kExitError;
    }
    options.port = http->port();
    // Looper calls come back to this listener (before any request: the I/O threads start later).
    const std::string host =
        options.address == "0.0.0.0" || options.address == "::" ? "127.0.0.1" : options.address;
    for (auto& plane : planes) {
      plane->set_self_url("http://" +
                          (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(options.port) + "/v1/chat/completions");
    }
    std::cout << "Data plane listening on http://" << options.address << ":" << options.port
              << " (listener " << l.name << ", " << workers.size() << " threads)" << std::endl;
  }

  ConfigWatcher watcher(main_io, args, snapshot, *models);
  if (args.watch_interval_ms > 0) watcher.Start();

  // SIGTERM/SIGINT: stop accepting, let requests in flight finish (bounded), then exit.
  auto active_requests = [&workers, &control] {
    size_t active = 0;
    for (const auto& w : workers) {
      for (const auto& s : w->servers) active += s->active_requests();
    }
    for (const auto& s : control->servers) active += s->active_requests();
    return active;
  };
  boost::asio::signal_set stop(main_io, SIGINT, SIGTERM);
  boost::asio::steady_timer drain(main_io);
  auto drain_deadline = std::chrono::steady_clock::now();
  std::function<void()> check_drained = [&] {
    const size_t active = active_requests();
    if (active == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      if (active > 0) {
        Log(LogLevel::kWarn, std::to_string(active) + " request(s) cut off at shutdown");
      }
      for (auto& w : workers) w->io.stop();
      control->io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) check_drained();
    });
  };
  stop.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::cout << "Shutting down: draining requests in flight" << std::endl;
    watcher.Stop();
    for (auto& w : workers) {  // each server is stopped on its own thread
      boost::asio::post(w->io, [&w] {
        for (auto& s : w->servers) s->Stop();
      });
    }
    for (auto& s : control->servers) s->Stop();  // this is the control thread
    drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.drain_seconds);
    check_drained();
  });

  std::vector<std::thread> threads_running;
  for (auto& w : workers) threads_running.emplace_back([&w = *w] { w.io.run(); });
  main_io.run();
  for (auto& t : threads_running) t.join();
  // A listener's server is kept by the connections it handed to every worker: its last
  // reference can go while a later worker's io_context is torn down, after earlier ones are
  // gone. So the pools it reaches close their open idle sockets now, while every io_context
  // exists (its acceptor is closed already; closed sockets no longer touch their io_context).
  // The workers go in order: the first one's pending accepts hold sockets of the others.
  for (auto& pool : pools) pool->CloseIdle();
  std::cout << "Router stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void RegisterRouter(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RouterArgs>();
  auto* cmd =
      app.add_subcommand("router", "Run the router (router API and data plane) in the foreground");
  cmd->add_option("--config", args->config, "Config file (default: config.yaml)");
  cmd->add_option("--address", args->address, "Address to listen on (default: 0.0.0.0)");
  cmd->add_option("--port", args->port, "Router API port (default: 8080 + VLLM_SR_PORT_OFFSET)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--data-port", args->data_port,
                  "Serve the first listener on this port instead (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-port", args->metrics_port,
                  "Metrics port (default: 9190 + VLLM_SR_PORT_OFFSET; 0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--access-log", args->access_log,
                  "File for the data plane's access log (default: stdout)");
  cmd->add_option("--threads", args->threads, "I/O threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--drain-seconds", args->drain_seconds,
                  "How long shutdown waits for requests in flight (default: 30)")
      ->check(CLI::Range(0, 3600));
  cmd->add_option(
         "--watch-interval-ms", args->watch_interval_ms,
         "How often to check the config file for changes; 0 turns reloading off (default: 1000)")
      ->check(CLI::Range(0, 3600000));
  cmd->callback([args, &exit_code] { exit_code = RunRouter(*args); });
}

}  // namespace vsr::cli
