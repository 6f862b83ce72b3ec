#include "server/http_poster.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

namespace vsr::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpPoster::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host, port;  // what it is connected to
  bool open = false;
};

HttpPoster::HttpPoster() : conn_(std::make_unique<Connection>()) {}
HttpPoster::~HttpPoster() = default;

HttpResult HttpPoster::Attempt(const ParsedUrl& url, std::string_view body,
                               std::string_view content_type, std::chrono::milliseconds timeout,
                               bool& reused) {
  Connection& c = *conn_;
  HttpResult result;
  beast::error_code ec;
  reused = c.open && c.host == url.host && c.port == url.port;
  if (!reused) {
    beast::error_code ignored;
    c.stream.socket().close(ignored);
    c.buffer.clear();
    c.open = false;
    tcp::resolver resolver(c.io);
    const auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (!ec) {
      c.stream.expires_after(timeout);
      c.stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      c.io.restart();
      c.io.run();
    }
    if (ec) {
      result.failure = ec == beast::error::timeout ? HttpResult::Failure::kTimeout
                                                   : HttpResult::Failure::kConnect;
      result.error = ec.message();
      return result;
    }
    c.host = url.host;
    c.port = url.port;
    c.open = true;
  }
  http::request<http::span_body<const char>> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "vllm-sr");
  req.set(http::field::content_type, content_type);
  req.keep_alive(true);
  req.body() = {body.data(), body.size()};
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024 * 1024);  // collectors answer with small JSON
  c.stream.expires_after(timeout);
  http::async_write(c.stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (!e)
      http::async_read(c.stream, c.buffer, parser, [&](beast::error_code e2, size_t) { ec = e2; });
  });
  c.io.restart();
  c.io.run();
  if (ec) {
    c.open = false;
    result.failure =
        ec == beast::error::timeout ? HttpResult::Failure::kTimeout : HttpResult::Failure::kOther;
    result.error = ec.message();
    return result;
  }
  const auto& res = parser.get();
  result.status = static_cast<int>(res.result_int());
  result.body = res.body();
  if (!res.keep_alive()) c.open = false;
  return result;
}

HttpResult HttpPoster::Post(const std::string& url, std::string_view body,
                            std::string_view content_type, std::chrono::milliseconds timeout) {
  const auto parsed = ParseHttpUrl(url);
  if (!parsed) {
    HttpResult result;
    result.failure = HttpResult::Failure::kOther;
    result.error = "not an http:// URL: " + url;
    return result;
  }
  bool reused = false;
  HttpResult r = Attempt(*parsed, body, content_type, timeout, reused);
  // A kept-alive connection the server has since closed: once more on a fresh one.
  if (reused && r.failure == HttpResult::Failure::kOther) {
    r = Attempt(*parsed, body, content_type, timeout, reused);
  }
  return r;
}

}  // namespace vsr::server
