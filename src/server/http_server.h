// A small HTTP/1.1 server on Boost.Beast + Asio coroutines: keep-alive, size limits, idle
// timeouts. A handler is either a plain function from HttpRequest to HttpResponse or a coroutine
// that answers through an HttpExchange (streaming). Both run on the I/O threads, so they must
// not block (routing takes microseconds). Connections run on strands: the io_context may be run
// by several threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/http_exchange.h"
#include "server/http_types.h"

namespace vsr::server {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 0;                      // 0 = pick a free port (tests)
  size_t body_limit = 10 * 1024 * 1024;   // larger bodies get 413
  size_t header_limit = 16 * 1024;        // larger headers get 431
  std::chrono::seconds read_timeout{30};  // to read one whole request
  std::chrono::seconds idle_timeout{60};  // between keep-alive requests
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Where accepted connections run: an io_context (one thread's) and the handler for it.
struct HttpLane {
  boost::asio::io_context* io;
  AsyncHttpHandler handler;
};
// Builds the body for errors the server answers itself (413, 431, 400), in the API's envelope.
using HttpErrorBuilder = std::function<HttpResponse(int status, const std::string& message)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler,
             HttpErrorBuilder error_builder);
  // For handlers that answer asynchronously or stream.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, AsyncHttpHandler handler,
             HttpErrorBuilder error_builder);
  // Accepts on `io` and hands connections round robin to `lanes` (one per I/O thread): one
  // listening socket, and threads that share nothing per request.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, std::vector<HttpLane> lanes,
             HttpErrorBuilder error_builder);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting; false with `error` when the address cannot be bound.
  bool Start(std::string& error);
  uint16_t port() const;  // the bound port (useful with port 0)
  // Stops accepting; open connections finish their current request and then close.
  void Stop();
  size_t active_requests() const;  // requests being answered right now (for draining)

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Splits "path?a=1&b=2" and percent-decodes the query values.
void SplitTarget(const std::string& target, std::string& path,
                 std::map<std::string, std::string>& query);

}  // namespace vsr::server
