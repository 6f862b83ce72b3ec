// `vllm-sr dashboard-server` (internal; the stack's dashboard service on :8700). The web
// dashboard is its own piece of work; until it lands this serves a page that says so and
// points at what already works.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "cli/commands.h"
#include "server/api_errors.h"
#include "server/http_server.h"

namespace vsr::cli {
namespace {

std::string PlaceholderPage() {
  const int offset = PortOffset();
  const std::string api = std::to_string(kDefaultApiPort + offset);
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>vLLM Semantic Router</title></head>\n<body>\n"
         "<h1>vLLM Semantic Router</h1>\n"
         "<p>The web dashboard is not part of this build yet. The router is running; use:</p>\n"
         "<ul>\n"
         "<li><code>vllm-sr chat \"hello\"</code> to send a routed request</li>\n"
         "<li><code>vllm-sr eval --prompt \"...\"</code> to see how signals fire</li>\n"
         "<li><code>vllm-sr status</code> and <code>vllm-sr logs router</code></li>\n"
         "<li>Router API: <a href=\"http://localhost:" +
         api + "/api/v1\">http://localhost:" + api +
         "/api/v1</a></li>\n"
         "</ul>\n</body></html>\n";
}

int RunDashboardServer(int port) {
  boost::asio::io_context io;
  server::HttpServerOptions options;
  options.address = "0.0.0.0";
  options.port = static_cast<uint16_t>(port >= 0 ? port : kDefaultDashboardPort + PortOffset());
  const std::string page = PlaceholderPage();
  server::HttpServer http(
      io, options,
      [page](const server::HttpRequest& r) {
        if (r.path == "/health" || r.path == "/api/health") {
          return server::HttpResponse{200, "application/json", R"({"status":"healthy"})", {}};
        }
        if (r.path == "/" || r.path == "/index.html") {
          return server::HttpResponse{200, "text/html; charset=utf-8", page, {}};
        }
        return server::OpenAiError(404, "not found: " + r.path);
      },
      &server::OpenAiError);
  std::string error;
  if (!http.Start(error)) {
    std::cerr << "ERROR - " << error << "\n";
    return kExitError;
  }
  std::cout << "Dashboard (placeholder) listening on http://0.0.0.0:" << http.port() << std::endl;
  boost::asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](const boost::system::error_code&, int) {
    http.Stop();
    io.stop();
  });
  io.run();
  return kExitOk;
}

}  // namespace

void RegisterDashboardServer(CLI::App& app, int& exit_code) {
  auto port = std::make_shared<int>(-1);
  auto* cmd = app.add_subcommand("dashboard-server", "Serve the dashboard (started by serve)");
  cmd->group("");
  cmd->add_option("--port", *port, "Port (default: 8700 + VLLM_SR_PORT_OFFSET)")
      ->check(CLI::Range(0, 65535));
  cmd->callback([port, &exit_code] { exit_code = RunDashboardServer(*port); });
}

}  // namespace vsr::cli
