// The data plane over real loopback sockets, with simulators as the model backends: routing,
// pinned models, OpenAI<->Anthropic translation, weighted balancing, failover, streaming (slow
// readers, disconnects), bad bodies, secrets kept out of logs, hot reload under traffic.
#include "server/data_plane.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/json_text.h"
#include "server/api_errors.h"
#include "server/http_client.h"
#include "simulator/simulator.h"
#include "support/cli_runner.h"
#include "support/config_loader.h"
#include "support/data_plane_fixture.h"
#include "support/loopback_server.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::DeadPort;
using test::MakeRouter;
using test::ParseObject;
using test::Ref;
using test::Sim;
using test::TwoModelConfig;
using testing::LoopbackServer;

// A backend that keeps every request it gets and answers each with the same short completion.
class RecordingBackend {
 public:
  RecordingBackend()
      : server_(AsyncHttpHandler(
                    [this](const HttpRequest& r, HttpExchange& ex) { return Answer(r, ex); }),
                &DataPlane::ErrorForStatus) {}
  std::string Endpoint() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  HttpRequest Last() const {
    std::lock_guard lock(mu_);
    return seen_.back();
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  boost::asio::awaitable<void> Answer(const HttpRequest& r, HttpExchange& ex) {
    {
      std::lock_guard lock(mu_);
      seen_.push_back(r);
    }
    const HttpResponse ok{
        200,
        "application/json",
        R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,)"
        R"("message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})",
        {}};
    co_await ex.Respond(ok);
  }

  mutable std::mutex mu_;
  std::vector<HttpRequest> seen_;
  LoopbackServer server_;  // last: it stops before what its handler uses goes
};

TEST_F(DataPlaneTest, AutoModelIsRoutedAndCarriesRoutingHeaders) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "what is an integral?"));
  ASSERT_EQ(r.status, 200) << r.body << r.error;
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "claude");
  EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "math");
  EXPECT_EQ(r.headers.at("x-vsr-matched-keywords"), "math");
  EXPECT_EQ(r.headers.at("x-vsr-selected-reasoning"), "off");
  EXPECT_EQ(r.headers.at("x-vsr-destination-endpoint"), a.Endpoint());
  EXPECT_FALSE(r.headers.at("x-request-id").empty());
  // Anthropic backend, OpenAI client: the answer comes back as a chat completion.
  const json::object o = ParseObject(r.body);
  EXPECT_EQ(o.at("object"), "chat.completion");
  EXPECT_EQ(o.at("model"), "claude-sim");  // the provider model id was forwarded
  EXPECT_NE(json::value_to<std::string>(o.at("choices").as_array()[0].at("message").at("content"))
                .find("claude-sim"),
            std::string::npos);

  const HttpResult d = Post("/v1/chat/completions", Chat("MoM", "hello there"));
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.headers.at("x-vsr-selected-model"), "fast");  // default model
  EXPECT_EQ(d.headers.count("x-vsr-selected-decision"), 0u);
  EXPECT_EQ(ParseObject(d.body).at("model"), "sim-fast");
}

