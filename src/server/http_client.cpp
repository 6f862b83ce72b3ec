#include "server/http_client.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace vsr::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<ParsedUrl> ParseWebUrl(const std::string& url) {
  ParsedUrl out;
  out.tls = url.rfind("https://", 0) == 0;
  if (!out.tls && url.rfind("http://", 0) != 0) return std::nullopt;
  const std::string rest = url.substr(out.tls ? 8 : 7);
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = out.tls ? "443" : "80";
  }
  if (out.host.empty() || out.port.empty() || out.port.size() > 5 ||
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

std::optional<ParsedUrl> ParseHttpUrl(const std::string& url) {
  auto parsed = ParseWebUrl(url);
  if (parsed && parsed->tls) return std::nullopt;
  return parsed;
}

HttpResult HttpCall(const std::string& method, const std::string& url, const std::string& body,
                    std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& headers,
                    const std::function<void(std::string_view)>& on_body) {
  constexpr size_t kMaxBody = 64 * 1024 * 1024;
  HttpResult result;
  const auto parsed = ParseHttpUrl(url);
  if (!parsed) {
    result.failure = HttpResult::Failure::kOther;
    result.error = "not an http:// URL: " + url;
    return result;
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(parsed->host, parsed->port, ec);
  if (ec) {
    result.failure = HttpResult::Failure::kConnect;
    result.error = ec.message();
    return result;
  }
  bool timed_out = false;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  io.run();
  io.restart();
  if (ec) {
    timed_out = ec == beast::error::timeout;
    result.failure = timed_out ? HttpResult::Failure::kTimeout : HttpResult::Failure::kConnect;
    result.error = ec.message();
    return result;
  }
  http::request<http::string_body> req{http::string_to_verb(method), parsed->target, 11};
  req.set(http::field::host, parsed->host);
  req.set(http::field::user_agent, "vllm-sr");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::async_write(stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (!e)
      http::async_read_header(stream, buffer, parser,
                              [&](beast::error_code e2, size_t) { ec = e2; });
  });
  io.run();
  if (!ec) {  // the head arrived: a body that then fails still says what answered
    const auto& res = parser.get();
    result.status = static_cast<int>(res.result_int());
    result.content_type = std::string(res[http::field::content_type]);
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string(field.value());
    }
  }
  // The body piece by piece, so a caller can show a stream as it arrives.
  std::array<char, 16384> chunk{};
  while (!ec && !parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    io.restart();
    http::async_read_some(stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e == http::error::need_buffer ? beast::error_code{} : e;
    });
    io.run();
    const size_t got = chunk.size() - parser.get().body().size;
    if (got == 0) continue;
    if (result.body.size() + got > kMaxBody) {
      ec = http::error::body_limit;
      break;
    }
    result.body.append(chunk.data(), got);
    if (on_body) on_body(std::string_view(chunk.data(), got));
  }
  if (ec) {
    result.failure =
        ec == beast::error::timeout ? HttpResult::Failure::kTimeout : HttpResult::Failure::kOther;
    result.error = ec.message();
    return result;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return result;
}

}  // namespace vsr::server
