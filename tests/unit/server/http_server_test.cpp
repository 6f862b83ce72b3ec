// The HTTP server as a raw client sees it: streamed bodies framed for the client's HTTP
// version, keep-alive across requests, and connections that stall closed by their timeouts.
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "server/data_plane.h"
#include "support/loopback_server.h"

namespace vsr::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Answers /stream with two pieces, anything else with "whole".
asio::awaitable<void> Handle(const HttpRequest& r, HttpExchange& ex) {
  if (r.path == "/stream") {
    const HeaderList headers{{"x-kind", "stream"}};
    const std::string type = "text/event-stream";
    co_await ex.BeginStream(200, type, headers);
    co_await ex.Write("data: one\n\n");
    co_await ex.Write("data: two\n\n");
    co_await ex.EndStream();
    co_return;
  }
  if (r.path == "/echo") {  // what the handler was given
    std::string seen = r.method + " " + r.target + " path=" + r.path;
    for (const auto& [name, value] : r.query) seen += " ?" + name + "=" + value;
    for (const auto& [name, value] : r.headers) seen += " " + name + "=" + value;
    const HttpResponse echo{200, "text/plain", seen + " body=" + r.body, {}};
    co_await ex.Respond(echo);
    co_return;
  }
  const HttpResponse whole{200, "text/plain", "whole", {}};
  co_await ex.Respond(whole);
}

// Watches for the client's hang-up, then answers "watched <body>" after the number of
// milliseconds the body gives (at once if the client hangs up first). Counts the hang-ups seen.
std::atomic<int> hangups{0};
asio::awaitable<void> Watch(const HttpRequest& r, HttpExchange& ex) {
  auto timer = std::make_shared<asio::steady_timer>(ex.executor(),
                                                    std::chrono::milliseconds(std::stoi(r.body)));
  ex.WatchHangup([timer] {
    ++hangups;
    timer->cancel();
  });
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  const HttpResponse answer{200, "text/plain", "watched " + r.body, {}};
  co_await ex.Respond(answer);
}

std::string WatchRequest(int wait_ms) {
  const std::string body = std::to_string(wait_ms);
  return "POST /watch HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

struct RawClient {
  asio::io_context io;
  tcp::socket socket{io};
  explicit RawClient(uint16_t port) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Send(const std::string& s) { asio::write(socket, asio::buffer(s)); }
  // Everything until the server closes (bounded by the server's timeouts).
  std::string ReadToClose() {
    std::string all;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(all), ec);
    return all;
  }
  std::string ReadHead(std::string& buffer) {
    const size_t n = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n");
    std::string head = buffer.substr(0, n);
    buffer.erase(0, n);
    return head;
  }
};

HttpServerOptions Timeouts(int read_s, int idle_s) {
  HttpServerOptions o;
  o.read_timeout = std::chrono::seconds(read_s);
  o.idle_timeout = std::chrono::seconds(idle_s);
  return o;
}

TEST(HttpServer, AStreamToAnHttp10ClientIsUnchunkedAndEndsWithTheConnection) {
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus);
  RawClient c(server.port());
  c.Send("GET /stream HTTP/1.0\r\nHost: x\r\n\r\n");
  const std::string all = c.ReadToClose();
  EXPECT_TRUE(all.starts_with("HTTP/1.0 200 OK\r\n")) << all;
  EXPECT_EQ(all.find("chunked"), std::string::npos) << all;
  EXPECT_NE(all.find("x-kind: stream\r\n"), std::string::npos) << all;
  EXPECT_TRUE(all.ends_with("\r\n\r\ndata: one\n\ndata: two\n\n")) << all;
}

TEST(HttpServer, AStreamToAnHttp11ClientIsChunkedAndTheConnectionStaysOpen) {
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus);
  RawClient c(server.port());
  c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string buffer;
  const std::string head = c.ReadHead(buffer);
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  asio::read_until(c.socket, asio::dynamic_buffer(buffer), "0\r\n\r\n");
  EXPECT_EQ(buffer, "b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n");
  buffer.clear();
  // The same connection carries the next request.
  c.Send("GET /whole HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string next = c.ReadHead(buffer);
  EXPECT_TRUE(next.starts_with("HTTP/1.1 200 OK\r\n")) << next;
  EXPECT_NE(next.find("Content-Length: 5\r\n"), std::string::npos) << next;
  asio::read(c.socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(5 - buffer.size()));
  EXPECT_EQ(buffer, "whole");
}