TEST_F(DataPlaneTest, PinnedModelGoesThereEvenWhenADecisionMatches) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  const HttpResult r = Post("/v1/chat/completions", Chat("fast", "what is an integral?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "fast");
  EXPECT_EQ(ParseObject(r.body).at("model"), "sim-fast");
  const HttpResult unknown = Post("/v1/chat/completions", Chat("gpt-9", "hi"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("available models: MoM, fast, claude"), std::string::npos);
}

TEST_F(DataPlaneTest, StreamsTranslateBothWays) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  // OpenAI client -> Anthropic backend, streamed.
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "an integral please", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_NE(r.body.find("\"object\":\"chat.completion.chunk\""), std::string::npos);
  EXPECT_NE(r.body.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n")) << r.body;
  EXPECT_EQ(r.body.find("event: "), std::string::npos);

  // Anthropic client -> OpenAI backend, streamed and whole.
  const std::string anthropic_body =
      R"({"model":"fast","max_tokens":4,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  r = Post("/v1/messages", anthropic_body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos);
  EXPECT_NE(r.body.find("\"type\":\"text_delta\",\"text\":\"Hello!\""), std::string::npos);
  EXPECT_NE(r.body.find("\"stop_reason\":\"max_tokens\""), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);

  r = Post(
      "/v1/messages",
      R"({"model":"fast","max_tokens":3,"system":"be brief","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object m = ParseObject(r.body);
  EXPECT_EQ(m.at("type"), "message");
  EXPECT_EQ(m.at("content").as_array()[0].at("text"), "Hello! This is");
  EXPECT_EQ(m.at("stop_reason"), "max_tokens");
  EXPECT_EQ(m.at("usage").at("output_tokens"), 3);
}

TEST_F(DataPlaneTest, WeightedBalancingFollowsTheWeights) {
  Sim heavy, light;
  Start(TwoModelConfig(
      "[" + Ref("heavy", heavy.Endpoint(), 3) + ", " + Ref("light", light.Endpoint(), 1) + "]",
      "[" + Ref("c", light.Endpoint()) + "]"));
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(Post("/v1/chat/completions", Chat("fast", "hi")).status, 200);
  }
  EXPECT_EQ(heavy.sim->stats().requests.load(), 30u);
  EXPECT_EQ(light.sim->stats().requests.load(), 10u);
}

TEST_F(DataPlaneTest, FailsOverOnConnectErrorsAnd5xx) {
  simulator::SimulatorOptions failing;
  failing.error_rate = 1.0;
  Sim bad(failing), good;
  const std::string dead = "127.0.0.1:" + std::to_string(DeadPort());
  Start(TwoModelConfig("[" + Ref("dead", dead, 10) + ", " + Ref("bad", bad.Endpoint(), 5) + ", " +
                           Ref("good", good.Endpoint(), 1) + "]",
                       "[" + Ref("c", good.Endpoint()) + "]"));
  for (int i = 0; i < 8; ++i) {
    const HttpResult r = Post("/v1/chat/completions", Chat("fast", "hi"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.at("x-vsr-destination-endpoint"), good.Endpoint());
  }
  EXPECT_GT(bad.sim->stats().errors_injected.load(), 0u);

  // Every endpoint down: 502 naming each failure.
  Start(TwoModelConfig("[" + Ref("dead", dead) + "]", "[" + Ref("c", dead) + "]"));
  const HttpResult r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("no backend of model 'fast' answered: dead (" + dead), std::string::npos)
      << r.body;
}

// Raw socket client: send a request, read slowly or hang up.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { Close(); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  // Reads until `marker` shows up, EOF or timeout; `pause` between small reads.
  std::string ReadUntil(const std::string& marker, std::chrono::milliseconds pause = {}) {
    std::string all;
    char buf[64];
    while (all.find(marker) == std::string::npos) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      all.append(buf, static_cast<size_t>(n));
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
    }
    return all;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The body of a raw chunked HTTP response (framing removed).
std::string Dechunk(const std::string& raw) {
  size_t pos = raw.find("\r\n\r\n");
  if (pos == std::string::npos) return {};
  pos += 4;
  std::string body;
  while (pos < raw.size()) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const size_t size = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
    if (size == 0 || eol + 2 + size > raw.size()) break;
    body.append(raw, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return body;
}

std::string PostRequest(const std::string& body) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(DataPlaneTest, SlowReaderGetsTheWholeStream) {
  simulator::SimulatorOptions options;
  options.output_tokens = 400;
  Sim a(options);
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.connected());
  client.Send(PostRequest(Chat("fast", "hi", true)));
  const std::string got = Dechunk(client.ReadUntil("\r\n0\r\n\r\n", std::chrono::milliseconds(1)));
  EXPECT_TRUE(got.ends_with("data: [DONE]\n\n"));
  size_t tokens = 0;
  for (size_t p = got.find("\"content\":\""); p != std::string::npos;
       p = got.find("\"content\":\"", p + 1)) {
    ++tokens;
  }
  EXPECT_EQ(tokens, 401u);  // the role chunk plus every token, none lost
}

TEST_F(DataPlaneTest, ClientDisconnectCancelsTheBackendStream) {
  simulator::SimulatorOptions options;
  options.output_tokens = 2000;
  options.tokens_per_second = 200;  // 10 s if nobody stopped it
  Sim a(options);
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  {
    RawClient client(proxy_->port());
    client.Send(PostRequest(Chat("fast", "hi", true)));
    const std::string first = client.ReadUntil("\"content\":\"Hello!\"");
    ASSERT_NE(first.find("Hello!"), std::string::npos);
  }  // hang up mid-stream
  for (int i = 0; i < 200 && a.sim->stats().streams_cancelled.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(a.sim->stats().streams_cancelled.load(), 1u);
  EXPECT_EQ(a.sim->stats().streams_completed.load(), 0u);
}

// Each event of a paced stream reaches the client when the backend sends it, not when the next
// one (or the end) comes: the backend is still generating when the first words arrive, and the
// last event is not there before the backend has sent it.
TEST_F(DataPlaneTest, APacedStreamReachesTheClientEventByEvent) {
  simulator::SimulatorOptions options;
  options.output_tokens = 12;
  options.tokens_per_second = 10;  // an event every 100 ms, 1.2 s in all
  Sim a(options);
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  RawClient client(proxy_->port());
  const auto sent = std::chrono::steady_clock::now();
  client.Send(PostRequest(Chat("fast", "hi", true)));
  const std::string first = client.ReadUntil("\"content\":\"Hello!\"");
  ASSERT_NE(first.find("Hello!"), std::string::npos);
  EXPECT_EQ(a.sim->stats().streams_completed.load(), 0u) << "the first words waited for the end";
  EXPECT_EQ(first.find("[DONE]"), std::string::npos);
  const std::string rest = client.ReadUntil("data: [DONE]");
  EXPECT_NE(rest.find("[DONE]"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(1000));
}

// A backend's own answer headers reach the client, as through Envoy upstream (rate limits,
// retry-after on a 429), whole or streamed; those the router writes itself do not.
TEST_F(DataPlaneTest, TheBackendsAnswerHeadersPassOnExceptTheRoutersOwn) {
  const HeaderList backend_headers{{"x-ratelimit-remaining-requests", "41"},
                                   {"Retry-After", "7"},
                                   {"server", "other-server"},
                                   {"x-request-id", "the-backends-id"},
                                   {"x-vsr-selected-model", "spoofed"},
                                   {"content-encoding", "br"}};
  const auto answer = [&](const HttpRequest& r, HttpExchange& ex) -> boost::asio::awaitable<void> {
    if (test::AsksForStream(r)) {
      const std::string type = "text/event-stream";
      co_await ex.BeginStream(200, type, backend_headers);
      co_await ex.Write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n");
      co_await ex.Write("data: [DONE]\n\n");
      co_await ex.EndStream();
      co_return;
    }
    const bool busy = r.body.find("busy") != std::string::npos;
    const HttpResponse reply{
        busy ? 429 : 200, "application/json",
        busy ? R"({"error":{"message":"slow down","type":"rate_limit","code":429}})"
             : R"({"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,)"
               R"("message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})",
        backend_headers};
    co_await ex.Respond(reply);
  };
  LoopbackServer backend(AsyncHttpHandler(answer), &DataPlane::ErrorForStatus);
  const std::string endpoint = "127.0.0.1:" + std::to_string(backend.port());
  Start(TwoModelConfig("[" + Ref("b", endpoint) + "]", "[" + Ref("c", endpoint) + "]"));

  for (const std::string text : {"hi", "busy"}) {
    const HttpResult r = Post("/v1/chat/completions", Chat("fast", text));
    ASSERT_EQ(r.status, text == "hi" ? 200 : 429) << r.body;
    EXPECT_EQ(r.headers.at("x-ratelimit-remaining-requests"), "41");
    EXPECT_EQ(r.headers.at("retry-after"), "7");
    EXPECT_EQ(r.headers.at("server"), "vllm-sr");
    EXPECT_NE(r.headers.at("x-request-id"), "the-backends-id");
    EXPECT_EQ(r.headers.count("content-encoding"), 0u);
    EXPECT_EQ(r.content_type, "application/json");
    // Routing headers go on successful answers only, as upstream's.
    EXPECT_EQ(r.headers.count("x-vsr-selected-model") ? r.headers.at("x-vsr-selected-model") : "",
              text == "hi" ? "fast" : "");
  }
  RawClient client(proxy_->port());
  client.Send(PostRequest(Chat("fast", "hi", true)));
  const std::string streamed = client.ReadUntil("data: [DONE]");
  const std::string head = streamed.substr(0, streamed.find("\r\n\r\n"));
  EXPECT_NE(head.find("x-ratelimit-remaining-requests: 41\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Retry-After: 7\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("x-vsr-selected-model: fast\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("spoofed"), std::string::npos) << head;
  EXPECT_EQ(head.find("other-server"), std::string::npos) << head;
  EXPECT_EQ(head.find("the-backends-id"), std::string::npos) << head;
  EXPECT_EQ(head.find("br\r\n"), std::string::npos) << head;
}

// A backend that takes one request and never answers; it notes when the router closes the
// connection (bounded: it gives up after 5 s).
class SilentBackend {
 public:
  SilentBackend() {
    listener_ = testing::BindLoopback(port_);
    listen(listener_, 4);
    thread_ = std::thread([this] {
      const int conn = accept(listener_, nullptr, nullptr);
      if (conn < 0) return;
      timeval tv{5, 0};
      setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[4096];
      bool got_request = false;
      for (;;) {
        const ssize_t n = recv(conn, buf, sizeof buf, 0);
        if (n > 0) {
          got_request = true;
          continue;
        }
        if (n == 0 && got_request) closed_at_ = std::chrono::steady_clock::now();
        break;
      }
      close(conn);
      done_ = true;
    });
  }
  ~SilentBackend() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
  }
  std::string Endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  // When the router closed the request's connection; nullopt while open (or never).
  std::optional<std::chrono::steady_clock::time_point> ClosedAt() const {
    for (int i = 0; i < 600 && !done_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return closed_at_;
  }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::optional<std::chrono::steady_clock::time_point> closed_at_;
};

// A client that hangs up while the backend works drops the backend request (the backend sees
// its connection close), streamed or not, instead of leaving it generating for nobody.
TEST_F(DataPlaneTest, AClientThatHangsUpDropsTheBackendRequest) {
  for (const bool stream : {false, true}) {
    SilentBackend backend;
    Start(TwoModelConfig("[" + Ref("b", backend.Endpoint()) + "]",
                         "[" + Ref("c", backend.Endpoint()) + "]"));
    std::chrono::steady_clock::time_point hung_up;
    {
      RawClient client(proxy_->port());
      client.Send(PostRequest(Chat("fast", "hi", stream)));
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the backend has it
      hung_up = std::chrono::steady_clock::now();
    }
    const auto closed = backend.ClosedAt();
    ASSERT_TRUE(closed.has_value()) << "the backend request outlived its client, stream " << stream;
    EXPECT_LT(*closed - hung_up, std::chrono::seconds(2)) << "stream " << stream;
  }
}

// The router asks OpenAI backends for a usage chunk (to count tokens); a client that did not ask
// does not get it, one that did does, and the tokens are counted either way.
TEST_F(DataPlaneTest, AStreamHasAUsageChunkOnlyWhenTheClientAskedForIt) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  const HttpResult plain = Post("/v1/chat/completions", Chat("fast", "hi", true));
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.body.find("\"choices\":[]"), std::string::npos) << plain.body;
  EXPECT_NE(plain.body.find("data: [DONE]"), std::string::npos);
  EXPECT_NE(a.sim->last_request().body.find("include_usage"), std::string::npos);

  json::object asked = ParseObject(Chat("fast", "hi", true));
  asked["stream_options"] = json::object{{"include_usage", true}};
  const HttpResult with_usage = Post("/v1/chat/completions", CompactJson(asked));
  ASSERT_EQ(with_usage.status, 200);
  EXPECT_NE(with_usage.body.find("\"choices\":[]"), std::string::npos) << with_usage.body;
  EXPECT_NE(with_usage.body.find("\"total_tokens\""), std::string::npos);
}

