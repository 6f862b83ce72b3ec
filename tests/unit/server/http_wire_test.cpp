// The HTTP/1.x heads the router writes itself (responses to clients, requests to backends):
// what a client or backend parses out of them, and headers that must never get through.
#include "server/http_wire.h"

#include <gtest/gtest.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace vsr::server {
namespace {

namespace http = boost::beast::http;

// Parses a whole message the way a peer would; fails the test when it is not valid HTTP.
template <bool isRequest>
http::message<isRequest, http::string_body> Parse(const std::string& wire) {
  http::parser<isRequest, http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << wire;
  EXPECT_EQ(used, wire.size()) << wire;
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  EXPECT_TRUE(parser.is_done()) << wire;
  return parser.release();
}

size_t Count(const std::string& s, std::string_view needle) {
  size_t n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

TEST(HttpWire, ResponseHeadParsesWithStatusDefaultsHeadersAndLength) {
  const std::string body = R"({"ok":true})";
  const std::string head = ResponseHead(11, 200, "application/json",
                                        {{"x-vsr-selected-model", "coder"}}, true, body.size());
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  const auto msg = Parse<false>(head + body);
  EXPECT_EQ(msg.result_int(), 200u);
  EXPECT_EQ(msg[http::field::server], "vllm-sr");
  EXPECT_EQ(msg[http::field::content_type], "application/json");
  EXPECT_EQ(msg["x-vsr-selected-model"], "coder");
  EXPECT_EQ(msg.body(), body);
  EXPECT_TRUE(msg.keep_alive());
  EXPECT_EQ(Count(head, "Connection"), 0u) << "HTTP/1.1 persists without saying so";
}

TEST(HttpWire, ConnectionFollowsKeepAliveForEachVersion) {
  EXPECT_FALSE(Parse<false>(ResponseHead(11, 404, "text/plain", {}, false, 0)).keep_alive());
  EXPECT_NE(ResponseHead(11, 404, "text/plain", {}, false, 0).find("Connection: close\r\n"),
            std::string::npos);
  const std::string kept = ResponseHead(10, 200, "text/plain", {}, true, 2);
  EXPECT_TRUE(kept.starts_with("HTTP/1.0 200 OK\r\n")) << kept;
  EXPECT_TRUE(Parse<false>(kept + "hi").keep_alive());
  EXPECT_FALSE(Parse<false>(ResponseHead(10, 200, "text/plain", {}, false, 2) + "hi").keep_alive());
}

TEST(HttpWire, UnusualStatusesKeepTheirCode) {
  EXPECT_TRUE(
      ResponseHead(11, 429, "a/b", {}, true, 0).starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
  EXPECT_EQ(Parse<false>(ResponseHead(11, 599, "a/b", {}, true, 0)).result_int(), 599u);
}

TEST(HttpWire, NoContentAndNotModifiedHaveNoLength) {
  for (const int status : {204, 304}) {
    const std::string head = ResponseHead(11, status, "text/plain", {}, true, 0);
    EXPECT_EQ(Count(head, "Content-Length"), 0u) << head;
    EXPECT_EQ(Parse<false>(head).result_int(), static_cast<unsigned>(status));
  }
  EXPECT_FALSE(ResponseHasBody(101));
  EXPECT_TRUE(ResponseHasBody(200));
  EXPECT_TRUE(ResponseHasBody(404));
}

TEST(HttpWire, ChunkedHeadAndChunksMakeOneBody) {
  std::string wire = ResponseHead(11, 200, "text/event-stream", {}, true, kChunked);
  for (const std::string& piece : {std::string("data: one\n\n"), std::string(300, 'x')}) {
    char line[20];
    wire.append(line, ChunkSizeLine(piece.size(), line)).append(piece).append("\r\n");
  }
  wire += "0\r\n\r\n";
  const auto msg = Parse<false>(wire);
  EXPECT_TRUE(msg.chunked());
  EXPECT_EQ(msg.body(), "data: one\n\n" + std::string(300, 'x'));
}

TEST(HttpWire, ChunkSizeLineIsLowerCaseHex) {
  char line[20];
  EXPECT_EQ(std::string(line, ChunkSizeLine(0, line)), "0\r\n");
  EXPECT_EQ(std::string(line, ChunkSizeLine(255, line)), "ff\r\n");
  EXPECT_EQ(std::string(line, ChunkSizeLine(16384, line)), "4000\r\n");
  EXPECT_EQ(std::string(line, ChunkSizeLine(SIZE_MAX, line)), "ffffffffffffffff\r\n");
}

TEST(HttpWire, LaterHeaderOfTheSameNameWinsAndOverridesDefaults) {
  const std::string head = ResponseHead(
      11, 200, "application/json",
      {{"X-Tag", "first"}, {"content-type", "text/plain"}, {"x-tag", "second"}, {"Server", "b"}},
      true, 0);
  const auto msg = Parse<false>(head);
  EXPECT_EQ(msg["x-tag"], "second");
  EXPECT_EQ(msg[http::field::content_type], "text/plain");
  EXPECT_EQ(msg[http::field::server], "b");
  EXPECT_EQ(Count(head, "first"), 0u) << head;
  EXPECT_EQ(Count(head, "vllm-sr"), 0u) << head;
  EXPECT_EQ(Count(head, "application/json"), 0u) << head;
}

TEST(HttpWire, FramingHeadersFromTheCallerAreIgnored) {
  const std::string head = ResponseHead(
      11, 200, "text/plain",
      {{"Content-Length", "999"}, {"transfer-encoding", "chunked"}, {"connection", "upgrade"}},
      true, 2);
  const auto msg = Parse<false>(head + "ok");
  EXPECT_EQ(msg.body(), "ok");
  EXPECT_EQ(Count(head, "999"), 0u) << head;
  EXPECT_EQ(Count(head, "chunked"), 0u) << head;
  EXPECT_EQ(Count(head, "upgrade"), 0u) << head;
}

TEST(HttpWire, HeadersThatCouldInjectAreDropped) {
  EXPECT_FALSE(ValidHeader("x-a", "v\r\nx-evil: 1"));
  EXPECT_FALSE(ValidHeader("x-a", "v\nx-evil: 1"));
  EXPECT_FALSE(ValidHeader("x-a", std::string("v\0w", 3)));
  EXPECT_FALSE(ValidHeader("bad name", "v"));
  EXPECT_FALSE(ValidHeader("x-a:", "v"));
  EXPECT_FALSE(ValidHeader("", "v"));
  EXPECT_TRUE(ValidHeader("x-vsr-selected-model", "coder, \"quoted\" \t tab"));
  EXPECT_TRUE(ValidHeader("x-empty", ""));
  // CR, LF or NUL anywhere in a long value, each byte below them and every byte above allowed
  // (tabs, other control bytes, UTF-8).
  std::string allowed;
  for (int c = 1; c < 256; ++c) {
    if (c != '\r' && c != '\n') allowed += static_cast<char>(c);
  }
  EXPECT_TRUE(ValidHeader("x-a", allowed));
  for (size_t at = 0; at < 40; ++at) {
    for (const char bad : {'\r', '\n', '\0'}) {
      std::string value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      value[at] = bad;
      EXPECT_FALSE(ValidHeader("traceparent", value)) << at << " " << int{bad};
    }
  }

  const std::string head =
      ResponseHead(11, 200, "text/plain\r\nx-evil: 1",
                   {{"x-a", "v\r\nx-evil: 2"}, {"bad name", "v"}, {"x-b", "kept"}}, true, 0);
  EXPECT_EQ(Count(head, "evil"), 0u) << head;
  const auto msg = Parse<false>(head);
  EXPECT_EQ(msg["x-b"], "kept");
  EXPECT_EQ(msg.count("x-a"), 0u);
  // An invalid later header does not remove a valid earlier one.
  EXPECT_EQ(Parse<false>(ResponseHead(11, 200, "a/b", {{"x-a", "good"}, {"x-a", "b\r\nad"}}, true,
                                      0))["x-a"],
            "good");
}

// A header name is valid when every byte is an RFC 9110 tchar: each byte value at each position
// of names of 1 to 24 bytes (words checked eight bytes at a time, and their padded tails).
TEST(HttpWire, HeaderNamesAreTokensWhereverTheOddByteIs) {
  const std::string_view tchar_symbols = "!#$%&'*+-.^_`|~";
  const auto tchar = [&](int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           tchar_symbols.find(static_cast<char>(c)) != std::string_view::npos;
  };
  for (size_t size = 1; size <= 24; ++size) {
    for (size_t at = 0; at < size; ++at) {
      for (int c = 0; c < 256; ++c) {
        std::string name(size, 'x');
        for (size_t i = 0; i < size; i += 3) name[i] = i % 2 ? '-' : '7';  // common bytes
        name[at] = static_cast<char>(c);
        ASSERT_EQ(ValidHeader(name, "v"), tchar(c)) << size << " " << at << " " << c;
      }
    }
  }
}

// A header value is valid unless it holds CR, LF or NUL: each byte value at each position of
// values of 1 to 24 bytes (whole words and padded tails).
TEST(HttpWire, HeaderValuesRefuseLineBreaksAndNulWhereverTheyAre) {
  for (size_t size = 1; size <= 24; ++size) {
    for (size_t at = 0; at < size; ++at) {
      for (int c = 0; c < 256; ++c) {
        std::string value(size, 'v');
        value[at] = static_cast<char>(c);
        ASSERT_EQ(ValidHeader("x-a", value), c != '\r' && c != '\n' && c != 0)
            << size << " " << at << " " << c;
      }
    }
  }
}

TEST(HttpWire, RequestHeadCarriesHostAgentTypeAndLength) {
  const std::string body = R"({"model":"m"})";
  const std::string head = RequestHead("POST", "/v1/chat/completions", "127.0.0.1:8000",
                                       {{"authorization", "Bearer k"}}, body.size());
  EXPECT_TRUE(head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n")) << head;
  const auto msg = Parse<true>(head + body);
  EXPECT_EQ(msg[http::field::host], "127.0.0.1:8000");
  EXPECT_EQ(msg[http::field::user_agent], "vllm-sr");
  EXPECT_EQ(msg[http::field::content_type], "application/json");
  EXPECT_EQ(msg[http::field::authorization], "Bearer k");
  EXPECT_EQ(msg.body(), body);
  EXPECT_TRUE(msg.keep_alive());
}

TEST(HttpWire, RequestHeadLengthOnlyWhereABodyBelongs) {
  const std::string post = RequestHead("POST", "/x", "h:1", {}, 0);
  EXPECT_NE(post.find("Content-Length: 0\r\n"), std::string::npos) << post;
  EXPECT_EQ(Count(post, "Content-Type"), 0u) << post;
  const std::string get = RequestHead("GET", "/v1/models", "h:1", {}, 0);
  EXPECT_EQ(Count(get, "Content-Length"), 0u) << get;
  EXPECT_EQ(Parse<true>(get).target(), "/v1/models");
  // The caller's Host and Content-Type replace the defaults.
  const auto msg = Parse<true>(
      RequestHead("POST", "/x", "h:1", {{"Host", "api.example"}, {"content-type", "a/b"}}, 2) +
      "{}");
  EXPECT_EQ(msg[http::field::host], "api.example");
  EXPECT_EQ(msg[http::field::content_type], "a/b");
}

}  // namespace
}  // namespace vsr::server
