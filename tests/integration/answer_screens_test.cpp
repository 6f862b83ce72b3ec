// The answer screens through the real data plane, simulators as backends and scripted models
// (fake_models.h): response_jailbreak blocks or flags a jailbreaking answer in every client and
// backend API; hallucination flags answers unsupported by the request's tool results and marks
// ungrounded factual answers; both leave what they found in the replay record. Streams are not
// screened (upstream screens whole answers only).
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

std::string UserChat(const std::string& text, bool stream = false) {
  return CompactJson(
      json::object{{"model", "MoM"},
                   {"stream", stream},
                   {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}});
}

class ScreensTest : public DataPlaneTest {
 protected:
  testing::FakeModels models_;
};

// ---- response_jailbreak ----

class ResponseJailbreakTest : public ScreensTest {
 protected:
  void SetUp() override {
    // The guard calls an answer a jailbreak when it says "evil"; the simulator echoes.
    models_.classifier = std::make_shared<testing::ScriptedClassifier>(
        std::vector<std::string>{"benign", "jailbreak"}, [](std::string_view text) {
          return text.find("evil") != std::string_view::npos ? std::vector<float>{0.05f, 0.95f}
                                                             : std::vector<float>{0.99f, 0.01f};
        });
    Start(test::FastAndClaudeModels(backend_.Endpoint()) +
              "routing:\n"
              "  modelCards: [{name: fast}, {name: claude}]\n"
              "  signals:\n"
              "    keywords:\n"
              "      - {name: strict, operator: OR, keywords: [blockme]}\n"
              "      - {name: lenient, operator: OR, keywords: [flagme]}\n"
              "  decisions:\n"
              "    - name: strict\n"
              "      rules: {operator: AND, conditions: [{type: keyword, name: strict}]}\n"
              "      modelRefs: [{model: fast}]\n"
              "      plugins:\n"
              "        - {type: response_jailbreak, configuration: {enabled: true, "
              "threshold: 0.9, action: block}}\n"
              "    - name: lenient\n"
              "      rules: {operator: AND, conditions: [{type: keyword, name: lenient}]}\n"
              "      modelRefs: [{model: claude}]\n"
              "      plugins:\n"
              "        - {type: response_jailbreak, configuration: {enabled: true, action: "
              "header}}\n"
              "global:\n"
              "  model_catalog: {system: {prompt_guard: /models/guard}}\n",
          Options(), &models_);
  }
  DataPlaneOptions Options() {
    plugins::PluginServices services;
    services.models = std::shared_ptr<ml::ModelStore>(&models_, [](ml::ModelStore*) {});
    services.metrics = metrics_;
    DataPlaneOptions options;
    options.plugins = std::make_shared<plugins::PluginRuntime>(std::move(services));
    return options;
  }
  std::shared_ptr<observability::RouterMetrics> metrics_ =
      std::make_shared<observability::RouterMetrics>();
  Sim backend_{[] {
    simulator::SimulatorOptions o;
    o.response = "echo";
    return o;
  }()};
};

TEST_F(ResponseJailbreakTest, BlockReplacesAJailbreakingAnswerWithA403InTheClientsApi) {
  HttpResult r = Post("/v1/chat/completions", UserChat("blockme: say something evil"));
  ASSERT_EQ(r.status, 403) << r.body;
  const json::object error = ParseObject(r.body).at("error").as_object();
  EXPECT_EQ(error.at("message"), "Response blocked: jailbreak content detected in LLM output");
  EXPECT_EQ(error.at("code"), 403);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 1u);  // the model did answer
  EXPECT_NE(metrics_->Render().find("llm_plugin_execution_total{plugin_type=\"response_jailbreak\","
                                    "decision_name=\"strict\",status=\"detected\"} 1"),
            std::string::npos)
      << metrics_->Render();

  // An Anthropic client gets Anthropic's error shape.
  const std::string anthropic = CompactJson(json::object{
      {"model", "MoM"},
      {"max_tokens", 64},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "blockme evil"}}}}});
  r = Post("/v1/messages", anthropic);
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("type"), "error");

  // A harmless answer passes untouched; a stream is not screened (upstream neither).
  r = Post("/v1/chat/completions", UserChat("blockme: say something nice"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.count("x-vsr-response-jailbreak-detected"), 0u);
  r = Post("/v1/chat/completions", UserChat("blockme: say something evil", true));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("evil"), std::string::npos);
}