// A backend that dies in the middle of a stream: the client's stream ends the same way (the
// connection closes before the final chunk), so the client can tell the answer is cut short, as
// it could straight from the backend; a clean end would pass a truncated answer off as whole.
TEST_F(DataPlaneTest, AStreamCutShortByTheBackendIsCutShortForTheClient) {
  const auto answer = [](const HttpRequest&, HttpExchange& ex) -> boost::asio::awaitable<void> {
    const std::string type = "text/event-stream";
    co_await ex.BeginStream(200, type, {});
    co_await ex.Write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");
    // returns without EndStream: the server closes the connection mid-body
  };
  LoopbackServer backend(AsyncHttpHandler(answer), &DataPlane::ErrorForStatus);
  const std::string endpoint = "127.0.0.1:" + std::to_string(backend.port());
  Start(TwoModelConfig("[" + Ref("b", endpoint) + "]", "[" + Ref("c", endpoint) + "]"));
  for (const bool anthropic_client : {false, true}) {
    RawClient client(proxy_->port());
    const std::string body = anthropic_client ? R"({"model":"fast","max_tokens":50,"stream":true,)"
                                                R"("messages":[{"role":"user","content":"hi"}]})"
                                              : Chat("fast", "hi", true);
    std::string request = PostRequest(body);
    if (anthropic_client) request.replace(5, 20, "/v1/messages");
    client.Send(request);
    const std::string raw = client.ReadUntil("no marker: read to the end");
    ASSERT_NE(raw.find(" 200 "), std::string::npos) << raw;
    EXPECT_NE(raw.find("Hel"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("\r\n0\r\n\r\n"), std::string::npos) << "a clean end: " << raw;
    EXPECT_EQ(raw.find("[DONE]"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("message_stop"), std::string::npos) << raw;
  }
  // `vllm-sr chat` shows what came and says the answer was cut short.
  const testing::CliRun cli =
      testing::RunCli("chat --base-url " + proxy_->Url("") + " --model fast hi");
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_NE(cli.output.find("Hel\n"), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("was cut short (HTTP 200"), std::string::npos) << cli.output;
}

// A 200 that is not a JSON object (a load balancer's HTML page) cannot be rewritten for another
// API: an Anthropic or Responses API client gets a 502 saying so, not the page as a JSON 200.
// An OpenAI client of an OpenAI backend gets the page as it came, as from any proxy.
TEST_F(DataPlaneTest, AnAnswerTheRouterCannotRewriteIsA502) {
  const auto answer = [](const HttpRequest&, HttpExchange& ex) -> boost::asio::awaitable<void> {
    const HttpResponse page{200, "text/html", "<html>maintenance</html>", {}};
    co_await ex.Respond(page);
  };
  LoopbackServer backend(AsyncHttpHandler(answer), &DataPlane::ErrorForStatus);
  const std::string endpoint = "127.0.0.1:" + std::to_string(backend.port());
  Start(TwoModelConfig("[" + Ref("b", endpoint) + "]", "[" + Ref("c", endpoint) + "]"));
  HttpResult r = Post("/v1/messages", R"({"model":"fast","max_tokens":50,)"
                                      R"("messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find(R"("type":"error")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("not a JSON object (content type 'text/html')"), std::string::npos);
  r = Post("/v1/responses", R"({"model":"fast","input":"hi"})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("not a JSON object"), std::string::npos) << r.body;
  r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/html");
  EXPECT_EQ(r.body, "<html>maintenance</html>");
}

// A backend silent past the listener's timeout: 504, with the wait that ran out.
TEST_F(DataPlaneTest, ABackendSilentPastTheTimeoutIsA504) {
  simulator::SimulatorOptions options;
  options.ttft_ms = 3000;
  Sim slow(options);
  DataPlaneOptions plane;
  plane.backend_timeout = std::chrono::milliseconds(300);
  Start(
      TwoModelConfig("[" + Ref("a", slow.Endpoint()) + "]", "[" + Ref("c", slow.Endpoint()) + "]"),
      plane);
  const auto start = std::chrono::steady_clock::now();
  const HttpResult r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.status, 504);
  EXPECT_NE(r.body.find("backend " + slow.Endpoint() + " did not answer within 300ms"),
            std::string::npos)
      << r.body;
}

TEST_F(DataPlaneTest, BadBodiesGetOpenAiStyle4xx) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  auto expect_error = [&](const std::string& body, int status, const std::string& message) {
    const HttpResult r = Post("/v1/chat/completions", body);
    EXPECT_EQ(r.status, status) << body.substr(0, 50);
    const json::object o = ParseObject(r.body);
    ASSERT_TRUE(o.contains("error")) << r.body;
    EXPECT_EQ(o.at("error").at("message"), message.c_str());
    EXPECT_EQ(o.at("error").at("code"), status);
    EXPECT_EQ(o.at("error").at("type"), "invalid_request_error");
  };
  expect_error("", 400, "malformed JSON body");
  expect_error("{\"model\": ", 400, "malformed JSON body");
  expect_error("[1,2]", 400, "malformed JSON body");
  expect_error(std::string(5000, '[') + std::string(5000, ']'), 400,
               "malformed JSON body: nested deeper than 64 levels");
  expect_error(R"({"model":"MoM"})", 400, "messages field is required");
  expect_error(R"({"model":"MoM","messages":"hi"})", 400, "messages field must be an array");
  expect_error(R"({"messages":[]})", 400, "invalid request body: missing required field: model");

  // 100 MB announced: refused from the headers, long before the body would arrive.
  RawClient client(proxy_->port());
  client.Send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n");
  const std::string reply = client.ReadUntil("}}");
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("request body exceeds the limit"), std::string::npos);
  EXPECT_EQ(a.sim->stats().requests.load(), 0u);  // nothing reached a backend
}

TEST_F(DataPlaneTest, ApiKeysReachTheBackendButNeverTheLog) {
  const std::string key = "sk-test-secret-4242";
  setenv("VSR_TEST_BACKEND_KEY", key.c_str(), 1);
  simulator::SimulatorOptions options;
  options.api_key = key;
  Sim a(options);
  Start(
      TwoModelConfig("[" + Ref("a", a.Endpoint(), 1, ", api_key_env: VSR_TEST_BACKEND_KEY") + "]",
                     "[" + Ref("c", a.Endpoint(), 1, ", api_key_env: VSR_TEST_BACKEND_KEY") + "]"));
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fast", "hi")).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("MoM", "integral")).status, 200);  // x-api-key
  EXPECT_EQ(a.sim->stats().unauthorized.load(), 0u);
  const std::string log = AccessLogText();
  EXPECT_NE(log.find("\"selected_model\":\"fast\""), std::string::npos) << log;
  EXPECT_EQ(log.find(key), std::string::npos);
  unsetenv("VSR_TEST_BACKEND_KEY");
}

// A user's own provider key, injected by an auth service as x-user-<provider>-key, is what the
// backend gets (upstream's default credential chain), and the injected header never reaches it;
// a chain that fails closed answers 401 when no key is found.
TEST_F(DataPlaneTest, AUsersInjectedProviderKeyReachesTheBackendInItsAuthHeader) {
  RecordingBackend backend;
  const std::string models =
      "[" + Ref("b", backend.Endpoint(), 1, ", api_key: sk-configured") + "]";
  Start(TwoModelConfig(models, models));
  HttpResult r = Post("/v1/chat/completions", Chat("fast", "hi"),
                      {{"x-user-openai-key", "sk-user-1"}, {"x-user-anthropic-key", "sk-ant-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend.Last().headers.at("authorization"), "Bearer sk-user-1");
  EXPECT_EQ(backend.Last().headers.count("x-user-openai-key"), 0u);
  EXPECT_EQ(backend.Last().headers.count("x-user-anthropic-key"), 0u);
  r = Post("/v1/chat/completions", Chat("MoM", "integral"), {{"x-user-anthropic-key", "sk-ant-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend.Last().headers.at("x-api-key"), "sk-ant-1");  // the Anthropic-format model
  r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_EQ(backend.Last().headers.at("authorization"), "Bearer sk-configured");

  Start(TwoModelConfig(models, models) +
        "global:\n  services:\n    authz:\n      providers: [{type: header-injection}]\n");
  const size_t before = backend.count();
  r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("Authentication failed. Check your API key configuration."),
            std::string::npos)
      << r.body;
  EXPECT_EQ(backend.count(), before) << "the backend was called without a key";
}

// A body the router did not change reaches the backend as the client wrote it, only the model
// swapped: spacing, key order and an integer past 64 bits kept, not re-serialized. A stream
// also gets include_usage (the router counts its tokens); a body the router changed (reasoning
// mode, a rewriting plugin, another API) is serialized as before.
TEST_F(DataPlaneTest, AnUnchangedBodyReachesTheBackendAsTheClientWroteIt) {
  RecordingBackend backend;
  const std::string refs = "[" + Ref("b", backend.Endpoint()) + "]";
  Start(TwoModelConfig(refs, refs));
  const auto sent = [&](const std::string& body) {
    EXPECT_EQ(Post("/v1/chat/completions", body).status, 200) << body;
    return backend.Last().body;
  };
  const std::string plain =
      "{ \"seed\": 123456789012345678901, \"model\": \"fast\",\n"
      "  \"messages\": [{\"role\": \"user\", \"content\": \"hi \\\"there\\\"\"}] }";
  EXPECT_EQ(sent(plain),
            "{ \"seed\": 123456789012345678901, \"model\": \"sim-fast\",\n"
            "  \"messages\": [{\"role\": \"user\", \"content\": \"hi \\\"there\\\"\"}] }");
  const std::string stream =
      R"({"model": "fast", "stream": true, "messages": [{"role": "user", "content": "hi"}]})";
  EXPECT_EQ(sent(stream), R"({"stream_options":{"include_usage":true},"model": "sim-fast", )"
                          R"("stream": true, "messages": [{"role": "user", "content": "hi"}]})");
  // A key twice (a message's content): serialized, so the backend reads what the router read.
  EXPECT_EQ(sent(R"({"model": "fast", "messages": [{"role": "user", "content": "a", )"
                 R"("content": "b"}]})"),
            R"({"model":"sim-fast","messages":[{"role":"user","content":"b"}]})");
  // The auto model drops a client's reasoning_effort: serialized.
  EXPECT_EQ(sent(R"({"model": "MoM", "reasoning_effort": "high", "messages": [{"role": "user", )"
                 R"("content": "hi"}]})"),
            R"({"model":"sim-fast","messages":[{"role":"user","content":"hi"}]})");
}

TEST_F(DataPlaneTest, HotReloadUnderTrafficDropsNothing) {
  Sim a, b;
  const std::string to_a =
      TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]");
  const std::string to_b =
      TwoModelConfig("[" + Ref("b", b.Endpoint()) + "]", "[" + Ref("c", b.Endpoint()) + "]");
  Start(to_a);
  std::atomic<int> failed{0}, done{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "hi", i % 2 == 0));
        if (r.status != 200) ++failed;
        ++done;
      }
    });
  }
  const auto router_a = MakeRouter(to_a), router_b = MakeRouter(to_b);
  for (int i = 0; done.load() < 200 && i < 2000; ++i) {
    snapshot_->Set(i % 2 == 0 ? router_b : router_a);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(a.sim->stats().requests.load(), 0u);
  EXPECT_GT(b.sim->stats().requests.load(), 0u);
  EXPECT_EQ(a.sim->stats().requests.load() + b.sim->stats().requests.load(), 200u);
}

// A minimal blocking HTTPS backend (test CA in tests/fixtures/tls) answering chat completions.
class TlsBackend {
 public:
  TlsBackend() : ctx_(boost::asio::ssl::context::tls_server), acceptor_(io_) {
    const std::string dir = std::string(VSR_FIXTURES_DIR) + "/tls/";
    ctx_.use_certificate_chain_file(dir + "server.pem");
    ctx_.use_private_key_file(dir + "server.key", boost::asio::ssl::context::pem);
    const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsBackend() {
    stop_ = true;
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // unblock connection threads
    }
    boost::asio::io_context io;  // wake the blocking accept
    boost::asio::ip::tcp::socket poke(io);
    boost::system::error_code ec;
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
    for (auto& t : connections_) t.join();
  }
  uint16_t port() const { return port_; }
  int answered() const { return answered_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      std::lock_guard lock(mu_);
      open_fds_.push_back(socket.native_handle());
      connections_.emplace_back(
          [this, s = std::move(socket)]() mutable { Connection(std::move(s)); });
    }
  }
  void Connection(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(socket), ctx_);
    stream.handshake(boost::asio::ssl::stream_base::server, ec);
    boost::beast::flat_buffer buffer;
    while (!ec && !stop_) {
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec) break;
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"id":"tls-1","object":"chat.completion","model":"m","choices":[{"index":0,)"
                   R"("message":{"role":"assistant","content":"over tls to )" +
                   std::string(req.target()) + R"("},"finish_reason":"stop"}]})";
      res.keep_alive(true);
      res.prepare_payload();
      http::write(stream, res, ec);
      if (!ec) ++answered_;
    }
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connections_;
  std::thread thread_;
};

