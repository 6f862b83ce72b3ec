// Looper decisions over real loopback sockets: the data plane calls each candidate back
// through its own listener (x-vsr-looper-request), simulators answer with the token
// log-probabilities that make a small model unsure and a large one confident.
#include "server/looper.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::DeadPort;
using test::Ref;
using test::Sim;

simulator::SimulatorOptions Sure(double logprob, const std::string& name,
                                 const std::string& reasoning = "") {
  simulator::SimulatorOptions o;
  o.logprob = logprob;
  o.name = name;
  o.reasoning = reasoning;
  return o;
}

class LooperTest : public DataPlaneTest {
 protected:
  // small (1b, unsure: mean logprob -2.5 -> confidence 0.17), medium (8b, -1.0 -> 0.67, and it
  // sends reasoning_content), large (70b, -0.1 -> 0.97); listed largest first so the cascade
  // must reorder them.
  std::string Config(const std::string& algorithm, const std::string& small_endpoint = "") {
    return "version: v0.3\n"
           "listeners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
           "providers:\n"
           "  defaults: {default_model: large}\n"
           "  models:\n"
           "    - {name: small, backend_refs: [" +
           Ref("s", small_endpoint.empty() ? small_.Endpoint() : small_endpoint) +
           "]}\n"
           "    - {name: medium, backend_refs: [" +
           Ref("m", medium_.Endpoint()) + "]}\n" + "    - {name: large, backend_refs: [" +
           Ref("l", large_.Endpoint()) + "]}\n" +
           "routing:\n"
           "  modelCards: [{name: small, param_size: 1b}, {name: medium, param_size: 8b},\n"
           "               {name: large, param_size: 70b}]\n"
           "  decisions:\n"
           "    - name: cascade\n"
           "      rules: {operator: AND, conditions: []}\n"
           "      modelRefs: [{model: large}, {model: medium}, {model: small}]\n"
           "      algorithm: " +
           algorithm + "\n";
  }
  // The last message of the last request `sim` received (a synthesis prompt, for remom).
  static std::string LastPrompt(const Sim& sim) {
    const json::value sent = json::parse(sim.sim->last_request().body);
    return std::string(sent.at("messages").as_array().back().at("content").as_string());
  }
  void StartLooping(const std::string& yaml) {
    Start(yaml);
    plane_->set_self_url(proxy_->Url("/v1/chat/completions"));
  }

  Sim small_{Sure(-2.5, "small")};
  Sim medium_{Sure(-1.0, "medium", "first I add two and two")};
  Sim large_{Sure(-0.1, "large")};
};

TEST_F(LooperTest, ConfidenceEscalatesFromTheSmallestModelUntilAnAnswerIsSureEnough) {
  StartLooping(
      Config("{type: confidence, confidence: {confidence_method: avg_logprob, threshold: 0.6}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "what is 2+2?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-algorithm"), "confidence");
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "small,medium");
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "2");
  EXPECT_EQ(r.headers.at("x-vsr-looper-model"), "medium");
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "medium");
  EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "cascade");
  const json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("model"), "medium");
  EXPECT_EQ(body.at("id").as_string().subview().substr(0, 16), "chatcmpl-looper-");
  // Usage adds up both calls (16 words each from the simulators).
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 32);
  // Each call was a pinned, non-streamed request asking for logprobs, marked as a looper call.
  EXPECT_EQ(small_.sim->stats().requests, 1u);
  EXPECT_EQ(medium_.sim->stats().requests, 1u);
  EXPECT_EQ(large_.sim->stats().requests, 0u);
  const json::object sent = json::parse(medium_.sim->last_request().body).as_object();
  EXPECT_EQ(sent.at("logprobs"), true);
  EXPECT_EQ(sent.at("stream"), false);
}

