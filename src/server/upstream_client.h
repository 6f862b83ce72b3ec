// The data plane's client to model backends: async (coroutines), keep-alive connections pooled
// per host:port, bodies read piece by piece so a stream is forwarded as it arrives. Dropping an
// UpstreamResponse before its end closes the connection, which is how a client's disconnect
// cancels the backend's work.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "server/http_exchange.h"

namespace vsr::server {

// Drops a request midway, when its client has hung up: the backend connection in use closes,
// so the pending connect, write or read ends, and the backend sees the request go (vLLM stops
// generating). Used on the request's executor.
struct UpstreamAbort {
  void Abort() {
    aborted = true;
    if (close_connection) close_connection();
  }
  bool aborted = false;
  std::function<void()> close_connection;  // set by the pool while the request runs
};

struct UpstreamRequest {
  std::string method = "POST";
  std::string host;
  std::string port;
  bool tls = false;  // https: TLS with SNI, certificate checked against the system CA store
  std::string target = "/";
  HeaderList headers;  // besides host, content-type (application/json) and content-length
  std::string body;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{300000};  // longest silence while reading
  std::shared_ptr<UpstreamAbort> abort;            // optional
};

// Why a request never got a response; connect failures and timeouts are worth a failover.
enum class UpstreamFailure { kNone, kConnect, kTimeout, kProtocol };

class UpstreamResponse {
 public:
  virtual ~UpstreamResponse() = default;
  int status = 0;
  std::string content_type;
  HeaderList headers;
  // The next piece of the (de-chunked) body; an empty string at the end. On an error, done()
  // and error() are set, and the piece is what arrived before it (often empty).
  virtual boost::asio::awaitable<std::string> Read() = 0;
  bool done() const { return done_; }
  const std::string& error() const { return error_; }
  // Reads the rest of the body (bounded by `limit` bytes; more is an error).
  boost::asio::awaitable<std::string> ReadAll(size_t limit);

 protected:
  bool done_ = false;
  std::string error_;
};

struct UpstreamResult {
  std::unique_ptr<UpstreamResponse> response;  // set when headers arrived
  UpstreamFailure failure = UpstreamFailure::kNone;
  std::string error;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(size_t max_idle_per_host = 256);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Sends the request and waits for the response head. A pooled connection the backend has
  // closed meanwhile is retried once on a fresh one. The body is moved out of `request`,
  // which must outlive the call (a reference, not a value: GCC 12 destroys by-value coroutine
  // arguments twice).
  boost::asio::awaitable<UpstreamResult> Send(UpstreamRequest& request);
  size_t idle_connections() const;
  // Closes the idle connections. Their sockets belong to the io_context the requests ran on:
  // a process shutting down calls this while every io_context still exists, because the pool
  // may outlive them (held by a server that a pending handler of another io_context keeps).
  void CloseIdle();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace vsr::server