TEST_F(DataPlaneTest, HttpsBackendsAreVerifiedAgainstTheCaStore) {
  TlsBackend backend;
  const std::string port = std::to_string(backend.port());
  std::string config = TwoModelConfig(
      "[{name: tls-ip, endpoint: '127.0.0.1:" + port + "', protocol: https}]",
      "[{name: tls-name, base_url: 'https://localhost:" + port + "/v1', provider: openai}]");
  const std::string anthropic = "      api_format: anthropic\n";
  config.erase(config.find(anthropic), anthropic.size());  // both models speak OpenAI here
  // Trusted: the test CA is the CA store (SSL_CERT_FILE, as every OpenSSL client honours).
  setenv("SSL_CERT_FILE", (std::string(VSR_FIXTURES_DIR) + "/tls/ca.pem").c_str(), 1);
  Start(config);
  HttpResult r = Post("/v1/chat/completions", Chat("fast", "hi"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("over tls to /v1/chat/completions"), std::string::npos) << r.body;
  // base_url with a host name: SNI and the DNS name in the certificate; its path +
  // /chat/completions.
  r = Post("/v1/chat/completions",
           R"({"model":"claude","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("over tls to /v1/chat/completions"), std::string::npos) << r.body;
  EXPECT_EQ(backend.answered(), 2);

  // Untrusted: the system store does not know the test CA, so the handshake is refused.
  unsetenv("SSL_CERT_FILE");
  Start(config);
  r = Post("/v1/chat/completions", Chat("fast", "hi"));
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("TLS handshake with https://127.0.0.1:" + port + " failed"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("certificate verify failed"), std::string::npos) << r.body;
  Stop();  // close pooled connections before the backend goes away
}

TEST_F(DataPlaneTest, ResponsesApiAnswersStoresAndContinues) {
  simulator::SimulatorOptions echo;
  echo.response = "echo";
  Sim a(echo);
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  HttpResult r =
      Post("/v1/responses", R"({"model":"MoM","input":"hello there","instructions":"be brief"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object first = ParseObject(r.body);
  EXPECT_EQ(first.at("object"), "response");
  EXPECT_EQ(first.at("status"), "completed");
  EXPECT_EQ(first.at("output_text"), "hello there");
  EXPECT_EQ(first.at("output").as_array()[0].at("content").as_array()[0].at("type"), "output_text");
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "fast");
  const std::string id(first.at("id").as_string());
  ASSERT_EQ(id.rfind("resp_", 0), 0u);
  const int64_t first_input = first.at("usage").at("input_tokens").as_int64();

  // previous_response_id: the stored conversation goes to the backend before the new input;
  // routing sees the new text ("integral" -> claude, an Anthropic backend, translated twice).
  r = Post(
      "/v1/responses",
      R"({"model":"MoM","input":"what about an integral","previous_response_id":")" + id + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object second = ParseObject(r.body);
  EXPECT_EQ(second.at("previous_response_id"), id.c_str());
  EXPECT_EQ(second.at("output_text"), "what about an integral");
  EXPECT_GT(second.at("usage").at("input_tokens").as_int64(), first_input + 3);
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "claude");

  const auto get = [&](const std::string& method, const std::string& path) {
    return HttpCall(method, proxy_->Url(path), "", std::chrono::seconds(5));
  };
  r = get("GET", "/v1/responses/" + id);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseObject(r.body).at("id"), id.c_str());
  r = get("GET", "/v1/responses/" + id + "/input_items");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseObject(r.body).at("data").as_array()[0].at("content").as_array()[0].at("text"),
            "hello there");
  EXPECT_EQ(get("DELETE", "/v1/responses/" + id).status, 200);
  EXPECT_EQ(get("GET", "/v1/responses/" + id).status, 404);
  r = Post("/v1/responses",
           R"({"model":"MoM","input":"x","previous_response_id":")" + id + R"("})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Post("/v1/responses", R"({"model":"MoM"})").status, 400);

  // Streamed: Responses events from created to completed.
  r = Post("/v1/responses", R"({"model":"fast","input":"one two three","stream":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  size_t pos = 0;
  for (const char* event :
       {"response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.done",
        "response.output_item.done", "response.completed"}) {
    pos = r.body.find(std::string("event: ") + event, pos);
    EXPECT_NE(pos, std::string::npos) << event << " missing or out of order:\n" << r.body;
  }
  EXPECT_NE(r.body.find(R"("output_text":"one two three")"), std::string::npos) << r.body;
}

// A Responses API answer that calls a tool, streamed or whole: the client gets the
// function_call item, and a follow-up that sends the tool's output with previous_response_id
// reaches the backend after the assistant turn that made the call (a chat backend rejects a tool
// message that answers no call).
TEST_F(DataPlaneTest, ResponsesApiToolCallsSurviveStreamingAndContinuation) {
  std::mutex mu;
  std::string last_body;
  const auto answer = [&](const HttpRequest& r, HttpExchange& ex) -> boost::asio::awaitable<void> {
    {
      std::lock_guard lock(mu);
      last_body = r.body;
    }
    if (test::AsksForStream(r)) {
      const std::string type = "text/event-stream";
      co_await ex.BeginStream(200, type, {});
      co_await ex.Write(
          R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,)"
          R"("id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"ci"}}]}}]})"
          "\n\n");
      co_await ex.Write(
          R"(data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,)"
          R"("function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":"tool_calls"}]})"
          "\n\ndata: [DONE]\n\n");
      co_await ex.EndStream();
      co_return;
    }
    const HttpResponse whole{
        200,
        "application/json",
        R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":)"
        R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
        R"("function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},)"
        R"("finish_reason":"tool_calls"}]})",
        {}};
    co_await ex.Respond(whole);
  };
  LoopbackServer backend(AsyncHttpHandler(answer), &DataPlane::ErrorForStatus);
  const std::string endpoint = "127.0.0.1:" + std::to_string(backend.port());
  Start(TwoModelConfig("[" + Ref("b", endpoint) + "]", "[" + Ref("c", endpoint) + "]"));
  const std::string tools =
      R"("tools":[{"type":"function","name":"weather","parameters":{"type":"object"}}])";
  for (const bool stream : {false, true}) {
    HttpResult r = Post("/v1/responses", R"({"model":"fast","input":"weather?",)" + tools +
                                             (stream ? R"(,"stream":true})" : "}"));
    ASSERT_EQ(r.status, 200) << r.body;
    std::string id;
    if (stream) {
      EXPECT_NE(r.body.find("event: response.function_call_arguments.delta"), std::string::npos)
          << r.body;
      const size_t done = r.body.find("data: ", r.body.find("event: response.completed"));
      ASSERT_NE(done, std::string::npos) << r.body;
      const json::object completed = ParseObject(r.body.substr(done + 6));
      const json::object& response = completed.at("response").as_object();
      id = std::string(response.at("id").as_string());
      EXPECT_EQ(response.at("output").at(0).at("arguments"), R"({"city":"Oslo"})") << r.body;
    } else {
      const json::object response = ParseObject(r.body);
      id = std::string(response.at("id").as_string());
      EXPECT_EQ(response.at("output").at(0).at("type"), "function_call") << r.body;
    }
    r = Post(
        "/v1/responses",
        R"({"model":"fast","previous_response_id":")" + id + R"(",)" + tools +
            R"(,"input":[{"type":"function_call_output","call_id":"call_1","output":"sunny"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    std::string sent;
    {
      std::lock_guard lock(mu);
      sent = last_body;
    }
    const json::object forwarded = ParseObject(sent);
    const json::array& messages = forwarded.at("messages").as_array();
    ASSERT_GE(messages.size(), 3u) << sent;
    const json::object& call_turn = messages[messages.size() - 2].as_object();
    EXPECT_EQ(call_turn.at("role"), "assistant") << sent;
    ASSERT_TRUE(call_turn.contains("tool_calls")) << "stream " << stream << ": " << sent;
    EXPECT_EQ(call_turn.at("tool_calls").at(0).at("id"), "call_1");
    EXPECT_EQ(call_turn.at("tool_calls").at(0).at("function").at("arguments"),
              R"({"city":"Oslo"})");
    EXPECT_EQ(messages.back().at("role"), "tool");
    EXPECT_EQ(messages.back().at("tool_call_id"), "call_1");
  }
}