TEST_F(ResponseJailbreakTest, HeaderFlagsTheAnswerOfAnAnthropicBackendAndTheRecordKeepsIt) {
  const HttpResult r = Post("/v1/chat/completions", UserChat("flagme: something evil"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "claude");
  EXPECT_EQ(r.headers.at("x-vsr-response-jailbreak-detected"), "true");
  EXPECT_EQ(r.headers.at("x-vsr-response-jailbreak-type"), "jailbreak");
  EXPECT_EQ(r.headers.at("x-vsr-response-jailbreak-confidence"), "0.950");
  // The answer itself is the model's, translated to OpenAI form as usual.
  const json::object body = ParseObject(r.body);
  EXPECT_EQ(body.at("object"), "chat.completion");
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("response_jailbreak_detected"), true);
  EXPECT_EQ(rec.at("response_jailbreak_type"), "jailbreak");
  EXPECT_NEAR(rec.at("response_jailbreak_confidence").to_number<double>(), 0.95, 1e-6);
}

// ---- hallucination ----

// The assistant's tool call and its result, after the user's question.
std::string GroundedChat(const std::string& question, const std::string& tool_result) {
  json::array messages{
      json::object{{"role", "user"}, {"content", question}},
      json::object{{"role", "assistant"},
                   {"content", nullptr},
                   {"tool_calls",
                    json::array{json::object{
                        {"id", "c1"},
                        {"type", "function"},
                        {"function", json::object{{"name", "lookup"}, {"arguments", "{}"}}}}}}},
      json::object{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", tool_result}}};
  return CompactJson(json::object{{"model", "MoM"}, {"messages", std::move(messages)}});
}

// What the simulator answers (its fixed reply, 16 words).
const std::string kSimulatorReply =
    "Hello! This is the vllm-sr simulator answering as sim-fast. Each word of this reply is one "
    "token, sent at the pace the simulator was given.";

class HallucinationTest : public ScreensTest {
 protected:
  void SetUp() override {
    // Questions about a capital need fact-checking; the detector calls an answer word
    // unsupported when the tool results lack it.
    models_.classifier = std::make_shared<testing::ScriptedClassifier>(
        std::vector<std::string>{"no_check", "check"}, [](std::string_view text) {
          return text.find("capital") != std::string_view::npos ? std::vector<float>{0.1f, 0.9f}
                                                                : std::vector<float>{0.9f, 0.1f};
        });
    models_.tokens = std::make_shared<testing::WordGroundingTagger>();
    plugins::PluginServices services;
    services.models = std::shared_ptr<ml::ModelStore>(&models_, [](ml::ModelStore*) {});
    DataPlaneOptions options;
    options.plugins = std::make_shared<plugins::PluginRuntime>(std::move(services));
    Start(test::FastAndClaudeModels(backend_.Endpoint()) +
              "routing:\n"
              "  modelCards: [{name: fast}, {name: claude}]\n"
              "  signals:\n"
              "    fact_check: [{name: needs_fact_check}, {name: no_fact_check_needed}]\n"
              "    keywords: [{name: verbose, operator: OR, keywords: [details]}]\n"
              "  decisions:\n"
              "    - name: detailed_facts\n"
              "      priority: 20\n"
              "      rules: {operator: AND, conditions: [{type: fact_check, name: "
              "needs_fact_check}, {type: keyword, name: verbose}]}\n"
              "      modelRefs: [{model: fast}]\n"
              "      plugins:\n"
              "        - {type: hallucination, configuration: {enabled: true, "
              "hallucination_action: body, include_hallucination_details: true}}\n"
              "    - name: facts\n"
              "      priority: 10\n"
              "      rules: {operator: AND, conditions: [{type: fact_check, name: "
              "needs_fact_check}]}\n"
              "      modelRefs: [{model: fast}]\n"
              "      plugins:\n"
              "        - {type: hallucination, configuration: {enabled: true, "
              "hallucination_action: header, unverified_factual_action: body}}\n"
              "global:\n"
              "  model_catalog:\n"
              "    system: {fact_check_classifier: /models/verdict, hallucination_detector: "
              "/models/halu}\n"
              "    modules:\n"
              "      hallucination_mitigation: {fact_check: {model_ref: fact_check_classifier, "
              "threshold: 0.7}}\n",
          options, &models_);
  }
  Sim backend_;
};

TEST_F(HallucinationTest, AnswersTheToolResultsDoNotSupportAreFlagged) {
  HttpResult r = Post("/v1/chat/completions",
                      GroundedChat("What is the capital of France?", "Paris is the capital."));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "facts");
  EXPECT_EQ(r.headers.at("x-vsr-hallucination-detected"), "true");
  EXPECT_EQ(r.headers.at("x-vsr-fact-check-needed"), "true");
  EXPECT_EQ(r.headers.at("x-vsr-hallucination-spans").rfind("Hello! This; vllm-sr simulator", 0),
            0u)
      << r.headers.at("x-vsr-hallucination-spans");
  EXPECT_EQ(r.headers.count("x-vsr-unverified-factual-response"), 0u);
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("hallucination_enabled"), true);
  EXPECT_EQ(rec.at("hallucination_detected"), true);
  EXPECT_EQ(rec.at("hallucination_spans").as_array().front(), "Hello! This");

  // Tool results that say everything the answer says: nothing to flag.
  r = Post("/v1/chat/completions",
           GroundedChat("What is the capital of France?", "Paris. " + kSimulatorReply));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.count("x-vsr-hallucination-detected"), 0u);
}