TEST_F(LooperTest, NoAnswerSureEnoughEndsWithTheLargestAndAStreamingClientGetsSse) {
  StartLooping(
      Config("{type: confidence, confidence: {confidence_method: hybrid, threshold: 0.99}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "hard question", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "small,medium,large");
  EXPECT_EQ(r.headers.at("x-vsr-looper-model"), "large");
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_NE(r.body.find("chat.completion.chunk"), std::string::npos);
  EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos);
  // hybrid needs the runner-up tokens too.
  EXPECT_EQ(json::parse(large_.sim->last_request().body).at("top_logprobs"), 2);
}

// Anthropic and Responses API clients of a looper decision get the looper's answer in their own
// API (upstream's looper answers Responses clients too), whole or streamed; a Responses answer
// is stored and can be continued.
TEST_F(LooperTest, AnthropicAndResponsesClientsGetTheLoopersAnswer) {
  StartLooping(
      Config("{type: confidence, confidence: {confidence_method: avg_logprob, threshold: 0.6}}"));
  const std::string messages =
      R"({"model":"MoM","max_tokens":50,"messages":[{"role":"user","content":"what is 2+2?"}])";
  HttpResult r = Post("/v1/messages", messages + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "small,medium");
  json::object answer = json::parse(r.body).as_object();
  EXPECT_EQ(answer.at("type"), "message") << r.body;
  EXPECT_EQ(answer.at("model"), "medium");
  EXPECT_EQ(answer.at("stop_reason"), "end_turn");
  r = Post("/v1/messages", messages + R"(,"stream":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-model"), "medium");
  EXPECT_EQ(r.body.find("event: message_start"), 0u) << r.body;
  EXPECT_NE(r.body.find("event: message_stop"), std::string::npos);

  r = Post("/v1/responses", R"({"model":"MoM","input":"what is 2+2?"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "small,medium");
  answer = json::parse(r.body).as_object();
  EXPECT_EQ(answer.at("object"), "response") << r.body;
  EXPECT_FALSE(answer.at("output_text").as_string().empty());
  const std::string id(answer.at("id").as_string());
  r = Post(
      "/v1/responses",
      R"({"model":"MoM","input":"and 3+3?","stream":true,"previous_response_id":")" + id + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("event: response.completed"), std::string::npos) << r.body;
  // The stored conversation reached the models: the first question is in the new call.
  EXPECT_NE(medium_.sim->last_request().body.find("what is 2+2?"), std::string::npos);
}

TEST_F(LooperTest, AFailedModelIsSkippedOrFailsTheRequestAsOnErrorSays) {
  const std::string dead = "127.0.0.1:" + std::to_string(DeadPort());
  StartLooping(Config("{type: confidence, confidence: {threshold: 0.6}}", dead));
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "q"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "medium");
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "2");

  StartLooping(Config("{type: confidence, confidence: {threshold: 0.6, on_error: fail}}", dead));
  r = Post("/v1/chat/completions", Chat("MoM", "q"));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("confidence looper: model 'small'"), std::string::npos) << r.body;
}

TEST_F(LooperTest, RatingsAsksEveryModelAtOnceAndReturnsOneChoiceEach) {
  StartLooping(Config("{type: ratings, ratings: {max_concurrent: 2}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "compare"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-algorithm"), "ratings");
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "3");
  const json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("model"), "large,medium,small");
  const json::array& choices = body.at("choices").as_array();
  ASSERT_EQ(choices.size(), 3u);
  EXPECT_EQ(choices[0].at("model"), "large");
  EXPECT_EQ(choices[2].at("index"), 2);
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 48);

  const HttpResult streamed = Post("/v1/chat/completions", Chat("MoM", "compare", true));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.content_type, "text/event-stream");
  for (const char* model : {"\"model\":\"large\"", "\"model\":\"medium\"", "\"model\":\"small\""})
    EXPECT_NE(streamed.body.find(model), std::string::npos) << model;
  EXPECT_NE(streamed.body.find("\"index\":2"), std::string::npos);
  EXPECT_EQ(streamed.body.substr(streamed.body.size() - 14), "data: [DONE]\n\n");
}