TEST_F(DataPlaneTest, ResponsesApiOffAnswers404) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]") +
        "global:\n  services:\n    response_api:\n      enabled: false\n");
  const HttpResult r = Post("/v1/responses", R"({"model":"MoM","input":"hi"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("endpoint not found"), std::string::npos);
}

TEST_F(DataPlaneTest, ModelsHealthAndUnknownPaths) {
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  HttpResult r = HttpCall("GET", proxy_->Url("/v1/models"), "", std::chrono::seconds(5));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseObject(r.body).at("data").as_array()[0].at("id"), "MoM");
  EXPECT_EQ(HttpCall("GET", proxy_->Url("/health"), "", std::chrono::seconds(5)).status, 200);
  EXPECT_EQ(
      HttpCall("GET", proxy_->Url("/v1/chat/completions"), "", std::chrono::seconds(5)).status,
      405);
  EXPECT_EQ(HttpCall("POST", proxy_->Url("/v1/unknown"), "{}", std::chrono::seconds(5)).status,
            404);
}

// A domain signal standing in for a model: it blocks until the test opens its gate.
class GatedSignal final : public signals::Signal {
 public:
  signals::Family family() const override { return signals::Family::kDomain; }
  std::vector<std::string> RuleNames() const override { return {"math"}; }
  bool IsExpensive() const override { return true; }
  void Evaluate(const request::Request&, signals::SignalOutput& out) const override {
    std::unique_lock lock(mu);
    started = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10), [this] { return open; });
    out.matched.push_back("math");
  }
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  mutable bool started = false;
  bool open = false;
};

