#include "server/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/strings.h"

namespace vsr::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

http::response<http::string_body> ToBeast(const HttpResponse& r, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "vllm-sr");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

void SplitTarget(const std::string& target, std::string& path,
                 std::map<std::string, std::string>& query) {
  const size_t q = target.find('?');
  path = target.substr(0, q);
  if (q == std::string::npos) return;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      query[PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
}

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, HttpServerOptions opts, HttpHandler h, HttpErrorBuilder e)
      : io(io_context),
        options(std::move(opts)),
        handler(std::move(h)),
        error_builder(std::move(e)),
        acceptor(io_context) {}

  asio::awaitable<void> Accept() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: keep serving the connections we have
      }
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      stream.expires_after(first ? options.read_timeout : options.idle_timeout);
      auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)bytes;
      if (ec) {
        int status = 0;
        std::string message;
        if (ec == http::error::body_limit) {
          status = 413;
          message =
              "request body exceeds the limit of " + std::to_string(options.body_limit) + " bytes";
        } else if (ec == http::error::header_limit) {
          status = 431;
          message = "request headers exceed the limit of " + std::to_string(options.header_limit) +
                    " bytes";
        } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
          status = 400;
          message = "malformed HTTP request: " + ec.message();
        }
        if (status != 0) {
          auto res = ToBeast(error_builder(status, message), 11, false);
          stream.expires_after(std::chrono::seconds(5));
          co_await http::async_write(stream, res, kTuple);
        }
        break;
      }
      const auto& msg = parser.get();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      SplitTarget(req.target, req.path, req.query);
      for (const auto& field : msg)
        req.headers[ToLower(std::string(field.name_string()))] = std::string(field.value());
      req.body = msg.body();
      HttpResponse response;
      try {
        response = handler(req);
      } catch (const std::exception& e) {
        response = error_builder(500, std::string("internal error: ") + e.what());
      }
      const bool keep_alive = msg.keep_alive();
      auto res = ToBeast(response, msg.version(), keep_alive);
      stream.expires_after(options.read_timeout);
      auto [write_ec, written] = co_await http::async_write(stream, res, kTuple);
      (void)written;
      if (write_ec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::io_context& io;
  HttpServerOptions options;
  HttpHandler handler;
  HttpErrorBuilder error_builder;
  tcp::acceptor acceptor;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler,
                       HttpErrorBuilder error_builder)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler),
                                   std::move(error_builder))) {}

HttpServer::~HttpServer() {
  Stop();
}

bool HttpServer::Start(std::string& error) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) {
    error = "invalid listen address '" + impl_->options.address + "': " + ec.message();
    return false;
  }
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + impl_->options.address + ":" +
            std::to_string(impl_->options.port) + ": " + ec.message();
    acceptor.close(ec);
    return false;
  }
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  return true;
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::Stop() {
  beast::error_code ec;
  if (impl_ && impl_->acceptor.is_open()) impl_->acceptor.close(ec);
}

}  // namespace vsr::server
