// The memory plugin through the real data plane: a bag-of-words embedding model
// (fake_models.h), a simulator that echoes, and what the model received. A user's turn is kept;
// the user's later question gets it as context, other users and opted-out requests do not.
// With a memory_rewrite model (a fake on loopback) a vague follow-up question is searched as
// the rewriter made it.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "support/data_plane_fixture.h"
#include "support/fake_models.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

class MemoryTest : public DataPlaneTest {
 protected:
  void SetUp() override { StartWith(""); }
  // `reflection`: the memory plugin's reflection block ("" for none); `global`: the config's
  // global section ("" for none); `services`: the runtime's, the embedding model added when
  // they have none.
  void StartWith(const std::string& reflection, const std::string& global = "",
                 plugins::PluginServices services = {}) {
    if (!services.embed) {
      services.embed = [](const std::string& text) { return testing::WordEmbedder().Embed(text); };
    }
    runtime_ = std::make_shared<plugins::PluginRuntime>(std::move(services));
    DataPlaneOptions options;
    options.plugins = runtime_;
    Start(test::FastModelConfig(backend_.Endpoint()) + test::AllToFastWithPlugins() +
              "        - {type: memory, configuration: {enabled: true, auto_store: true, "
              "similarity_threshold: 0.3" +
              (reflection.empty() ? "" : ", reflection: " + reflection) + "}}\n" + global,
          options);
  }
  HttpResult Ask(const std::string& text, const std::map<std::string, std::string>& headers) {
    return Post("/v1/chat/completions", Chat("MoM", text), headers);
  }
  // The memories stored so far (the turn is stored just after its answer reaches the client).
  size_t WaitForMemories(size_t n) {
    for (int i = 0; i < 200 && runtime_->memory_store()->size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return runtime_->memory_store()->size();
  }
  // The first message the model received (the memory context goes there).
  std::string FirstForwardedMessage() const {
    const json::object body = ParseObject(backend_.sim->last_request().body);
    return json::value_to<std::string>(body.at("messages").as_array()[0].at("content"));
  }
  size_t ForwardedMessages() const {
    return ParseObject(backend_.sim->last_request().body).at("messages").as_array().size();
  }

  std::shared_ptr<plugins::PluginRuntime> runtime_;
  Sim backend_{[] {
    simulator::SimulatorOptions o;
    o.response = "echo";
    return o;
  }()};
};

TEST_F(MemoryTest, AUsersTurnIsRememberedForThatUserOnly) {
  const std::map<std::string, std::string> alice{{"x-authz-user-id", "alice"}};
  ASSERT_EQ(Ask("My favourite colour is teal and I live in Lisbon", alice).status, 200);
  ASSERT_EQ(WaitForMemories(1), 1u);
  ASSERT_EQ(Ask("hello", alice).status, 200);  // a greeting: neither searched nor kept

  ASSERT_EQ(Ask("What is my favourite colour?", alice).status, 200);
  EXPECT_EQ(ForwardedMessages(), 2u);
  const std::string context = FirstForwardedMessage();
  EXPECT_EQ(context.rfind("The following is relevant context from previous conversations with "
                          "the user:\n\n- Q: My favourite colour is teal and I live in Lisbon\nA: ",
                          0),
            0u)
      << context;

  // Bob, a request without a user, and one that opts out get no memory.
  ASSERT_EQ(Ask("What is my favourite colour?", {{"x-authz-user-id", "bob"}}).status, 200);
  EXPECT_EQ(ForwardedMessages(), 1u);
  ASSERT_EQ(Ask("What is my favourite colour?", {}).status, 200);
  EXPECT_EQ(ForwardedMessages(), 1u);
  ASSERT_EQ(Ask("What is my favourite colour?",
                {{"x-authz-user-id", "alice"}, {"x-disable-router-memory", "true"}})
                .status,
            200);
  EXPECT_EQ(ForwardedMessages(), 1u);
  // Alice's question about her colour was a turn worth keeping too; bob's is his own.
  EXPECT_EQ(WaitForMemories(3), 3u);
  EXPECT_EQ(runtime_->memory_store()->List("alice", {}, 10).total, 2u);
}

// The reflection gate between retrieval and injection: a memory matching a block pattern
// never reaches the model; the others still do.
TEST_F(MemoryTest, ReflectionKeepsBlockedMemoriesFromTheModel) {
  StartWith("{block_patterns: ['(?i)password']}");
  const std::map<std::string, std::string> alice{{"x-authz-user-id", "alice"}};
  ASSERT_EQ(Ask("My favourite colour is teal and my password is hunter2", alice).status, 200);
  ASSERT_EQ(Ask("My favourite colour is teal, I said it twice", alice).status, 200);
  ASSERT_EQ(WaitForMemories(2), 2u);
  ASSERT_EQ(Ask("What is my favourite colour?", alice).status, 200);
  const std::string context = FirstForwardedMessage();
  EXPECT_NE(context.find("I said it twice"), std::string::npos) << context;
  EXPECT_EQ(context.find("hunter2"), std::string::npos) << context;
}

// The third turn of a conversation is kept twice: as itself, and with the two turns before it as
// one session-window memory (upstream's multi-hop chunk).
TEST_F(MemoryTest, TheThirdTurnAlsoKeepsTheConversationSoFar) {
  const std::string body =
      R"({"model":"MoM","messages":[)"
      R"({"role":"user","content":"I am planning a trip to Japan in April"},)"
      R"({"role":"assistant","content":"April is cherry blossom season, a lovely time."},)"
      R"({"role":"user","content":"My budget for the whole trip is 3000 dollars"},)"
      R"({"role":"assistant","content":"That works for two weeks with hostels and rail."},)"
      R"({"role":"user","content":"Which cities should I visit on that budget?"}]})";
  ASSERT_EQ(Post("/v1/chat/completions", body, {{"x-authz-user-id", "carol"}}).status, 200);
  ASSERT_EQ(WaitForMemories(2), 2u);
  const auto kept = runtime_->memory_store()->List("carol", {}, 10).memories;
  std::string window;
  for (const plugins::Memory& m : kept) {
    if (m.source == "session_window") window = m.content;
  }
  EXPECT_EQ(window.rfind("Q: I am planning a trip to Japan in April\nA: April is cherry", 0), 0u)
      << window;
  EXPECT_NE(window.find("\n---\nQ: My budget for the whole trip is 3000 dollars\n"),
            std::string::npos);
  EXPECT_NE(window.find("\n---\nQ: Which cities should I visit on that budget?\nA: "),
            std::string::npos);
}

// A memory_rewrite model: answers every chat completion with `answer` (or 500 when `fail`),
// and keeps the requests.
class FakeRewriter {
 public:
  FakeRewriter()
      : server_(
            [this](const HttpRequest& r) {
              std::lock_guard lock(mu_);
              requests_.push_back(r);
              if (fail_) return HttpResponse{500, "application/json", R"({"error":"busy"})", {}};
              const json::object completion{
                  {"object", "chat.completion"},
                  {"choices",
                   json::array{json::object{
                       {"index", 0},
                       {"message", json::object{{"role", "assistant"}, {"content", answer_}}}}}}};
              return HttpResponse{200, "application/json", json::serialize(completion), {}};
            },
            &OpenAiError) {}
  void Answer(const std::string& answer, bool fail = false) {
    std::lock_guard lock(mu_);
    answer_ = answer;
    fail_ = fail;
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  uint16_t port() const { return server_.port(); }

 private:
  std::mutex mu_;
  std::string answer_;
  bool fail_ = false;
  std::vector<HttpRequest> requests_;
  testing::LoopbackServer server_;
};

// Query rewriting, with the rewritten query embedded inline (no model threads) and on model
// threads (a follow-up call of the plugin).
class MemoryRewriteTest : public MemoryTest, public ::testing::WithParamInterface<size_t> {
 protected:
  void SetUp() override {
    plugins::PluginServices services;
    // Shared: a turn kept at the end of a test is embedded on a model thread after it.
    services.embed = [threads = embedded_on_](const std::string& text) {
      threads->Add(std::this_thread::get_id());
      return testing::WordEmbedder().Embed(text);
    };
    services.model_threads = GetParam();
    services.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    StartWith("",
              "global:\n"
              "  model_catalog:\n"
              "    external:\n"
              "      - llm_provider: vllm\n"
              "        model_role: memory_rewrite\n"
              "        llm_endpoint: {address: 127.0.0.1, port: " +
                  std::to_string(rewriter_.port()) +
                  "}\n"
                  "        llm_model_name: rewriter\n"
                  "        access_key: rewrite-key\n",
              std::move(services));
  }
  void TearDown() override { Stop(); }  // no request logs into a destroyed test
  // A follow-up that names nothing it is about, after a turn about flats.
  HttpResult AskVaguely(const std::string& user) {
    const std::string body =
        R"({"model":"MoM","messages":[{"role":"system","content":"Be brief."},)"
        R"({"role":"user","content":"I am repainting the flat this weekend"},)"
        R"({"role":"assistant","content":"Sounds fun."},)"
        R"({"role":"user","content":"Which one did I pick?"}]})";
    return Post("/v1/chat/completions", body, {{"x-authz-user-id", user}});
  }
  bool Logged(const std::string& text) {
    std::lock_guard lock(log_mu_);
    for (const std::string& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Whether the model's last request mentions the remembered colour (only a memory can).
  bool ModelGotTheColour() const {
    return backend_.sim->last_request().body.find("teal") != std::string::npos;
  }

  FakeRewriter rewriter_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  struct Threads {
    void Add(std::thread::id id) {
      std::lock_guard lock(mu);
      ids.insert(id);
    }
    bool Has(std::thread::id id) {
      std::lock_guard lock(mu);
      return ids.count(id) > 0;
    }
    std::mutex mu;
    std::set<std::thread::id> ids;
  };
  std::shared_ptr<Threads> embedded_on_ = std::make_shared<Threads>();  // where texts were embedded
};

TEST_P(MemoryRewriteTest, AVagueQuestionIsSearchedAsTheRewriterMadeIt) {
  const std::map<std::string, std::string> alice{{"x-authz-user-id", "alice"}};
  rewriter_.Answer("<think>they mean the colour</think>\"What is my favourite colour?\"");
  ASSERT_EQ(Ask("My favourite colour is teal and I live in Lisbon", alice).status, 200);
  ASSERT_EQ(WaitForMemories(1), 1u);

  ASSERT_EQ(AskVaguely("alice").status, 200);
  EXPECT_TRUE(ModelGotTheColour()) << backend_.sim->last_request().body;
  if (GetParam() > 0) {  // with model threads, no embedding holds up the I/O thread
    EXPECT_FALSE(embedded_on_->Has(proxy_->thread_id()));
  }

  // What the rewriter was asked: the conversation without its system message, then the query.
  const std::vector<HttpRequest> asked = rewriter_.requests();
  ASSERT_EQ(asked.size(), 2u);  // the first turn's search was rewritten too
  const HttpRequest& r = asked.back();
  EXPECT_EQ(r.path, "/v1/chat/completions");
  EXPECT_EQ(r.headers.at("authorization"), "Bearer rewrite-key");
  const json::object body = ParseObject(r.body);
  EXPECT_EQ(body.at("model"), "rewriter");
  EXPECT_EQ(body.at("stream"), false);
  EXPECT_EQ(body.at("max_tokens"), 512);
  const json::array& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role"), "system");
  EXPECT_EQ(messages[1].at("content"),
            "History:\n[user]: I am repainting the flat this weekend\n[assistant]: Sounds fun.\n"
            "[user]: Which one did I pick?\n\nQuery: Which one did I pick?\n\nRewritten query:");
}

TEST_P(MemoryRewriteTest, AFailedRewriteSearchesTheQuestionAsAsked) {
  const std::map<std::string, std::string> alice{{"x-authz-user-id", "alice"}};
  rewriter_.Answer("", /*fail=*/true);
  ASSERT_EQ(Ask("My favourite colour is teal and I live in Lisbon", alice).status, 200);
  ASSERT_EQ(WaitForMemories(1), 1u);

  // The vague question alone finds nothing; the request goes on all the same.
  ASSERT_EQ(AskVaguely("alice").status, 200);
  EXPECT_FALSE(ModelGotTheColour());
  EXPECT_TRUE(Logged(
      "memory: query rewriting through http://127.0.0.1:" + std::to_string(rewriter_.port()) +
      "/v1/chat/completions failed, searching with the question as asked: "
      "status 500"));
  // A question that says what it is about still finds the memory.
  ASSERT_EQ(Ask("What is my favourite colour?", alice).status, 200);
  EXPECT_TRUE(ModelGotTheColour());

  // Requests whose question is not searched do not call the rewriter.
  const size_t calls = rewriter_.requests().size();
  ASSERT_EQ(Ask("What is my favourite colour?", {}).status, 200);
  ASSERT_EQ(Ask("hello", alice).status, 200);
  EXPECT_EQ(rewriter_.requests().size(), calls);
}

INSTANTIATE_TEST_SUITE_P(ModelThreads, MemoryRewriteTest, ::testing::Values(0, 1),
                         [](const auto& param_info) {
                           return param_info.param == 0 ? std::string("Inline")
                                                        : std::string("OnModelThreads");
                         });

}  // namespace
}  // namespace vsr::server