TEST_F(LooperTest, RemomRoundsSynthesizeThePreviousRoundsAnswers) {
  StartLooping(
      Config("{type: remom, remom: {breadth_schedule: [3], model_distribution: round_robin, "
             "include_intermediate_responses: true}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "prove it"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-algorithm"), "remom");
  // The configured round, then upstream's final synthesis call.
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "4");
  const json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("id").as_string().subview().substr(0, 15), "chatcmpl-remom-");
  const json::array& rounds = body.at("reasoning_mom_responses").as_array();
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_EQ(rounds[0].at("responses").as_array().size(), 3u);
  EXPECT_EQ(rounds[1].at("breadth"), 1);
  for (const json::value& v : rounds[0].at("responses").as_array()) {
    const json::object& response = v.as_object();
    EXPECT_EQ(response.at("compacted_content"), response.at("content"));
    EXPECT_EQ(response.at("token_count"),
              static_cast<int64_t>(response.at("content").as_string().size() / 4));
    EXPECT_EQ(response.count("reasoning"), response.at("model") == "medium" ? 1u : 0u);
  }
  // Round robin sends the synthesis call to the first candidate, with the three references in
  // upstream's default template.
  EXPECT_EQ(large_.sim->stats().requests, 2u);
  const std::string prompt = LastPrompt(large_);
  EXPECT_EQ(prompt.rfind("You are given a problem and a list of reference responses. Your job", 0),
            0u)
      << prompt;
  EXPECT_NE(prompt.find("Original Problem:\nprove it\n\nReference Responses:\n\nReference 1 ("),
            std::string::npos)
      << prompt;
  EXPECT_NE(prompt.find("\nReference 3 ("), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("\n\n\nNow, based on the original problem"), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("first I add"), std::string::npos) << prompt;  // include_reasoning off
  EXPECT_EQ(body.at("model"), "large");

  // Streamed: a role chunk that carries the rounds, the answer, the finish, [DONE].
  const HttpResult streamed = Post("/v1/chat/completions", Chat("MoM", "prove it", true));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  const size_t rounds_at = streamed.body.find("\"reasoning_mom_responses\"");
  ASSERT_NE(rounds_at, std::string::npos) << streamed.body;
  EXPECT_LT(rounds_at, streamed.body.find("\"content\":\"")) << streamed.body;
  EXPECT_NE(streamed.body.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_EQ(streamed.body.substr(streamed.body.size() - 14), "data: [DONE]\n\n");
}

// include_reasoning: each reference's reasoning_content goes into upstream's reasoning template.
TEST_F(LooperTest, RemomIncludesTheReferencesReasoningWhenAsked) {
  StartLooping(
      Config("{type: remom, remom: {breadth_schedule: [2], model_distribution: round_robin, "
             "include_reasoning: true, include_intermediate_responses: true}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "what is 2+2?"));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string prompt = LastPrompt(large_);
  EXPECT_EQ(prompt.rfind("You are given a problem and a list of reference responses with their "
                         "reasoning processes.",
                         0),
            0u)
      << prompt;
  EXPECT_NE(prompt.find("(medium):\n\nReasoning:\nfirst I add two and two\n\nAnswer:\n"),
            std::string::npos)
      << prompt;
  EXPECT_EQ(prompt.find("(large):\n\nReasoning:"), std::string::npos) << prompt;  // it sent none
  const json::value answer = json::parse(r.body);
  const json::array& round =
      answer.at("reasoning_mom_responses").as_array()[0].at("responses").as_array();
  bool listed = false;
  for (const json::value& v : round) {
    listed =
        listed || (v.at("model") == "medium" && v.at("reasoning") == "first I add two and two");
  }
  EXPECT_TRUE(listed) << r.body;
}

TEST_F(LooperTest, RemomUsesTheDecisionsSynthesisTemplate) {
  StartLooping(
      Config("{type: remom, remom: {breadth_schedule: [2], model_distribution: round_robin, "
             "synthesis_template: \"Q={{.OriginalContent}}{{range $i, $r := .ReferenceResponses}} "
             "#{{add $i 1}}:{{$r.Model}}{{end}}{{if .ReferenceResponses}} done{{end}}\"}}"));
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "prove it")).status, 200);
  EXPECT_EQ(LastPrompt(large_), "Q=prove it #1:large #2:medium done");
}

