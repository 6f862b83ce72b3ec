// PluginCaller and the upstream pool over real sockets: one plugin's calls run at the same time
// (two servers that each answer only once the other has been asked too, so calls made one after the
// other cannot both succeed), and a call to a configured Anthropic-format model goes to its backend
// in Anthropic's API and comes back as an OpenAI chat completion.
#include "server/plugin_calls.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <condition_variable>
#include <mutex>

#include "server/upstream_client.h"
#include "support/data_plane_fixture.h"
#include "support/loopback_server.h"

namespace vsr::server {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using test::ParseObject;
using test::Sim;

// Answers once two requests have arrived (or 500 after 5 s alone).
class Rendezvous {
 public:
  HttpResponse Meet() {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
    const bool met = cv_.wait_for(lock, std::chrono::seconds(5), [&] { return arrived_ >= 2; });
    return met ? HttpResponse{200, "application/json", R"({"ok":true})", {}}
               : HttpResponse{500, "application/json", R"({"error":"alone"})", {}};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
};

plugins::OutboundCall UrlCall(const std::string& url) {
  plugins::OutboundCall call;
  call.url = url;
  call.body = "{}";
  return call;
}

plugins::OutboundCall ModelCall(const std::string& model) {
  plugins::OutboundCall call;
  call.model = model;
  call.body = R"({"messages":[{"role":"user","content":"hello there"}]})";
  return call;
}

TEST(PluginCallerTest, CallsRunTogetherAndAModelCallSpeaksTheModelsApi) {
  Rendezvous meeting;
  const auto meet = [&](const HttpRequest&) { return meeting.Meet(); };
  testing::LoopbackServer a(meet, &OpenAiError);
  testing::LoopbackServer b(meet, &OpenAiError);
  Sim claude;
  const auto config =
      testing::ConfigFromText(test::FastAndClaudeModels(claude.Endpoint()) +
                              "routing: {modelCards: [{name: fast}, {name: claude}]}\n");

  asio::io_context io;  // before the pool: its connections go first
  UpstreamPool pool;
  BackendBalancer balancer;
  PluginCaller caller(pool, balancer, std::chrono::seconds(2));
  std::vector<plugins::OutboundCall> calls{UrlCall(a.Url("/meet")), UrlCall(b.Url("/meet")),
                                           ModelCall("claude"), ModelCall("nope")};
  std::vector<plugins::OutboundReply> replies;
  asio::co_spawn(io, caller.SendAll(*config, calls, replies), asio::detached);
  io.run();

  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0].status, 200) << replies[0].body << replies[0].error;
  EXPECT_EQ(replies[1].status, 200) << replies[1].body << replies[1].error;

  EXPECT_EQ(replies[2].status, 200) << replies[2].error;
  const json::object answer = ParseObject(replies[2].body);
  EXPECT_EQ(answer.at("object"), "chat.completion");
  EXPECT_FALSE(answer.at("choices").at(0).at("message").at("content").as_string().empty());
  const simulator::ReceivedRequest sent = claude.sim->last_request();
  EXPECT_EQ(sent.path, "/v1/messages");
  const json::object body = ParseObject(sent.body);
  EXPECT_EQ(body.at("model"), "claude-sim");  // the provider's model id
  EXPECT_TRUE(body.contains("max_tokens"));   // Anthropic requires it

  EXPECT_EQ(replies[3].status, 0);
  EXPECT_EQ(replies[3].error, "model 'nope' is not in providers.models");
}

// A body the backend sent at once is handed on in a piece or two, not in 512-byte reads (each
// piece of a stream costs the client a write): three answers over one pooled connection.
TEST(UpstreamPoolTest, ABodyThatArrivedIsReadInOnePieceNotByTheHalfKilobyte) {
  const std::string body(12000, 'x');
  testing::LoopbackServer backend(
      [&](const HttpRequest&) {
        return HttpResponse{200, "text/plain", body, {}};
      },
      &OpenAiError);
  asio::io_context io;
  UpstreamPool pool;
  std::vector<size_t> pieces;
  std::string received;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (int answer = 0; answer < 3; ++answer) {
          UpstreamRequest request;
          request.host = "127.0.0.1";
          request.port = std::to_string(backend.port());
          request.body = "{}";
          UpstreamResult r = co_await pool.Send(request);
          if (!r.response) co_return;
          size_t n = 0;
          for (std::string piece = co_await r.response->Read(); !piece.empty();
               piece = co_await r.response->Read()) {
            received += piece;
            ++n;
          }
          pieces.push_back(n);
        }
      },
      asio::detached);
  io.run();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(received, body + body + body);
  for (size_t n : pieces) EXPECT_LE(n, 3u) << "pieces of one 12,000-byte answer";
}

}  // namespace
}  // namespace vsr::server