// Routing that runs models happens on the routing threads: while one request's classifier is
// busy, the same (single) I/O thread keeps answering other requests.
TEST_F(DataPlaneTest, RoutingWithModelsNeverHoldsTheIoThread) {
  Sim a;
  const std::string yaml =
      TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]") +
      "    - name: domain-math\n"
      "      priority: 20\n"
      "      rules: {operator: AND, conditions: [{type: domain, name: math}]}\n"
      "      modelRefs: [{model: claude}]\n";
  std::string with_domain = yaml;
  with_domain.replace(with_domain.find("  signals:\n"), 11,
                      "  signals:\n    domains: [{name: math}]\n");
  std::vector<std::string> errors;
  auto config = testing::ConfigFromText(with_domain);
  signals::SignalSet set = signals::SignalSet::Build(*config, errors);
  auto gated = std::make_shared<GatedSignal>();
  set.Replace(gated);
  routing::RouterOptions router_options;
  router_options.signal_budget = std::chrono::milliseconds(20000);
  std::shared_ptr<const routing::Router> router =
      routing::Router::Create(config, std::move(set), router_options);
  ASSERT_TRUE(router->runs_models());
  snapshot_ = std::make_shared<RouterSnapshot>(router);
  DataPlaneOptions options;
  options.route_threads = std::make_shared<WorkerPool>(2);
  plane_ = std::make_shared<DataPlane>(snapshot_, std::make_shared<UpstreamPool>(),
                                       std::make_shared<AccessLog>(""), options);
  proxy_ = std::make_unique<LoopbackServer>(
      [p = plane_](const HttpRequest& r, HttpExchange& e) -> boost::asio::awaitable<void> {
        co_await p->Handle(r, e);
      },
      &DataPlane::ErrorForStatus);
  std::thread client([&] {
    const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "prove it"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "domain-math");
    // Upstream's category: the decision's matched domain condition, in the replay record too.
    EXPECT_EQ(r.headers.at("x-vsr-selected-category"), "math");
    const HttpResult rec =
        HttpCall("GET", proxy_->Url("/v1/router_replay/" + r.headers.at("x-vsr-replay-id")), "",
                 std::chrono::seconds(5));
    EXPECT_NE(rec.body.find(R"("category":"math")"), std::string::npos) << rec.body;
  });
  {
    std::unique_lock lock(gated->mu);
    ASSERT_TRUE(gated->cv.wait_for(lock, std::chrono::seconds(10), [&] { return gated->started; }));
  }
  // The classifier is mid-request; the I/O thread is free.
  EXPECT_EQ(HttpCall("GET", proxy_->Url("/health"), "", std::chrono::seconds(2)).status, 200);
  {
    std::lock_guard lock(gated->mu);
    gated->open = true;
  }
  gated->cv.notify_all();
  client.join();
}

}  // namespace
}  // namespace vsr::server