TEST_F(HallucinationTest, BodyActionPutsTheWarningWithItsSpansInFrontOfTheAnswer) {
  const HttpResult r =
      Post("/v1/chat/completions",
           GroundedChat("Give details: what is the capital of France?", "Paris is the capital."));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "detailed_facts");
  EXPECT_EQ(r.headers.count("x-vsr-hallucination-detected"), 0u);
  const json::object body = ParseObject(r.body);
  const std::string content =
      json::value_to<std::string>(body.at("choices").as_array()[0].at("message").at("content"));
  EXPECT_EQ(content.rfind("[Hallucination Warning] This response may contain unsupported claims "
                          "(confidence: 90%). Unsupported spans: \"Hello! This\", ",
                          0),
            0u)
      << content;
  EXPECT_NE(content.find("Please verify the information independently.\n\nHello! This is"),
            std::string::npos)
      << content;
}

TEST_F(HallucinationTest, UngroundedFactualAnswersAreMarkedUnverifiedInEveryClientApi) {
  HttpResult r = Post("/v1/chat/completions", UserChat("What is the capital of France?"));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string prefix =
      "[Unverified Response] This response contains factual claims that could not be verified "
      "due to missing context.\n\nHello!";
  std::string content = json::value_to<std::string>(
      ParseObject(r.body).at("choices").as_array()[0].at("message").at("content"));
  EXPECT_EQ(content.rfind(prefix, 0), 0u) << content;

  const std::string anthropic = CompactJson(json::object{
      {"model", "MoM"},
      {"max_tokens", 64},
      {"messages", json::array{json::object{{"role", "user"},
                                            {"content", "What is the capital of France?"}}}}});
  r = Post("/v1/messages", anthropic);
  ASSERT_EQ(r.status, 200) << r.body;
  content = json::value_to<std::string>(ParseObject(r.body).at("content").as_array()[0].at("text"));
  EXPECT_EQ(content.rfind(prefix, 0), 0u) << content;

  // A question that needs no fact-checking is left alone.
  r = Post("/v1/chat/completions", UserChat("Tell me a joke"));
  ASSERT_EQ(r.status, 200);
  content = json::value_to<std::string>(
      ParseObject(r.body).at("choices").as_array()[0].at("message").at("content"));
  EXPECT_EQ(content.rfind("Hello!", 0), 0u);
}

}  // namespace
}  // namespace vsr::server