TEST_F(LooperTest, SelfVerifyAsksEachModelToGradeItsOwnAnswer) {
  StartLooping(Config("{type: confidence, confidence: {confidence_method: self_verify}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "what is 2+2?"));
  ASSERT_EQ(r.status, 200) << r.body;
  // The simulators' grades carry no number: never sure, so every model answers and grades.
  EXPECT_EQ(r.headers.at("x-vsr-looper-models-used"), "small,medium,large");
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "6");
  const json::object graded = json::parse(large_.sim->last_request().body).as_object();
  const std::string prompt(graded.at("messages").as_array()[0].at("content").as_string());
  EXPECT_NE(prompt.find("Original Question: what is 2+2?"), std::string::npos) << prompt;
  EXPECT_EQ(graded.count("logprobs"), 0u);
  // The answer is the large model's answer, not its grade.
  EXPECT_NE(r.body.find("answering as large"), std::string::npos) << r.body;
}

TEST_F(LooperTest, RemomSynthesisModelWritesTheFinalAnswer) {
  StartLooping(
      Config("{type: remom, remom: {breadth_schedule: [2, 2], model_distribution: first_only, "
             "synthesis_model: small, max_completion_tokens: 5}}"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "q"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-looper-iterations"), "5");  // 2, 2, then one synthesis call
  EXPECT_EQ(r.headers.at("x-vsr-looper-model"), "small");
  EXPECT_EQ(large_.sim->stats().requests, 4u);
  EXPECT_EQ(small_.sim->stats().requests, 1u);
  EXPECT_EQ(json::parse(small_.sim->last_request().body).at("max_completion_tokens"), 5);
  // Without include_intermediate_responses in a remom block, the rounds are not listed.
  EXPECT_EQ(json::parse(r.body).as_object().count("reasoning_mom_responses"), 0u);
}

TEST_F(LooperTest, PinnedRequestsAndLooperCallsNeverLoop) {
  StartLooping(Config("{type: ratings}"));
  HttpResult r = Post("/v1/chat/completions", Chat("small", "q"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("x-vsr-looper-algorithm"), 0u);
  r = Post("/v1/chat/completions", Chat("MoM", "q"), {{"x-vsr-looper-request", "true"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("x-vsr-looper-algorithm"), 0u);
}

TEST(SelfVerificationTest, TheGradeIsReadFromJsonOrTheFirstNumber) {
  EXPECT_EQ(ParseSelfVerification(R"(Sure: {"confidence": 0.8, "reason": "ok"})"), 0.8);
  EXPECT_EQ(ParseSelfVerification(R"({"confidence": 7})"), 1.0);  // clamped
  EXPECT_EQ(ParseSelfVerification("I'd say 0.35."), 0.35);
  EXPECT_EQ(ParseSelfVerification("no idea"), std::nullopt);
  EXPECT_EQ(ParseSelfVerification(R"({"confidence": "high"})"), std::nullopt);
  const std::string prompt = SelfVerificationPrompt("Q?", "A.");
  EXPECT_NE(prompt.find("Original Question: Q?\n\nAI's Response: A."), std::string::npos);
}

TEST(AnswerConfidenceTest, UpstreamsNormalizations) {
  EXPECT_DOUBLE_EQ(AnswerConfidence("avg_logprob", {-1.5, -1.5}, {}, 0.5, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(AnswerConfidence("avg_logprob", {-7}, {}, 0.5, 0.5), 0.0);
  EXPECT_NEAR(AnswerConfidence("margin", {}, {3.0}, 0.5, 0.5), 1 - std::exp(-1.0), 1e-12);
  EXPECT_NEAR(AnswerConfidence("hybrid", {0}, {3.0}, 0.25, 0.75),
              0.25 + 0.75 * (1 - std::exp(-1.0)), 1e-12);
}

}  // namespace
}  // namespace vsr::server
