// The memory plugin through the real data plane: a bag-of-words embedding model
// (fake_models.h), a simulator that echoes, and what the model received. A user's turn is kept;
// the user's later question gets it as context, other users and opted-out requests do not.
#include <gtest/gtest.h>

#include <chrono>
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
  // `reflection`: the memory plugin's reflection block ("" for none).
  void StartWith(const std::string& reflection) {
    plugins::PluginServices services;
    services.embed = [](const std::string& text) { return testing::WordEmbedder().Embed(text); };
    runtime_ = std::make_shared<plugins::PluginRuntime>(std::move(services));
    DataPlaneOptions options;
    options.plugins = runtime_;
    Start(test::FastModelConfig(backend_.Endpoint()) + test::AllToFastWithPlugins() +
              "        - {type: memory, configuration: {enabled: true, auto_store: true, "
              "similarity_threshold: 0.3" +
              (reflection.empty() ? "" : ", reflection: " + reflection) + "}}\n",
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

}  // namespace
}  // namespace vsr::server