// The handler gets the request as sent: method, target and query, header names lower-cased
// (of a repeated header, the last), and the body whole, sent with a length or in chunks.
TEST(HttpServer, TheHandlerGetsTheRequestAsSentWithALengthOrInChunks) {
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus);
  RawClient c(server.port());
  auto answer = [&c] {
    std::string buffer;
    const std::string head = c.ReadHead(buffer);
    const size_t at = head.find("Content-Length: ");
    if (at == std::string::npos) return head;
    const size_t length = std::stoul(head.substr(at + 16));
    asio::read(c.socket, asio::dynamic_buffer(buffer),
               asio::transfer_exactly(length - buffer.size()));
    return buffer;
  };
  c.Send(
      "POST /echo?a=1&b=x%20y HTTP/1.1\r\nHost: h\r\nX-Thing: first\r\nx-THING: second\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(answer(),
            "POST /echo?a=1&b=x%20y path=/echo ?a=1 ?b=x y host=h transfer-encoding=chunked "
            "x-thing=second body=hello world");
  // The same connection, a body with a length, then none.
  c.Send("PUT /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd");
  EXPECT_EQ(answer(), "PUT /echo path=/echo content-length=4 host=h body=abcd");
  c.Send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(answer(), "GET /echo path=/echo host=h body=");
}

// A client that sends `Expect: 100-continue` and waits is told to go on at once (curl waits a
// second otherwise); a body over the limit is refused before it is sent.
TEST(HttpServer, AClientThatExpects100ContinueIsToldToSendItsBody) {
  HttpServerOptions options = Timeouts(3, 3);  // a server that never answers closes at 3 s
  options.body_limit = 100;
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus, options);
  RawClient c(server.port());
  c.Send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  std::string buffer;
  EXPECT_EQ(c.ReadHead(buffer), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("abcd");
  const std::string head = c.ReadHead(buffer);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  asio::read_until(c.socket, asio::dynamic_buffer(buffer), "body=abcd");
  EXPECT_TRUE(buffer.ends_with("body=abcd")) << buffer;

  RawClient big(server.port());
  big.Send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n");
  const std::string refused = big.ReadToClose();
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 413 ")) << refused;
}

TEST(HttpServer, ARequestThatStallsIsClosedAtTheReadTimeout) {
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus,
                                 Timeouts(1, 30));
  RawClient c(server.port());
  const auto start = Clock::now();
  c.Send("GET /whole HTTP/1.1\r\nHost: x\r\n");  // the head never ends
  c.ReadToClose();
  const auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(HttpServer, AnIdleKeptAliveConnectionIsClosedAtTheIdleTimeoutNotBefore) {
  testing::LoopbackServer server(AsyncHttpHandler(Handle), &DataPlane::ErrorForStatus,
                                 Timeouts(30, 1));
  RawClient c(server.port());
  c.Send("GET /whole HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string buffer;
  c.ReadHead(buffer);
  const auto start = Clock::now();
  const std::string rest = c.ReadToClose();
  const auto took = Clock::now() - start;
  EXPECT_EQ(buffer + rest, "whole");
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(10));
}

// A client that closes its connection while its answer is being made is seen at once (the
// handler drops the backend's work); one that closes a kept-alive connection after its answers
// is not taken for a hang-up of a request already answered.
TEST(HttpServer, AClientThatHangsUpDuringItsRequestIsSeenAndOnlyThen) {
  testing::LoopbackServer server(AsyncHttpHandler(Watch), &DataPlane::ErrorForStatus,
                                 Timeouts(30, 30));
  hangups = 0;
  {
    RawClient c(server.port());
    c.Send(WatchRequest(5000));
  }  // gone before the answer
  for (int i = 0; i < 300 && hangups.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(hangups.load(), 1);
  {
    RawClient c(server.port());
    c.Send(WatchRequest(1));
    std::string buffer;
    c.ReadHead(buffer);
    c.Send(WatchRequest(1));
    c.ReadHead(buffer);
  }  // closed after two answers, idle
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(hangups.load(), 1);
}

// The next request can arrive while the server still makes the answer before it (the read that
// watches for a hang-up takes it), or come pipelined with it: every one is answered, in order.
TEST(HttpServer, RequestsThatArriveDuringAnAnswerOrPipelinedAreAllAnswered) {
  testing::LoopbackServer server(AsyncHttpHandler(Watch), &DataPlane::ErrorForStatus,
                                 Timeouts(5, 5));
  hangups = 0;
  RawClient c(server.port());  // a stuck session ends at the 5 s idle timeout, failing the test
  c.Send(WatchRequest(300));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.Send(WatchRequest(20));  // while the first answer is still being made
  c.Send(WatchRequest(30) + WatchRequest(40) + WatchRequest(1));  // three at once
  std::string all;
  boost::system::error_code ec;
  const std::string last = "watched 1";
  while (!ec && all.find(last) == std::string::npos) {
    char chunk[4096];
    const size_t n = c.socket.read_some(asio::buffer(chunk), ec);
    all.append(chunk, n);
  }
  size_t at = 0;
  for (const char* body : {"watched 300", "watched 20", "watched 30", "watched 40", "watched 1"}) {
    const size_t next = all.find(body, at);
    ASSERT_NE(next, std::string::npos) << body << " missing or out of order in:\n" << all;
    at = next;
  }
  EXPECT_EQ(hangups.load(), 0);
}

}  // namespace
}  // namespace vsr::server
