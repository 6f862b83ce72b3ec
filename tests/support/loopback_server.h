// Test helper: an HttpServer on a free loopback port, run on its own thread for the test's
// lifetime (sync or async handler).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <thread>

#include "server/http_server.h"

namespace vsr::testing {

class LoopbackServer {
 public:
  template <typename Handler>
  LoopbackServer(Handler handler, server::HttpErrorBuilder errors,
                 server::HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ =
        std::make_unique<server::HttpServer>(io_, options, std::move(handler), std::move(errors));
    std::string error;
    EXPECT_TRUE(server_->Start(error)) << error;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackServer() {
    boost::asio::post(io_, [this] {
      server_->Stop();
      io_.stop();
    });
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }
  std::thread::id thread_id() const { return thread_.get_id(); }  // the I/O thread
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread thread_;
};

}  // namespace vsr::testing
