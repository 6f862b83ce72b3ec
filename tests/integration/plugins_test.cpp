// Decision plugins through the real data plane, with simulators as backends: fast_response
// (every client API, streaming or not), system_prompt, request_params and header_mutation
// (checked on what the backend received).
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::FastModelConfig;
using test::ParseObject;
using test::Sim;

// `fast` speaks OpenAI, `claude` Anthropic. "jailbreak" is answered by the router itself,
// "integral" goes to `fast` with a system prompt, capped params and header changes, "poem" goes
// to `claude` with a system prompt.

std::string PluginConfig(const std::string& endpoint) {
  return test::FastAndClaudeModels(endpoint) +
         "routing:\n"
         "  modelCards: [{name: fast}, {name: claude}]\n"
         "  signals:\n"
         "    keywords:\n"
         "      - {name: attack, operator: OR, keywords: [jailbreak]}\n"
         "      - {name: math, operator: OR, keywords: [integral]}\n"
         "      - {name: poetry, operator: OR, keywords: [poem]}\n"
         "  decisions:\n"
         "    - name: blocked\n"
         "      priority: 100\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: attack}]}\n"
         "      modelRefs: [{model: fast}]\n"
         "      plugins:\n"
         "        - type: fast_response\n"
         "          configuration: {message: 'Request blocked by policy.'}\n"
         "    - name: math\n"
         "      priority: 10\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: math}]}\n"
         "      modelRefs: [{model: fast}]\n"
         "      plugins:\n"
         "        - type: header_mutation\n"
         "          configuration:\n"
         "            add: [{name: X-Tenant-Tier, value: premium}]\n"
         "            update: [{name: X-Route-Source, value: semantic-router}]\n"
         "            delete: [X-Debug-Trace]\n"
         "        - type: request_params\n"
         "          configuration:\n"
         "            blocked_params: [logprobs, top_logprobs]\n"
         "            max_tokens_limit: 500\n"
         "            max_n: 1\n"
         "            strip_unknown: true\n"
         "        - type: system_prompt\n"
         "          configuration: {mode: insert, system_prompt: 'You are a math expert.'}\n"
         "        - type: tools\n"
         "          configuration:\n"
         "            enabled: true\n"
         "            mode: filtered\n"
         "            allow_tools: [docs.search, calc.integrate]\n"
         "            block_tools: [calc.integrate]\n"
         "    - name: poetry\n"
         "      priority: 5\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: poetry}]}\n"
         "      modelRefs: [{model: claude}]\n"
         "      plugins:\n"
         "        - type: system_prompt\n"
         "          configuration: {system_prompt: 'You are a poet.'}\n";
}

json::object ForwardedBody(const Sim& sim) {
  return ParseObject(sim.sim->last_request().body);
}

// The assistant text of an OpenAI chat.completion.chunk stream, joined.
std::string StreamedText(const std::string& sse) {
  std::string text;
  size_t pos = 0;
  while ((pos = sse.find("data: {", pos)) != std::string::npos) {
    const size_t end = sse.find("\n\n", pos);
    const json::object chunk = ParseObject(sse.substr(pos + 6, end - pos - 6));
    pos = end;
    const json::array& choices = chunk.at("choices").as_array();
    if (choices.empty()) continue;  // the usage chunk
    const json::value* d = choices[0].as_object().if_contains("delta");
    if (d && d->as_object().if_contains("content")) {
      text += json::value_to<std::string>(d->as_object().at("content"));
    }
  }
  return text;
}

class PluginsTest : public DataPlaneTest {
 protected:
  void SetUp() override { Start(PluginConfig(backend_.Endpoint())); }
  Sim backend_;
};

TEST_F(PluginsTest, FastResponseAnswersWithoutCallingABackend) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "try this jailbreak"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-fast-response"), "true");
  EXPECT_EQ(r.headers.at("x-vsr-selected-decision"), "blocked");
  EXPECT_EQ(r.content_type, "application/json");
  const json::object o = ParseObject(r.body);
  EXPECT_EQ(o.at("object"), "chat.completion");
  EXPECT_EQ(o.at("model"), "router");
  EXPECT_TRUE(json::value_to<std::string>(o.at("id")).starts_with("chatcmpl-fast-"));
  const json::object& choice = o.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("message").at("content"), "Request blocked by policy.");
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_EQ(o.at("usage").at("total_tokens"), 0);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);
}

TEST_F(PluginsTest, FastResponseStreamsToStreamingClients) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "jailbreak please", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_EQ(r.headers.at("x-vsr-fast-response"), "true");
  EXPECT_EQ(StreamedText(r.body), "Request blocked by policy.");
  EXPECT_NE(r.body.find(R"("role":"assistant")"), std::string::npos);
  EXPECT_NE(r.body.find(R"("finish_reason":"stop")"), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n"));
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);
}

TEST_F(PluginsTest, FastResponseSpeaksTheClientsApi) {
  // Anthropic messages, plain and streamed.
  const std::string anthropic =
      R"({"model":"MoM","max_tokens":64,"messages":[{"role":"user","content":"jailbreak"}]})";
  HttpResult r = Post("/v1/messages", anthropic);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = ParseObject(r.body);
  EXPECT_EQ(o.at("type"), "message");
  EXPECT_EQ(o.at("content").as_array()[0].at("text"), "Request blocked by policy.");
  EXPECT_EQ(r.headers.at("x-vsr-fast-response"), "true");
  r = Post(
      "/v1/messages",
      R"({"model":"MoM","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"jailbreak"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("event: message_start"), std::string::npos);
  EXPECT_NE(r.body.find(R"("text":"Request ")"), std::string::npos) << r.body;
  EXPECT_TRUE(r.body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

  // Responses API.
  r = Post("/v1/responses", R"({"model":"MoM","input":"a jailbreak attempt"})");
  ASSERT_EQ(r.status, 200) << r.body;
  o = ParseObject(r.body);
  EXPECT_EQ(o.at("object"), "response");
  EXPECT_EQ(o.at("output_text"), "Request blocked by policy.");
  r = Post("/v1/responses", R"({"model":"MoM","input":"a jailbreak attempt","stream":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("event: response.completed"), std::string::npos);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);
}

TEST_F(PluginsTest, SystemPromptIsInsertedBeforeTheClientsOwn) {
  const std::string body = CompactJson(json::object{
      {"model", "MoM"},
      {"messages", json::array{json::object{{"role", "system"}, {"content", "Be brief."}},
                               json::object{{"role", "user"}, {"content", "an integral"}}}}});
  const HttpResult r = Post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-injected-system-prompt"), "true");
  const json::object sent = ForwardedBody(backend_);
  const json::array& messages = sent.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role"), "system");
  EXPECT_EQ(messages[0].at("content"), "You are a math expert.\n\nBe brief.");
}

TEST_F(PluginsTest, SystemPromptAppliesToStreamsAndAnthropicBackends) {
  // Streamed: the prompt is added all the same (rewrites happen before the backend call).
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "an integral", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-injected-system-prompt"), "true");
  json::array messages = ForwardedBody(backend_).at("messages").as_array();
  EXPECT_EQ(messages[0].at("content"), "You are a math expert.");
  EXPECT_TRUE(r.body.ends_with("data: [DONE]\n\n"));

  // OpenAI client, Anthropic backend: the prompt arrives as Anthropic's `system`.
  r = Post("/v1/chat/completions", Chat("MoM", "write a poem"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object forwarded = ForwardedBody(backend_);
  EXPECT_EQ(backend_.sim->last_request().path, "/v1/messages");
  EXPECT_EQ(forwarded.at("system"), "You are a poet.");
}

TEST_F(PluginsTest, SystemPromptIsLeftOutForPinnedModels) {
  // Upstream injects only when the router chose the model (the client asked for MoM).
  const HttpResult r = Post("/v1/chat/completions", Chat("fast", "an integral"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-injected-system-prompt"), "false");
  const json::object sent = ForwardedBody(backend_);
  const json::array& messages = sent.at("messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("role"), "user");
}

TEST_F(PluginsTest, RequestParamsBlocksCapsAndStrips) {
  const std::string body = CompactJson(json::object{
      {"model", "MoM"},
      {"max_tokens", 10000},
      {"n", 3},
      {"logprobs", true},
      {"top_logprobs", 2},
      {"temperature", 0.5},
      {"vendor_extension", "x"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "an integral"}}}}});
  const HttpResult r = Post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object sent = ForwardedBody(backend_);
  EXPECT_EQ(sent.at("max_tokens"), 500);
  EXPECT_EQ(sent.at("n"), 1);
  EXPECT_EQ(sent.at("temperature"), 0.5);
  EXPECT_FALSE(sent.contains("logprobs"));
  EXPECT_FALSE(sent.contains("top_logprobs"));
  EXPECT_FALSE(sent.contains("vendor_extension"));

  // Other decisions leave the body alone.
  const std::string other = CompactJson(json::object{
      {"model", "MoM"},
      {"max_tokens", 10000},
      {"vendor_extension", "x"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "hello"}}}}});
  ASSERT_EQ(Post("/v1/chat/completions", other).status, 200);
  const json::object untouched = ForwardedBody(backend_);
  EXPECT_EQ(untouched.at("max_tokens"), 10000);
  EXPECT_EQ(untouched.at("vendor_extension"), "x");
}

json::object Tool(const std::string& name) {
  return json::object{{"type", "function"},
                      {"function", json::object{{"name", name}, {"parameters", json::object{}}}}};
}

TEST_F(PluginsTest, ToolsAreFilteredByTheDecisionsPolicy) {
  json::object body{
      {"model", "MoM"},
      {"tools", json::array{Tool("docs.search"), Tool("calc.integrate"), Tool("admin.delete")}},
      {"tool_choice", "auto"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "an integral"}}}}};
  ASSERT_EQ(Post("/v1/chat/completions", CompactJson(body)).status, 200);
  json::object sent = ForwardedBody(backend_);
  ASSERT_EQ(sent.at("tools").as_array().size(), 1u);  // allowed and not blocked
  EXPECT_EQ(sent.at("tools").as_array()[0].at("function").at("name"), "docs.search");
  EXPECT_EQ(sent.at("tool_choice"), "auto");

  // Nothing left: tools and tool_choice both go (backends reject an empty list).
  body["tools"] = json::array{Tool("admin.delete")};
  ASSERT_EQ(Post("/v1/chat/completions", CompactJson(body)).status, 200);
  sent = ForwardedBody(backend_);
  EXPECT_FALSE(sent.contains("tools"));
  EXPECT_FALSE(sent.contains("tool_choice"));

  // Decisions without the plugin pass tools through.
  body["messages"] = json::array{json::object{{"role", "user"}, {"content", "hello"}}};
  ASSERT_EQ(Post("/v1/chat/completions", CompactJson(body)).status, 200);
  EXPECT_EQ(ForwardedBody(backend_).at("tools").as_array().size(), 1u);
}

TEST_F(PluginsTest, HeaderMutationChangesTheBackendRequestHeaders) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "an integral"),
                            {{"X-Debug-Trace", "1"},
                             {"X-Route-Source", "client"},
                             {"X-Custom", "kept"},
                             {"X-Vsr-Selected-Model", "spoofed"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto headers = backend_.sim->last_request().headers;
  EXPECT_EQ(headers.at("x-tenant-tier"), "premium");
  EXPECT_EQ(headers.at("x-route-source"), "semantic-router");
  EXPECT_EQ(headers.count("x-debug-trace"), 0u);
  EXPECT_EQ(headers.at("x-custom"), "kept");             // client headers pass through
  EXPECT_EQ(headers.count("x-vsr-selected-model"), 0u);  // router headers never do
  EXPECT_EQ(headers.at("x-request-id"), r.headers.at("x-request-id"));

  // Without the plugin the client's headers arrive as sent.
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "hello"), {{"X-Debug-Trace", "1"}}).status,
            200);
  EXPECT_EQ(backend_.sim->last_request().headers.at("x-debug-trace"), "1");
  EXPECT_EQ(backend_.sim->last_request().headers.count("x-tenant-tier"), 0u);
}

// ---- router_replay: on for every decision (global default), served on the data plane ----

using ReplayTest = PluginsTest;

TEST_F(ReplayTest, EveryRoutedRequestIsRecordedWithItsOutcome) {
  const std::string body = CompactJson(json::object{
      {"model", "MoM"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", "an integral"}}}}});
  const HttpResult r = Post("/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string id = r.headers.at("x-vsr-replay-id");
  ASSERT_EQ(id.size(), 32u);
  const json::object rec = CompletedRecord(id);
  EXPECT_EQ(json::value_to<std::string>(rec.at("request_id")), r.headers.at("x-request-id"));
  EXPECT_EQ(rec.at("decision"), "math");
  EXPECT_EQ(rec.at("decision_priority"), 10);
  EXPECT_EQ(rec.at("original_model"), "MoM");
  EXPECT_EQ(rec.at("selected_model"), "fast");
  EXPECT_EQ(rec.at("reasoning_mode"), "off");
  EXPECT_EQ(rec.at("response_status"), 200);
  EXPECT_EQ(rec.at("signals").at("keyword").as_array()[0], "math");
  EXPECT_EQ(rec.at("prompt"), "an integral");
  EXPECT_EQ(json::value_to<std::string>(rec.at("request_body")), body);  // as sent, before plugins
  EXPECT_NE(json::value_to<std::string>(rec.at("response_body")).find("chat.completion"),
            std::string::npos);
  EXPECT_GT(rec.at("total_tokens").as_int64(), 0);
  EXPECT_FALSE(rec.contains("streaming"));

  // Requests no decision matched are not recorded (upstream records per decision).
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "hello")).status, 200);
  const json::object list = ParseObject(Get("/v1/router_replay").body);
  EXPECT_EQ(list.at("object"), "router_replay.list");
  EXPECT_EQ(list.at("total"), 1);
}

TEST_F(ReplayTest, StreamsAreRecordedWithTheReassembledAnswer) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "an integral", true));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("streaming"), true);
  const json::object answer = ParseObject(json::value_to<std::string>(rec.at("response_body")));
  EXPECT_EQ(answer.at("object"), "chat.completion");
  ASSERT_FALSE(answer.at("choices").as_array().empty()) << json::serialize(rec);
  EXPECT_EQ(
      json::value_to<std::string>(answer.at("choices").as_array()[0].at("message").at("content")),
      StreamedText(r.body));
  const json::object streamed = ParseObject(Get("/v1/router_replay?cache_status=streamed").body);
  EXPECT_EQ(streamed.at("total"), 1);
}

TEST_F(ReplayTest, AnthropicBackendsAndFastResponsesAreRecordedToo) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "write a poem"));
  ASSERT_EQ(r.status, 200) << r.body;
  json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("selected_model"), "claude");
  // The answer is kept in OpenAI form whatever the backend spoke.
  EXPECT_NE(json::value_to<std::string>(rec.at("response_body")).find("chat.completion"),
            std::string::npos);

  // Anthropic client and backend, whole and streamed: the record still holds an OpenAI-form
  // answer.
  const std::string poem =
      R"({"model":"MoM","max_tokens":64,"messages":[{"role":"user","content":"write a poem"}]})";
  r = Post("/v1/messages", poem);
  ASSERT_EQ(r.status, 200) << r.body;
  rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_NE(json::value_to<std::string>(rec.at("response_body")).find("chat.completion"),
            std::string::npos)
      << json::serialize(rec);
  r = Post(
      "/v1/messages",
      R"({"model":"MoM","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"write a poem"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_NE(json::value_to<std::string>(rec.at("response_body")).find("chat.completion"),
            std::string::npos)
      << json::serialize(rec);

  r = Post("/v1/chat/completions", Chat("MoM", "jailbreak"));
  ASSERT_EQ(r.status, 200);
  json::object list;
  for (int i = 0; i < 200; ++i) {
    list = ParseObject(Get("/v1/router_replay?decision=blocked").body);
    if (list.at("total").as_int64() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(list.at("total"), 1);
  EXPECT_NE(json::value_to<std::string>(list.at("data").as_array()[0].at("response_body"))
                .find("Request blocked by policy."),
            std::string::npos);
}

TEST_F(ReplayTest, ApiErrorsUseTheOpenAiEnvelope) {
  HttpResult r = Get("/v1/router_replay?limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "limit must be greater than zero");
  r = Post("/v1/router_replay", "{}");
  EXPECT_EQ(r.status, 405);
  r = Get("/v1/router_replay/0123");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "replay record not found");
  EXPECT_EQ(ParseObject(Get("/v1/router_replay/aggregate").body).at("object"),
            "router_replay.aggregate");
}

TEST_F(DataPlaneTest, ReplayApiIsAbsentWhenNothingRecords) {
  Sim backend;
  Start(PluginConfig(backend.Endpoint()) +
        "global: {services: {router_replay: {enabled: false}}}\n");
  const HttpResult r =
      HttpCall("GET", proxy_->Url("/v1/router_replay"), "", std::chrono::seconds(5));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "endpoint not found");
  const HttpResult chat = Post("/v1/chat/completions", Chat("MoM", "an integral"));
  ASSERT_EQ(chat.status, 200);
  EXPECT_EQ(chat.headers.count("x-vsr-replay-id"), 0u);
}

// A priced model's record says what the answer cost and what the most expensive model would have
// (upstream's savings): in the selected model's currency, else the baseline's, else USD.
TEST_F(DataPlaneTest, ReplayRecordsCostAgainstTheMostExpensiveModel) {
  Sim backend;
  const std::string ref = "[{name: a, endpoint: '" + backend.Endpoint() + "'}]";
  const auto config = [&](const std::string& cheap_currency) {
    return "version: v0.3\n"
           "listeners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
           "providers:\n"
           "  defaults: {default_model: cheap}\n"
           "  models:\n"
           "    - {name: cheap, provider_model_id: sim-cheap, backend_refs: " +
           ref + ", pricing: {prompt_per_1m: 1, completion_per_1m: 2" + cheap_currency +
           "}}\n"
           "    - {name: big, provider_model_id: sim-big, backend_refs: " +
           ref +
           ", pricing: {prompt_per_1m: 10, completion_per_1m: 20}}\n"
           "routing:\n"
           "  modelCards: [{name: cheap}, {name: big}]\n"
           "  signals: {keywords: [{name: math, operator: OR, keywords: [integral]}]}\n"
           "  decisions:\n"
           "    - {name: math, priority: 10, modelRefs: [{model: cheap}],\n"
           "       rules: {operator: AND, conditions: [{type: keyword, name: math}]}}\n";
  };
  for (const std::string currency : {"EUR", ""}) {
    Start(config(currency.empty() ? "" : ", currency: " + currency));
    const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "an integral"));
    ASSERT_EQ(r.status, 200) << r.body;
    const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
    const double prompt = static_cast<double>(rec.at("prompt_tokens").as_int64());
    const double completion = static_cast<double>(rec.at("completion_tokens").as_int64());
    ASSERT_GT(prompt + completion, 0);
    EXPECT_DOUBLE_EQ(rec.at("actual_cost").as_double(), (prompt * 1 + completion * 2) / 1e6);
    EXPECT_DOUBLE_EQ(rec.at("baseline_cost").as_double(), (prompt * 10 + completion * 20) / 1e6);
    EXPECT_GT(rec.at("cost_savings").as_double(), 0);
    EXPECT_EQ(rec.at("baseline_model"), "big");
    EXPECT_EQ(json::value_to<std::string>(rec.at("currency")), currency.empty() ? "USD" : currency);
  }
}

// ---- semantic-cache ----

std::string CacheConfig(const std::string& endpoint) {
  return FastModelConfig(endpoint) +
         "routing:\n"
         "  modelCards: [{name: fast}]\n"
         "  signals:\n"
         "    keywords: [{name: faq, operator: OR, keywords: [password]}]\n"
         "  decisions:\n"
         "    - name: faq\n"
         "      priority: 10\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: faq}]}\n"
         "      modelRefs: [{model: fast}]\n"
         "      plugins:\n"
         "        - type: semantic-cache\n"
         "          configuration: {enabled: true, similarity_threshold: 0.9}\n";
}

// A stand-in for an embedding model: hashed bag of words that ignores small words — including
// "not", as real embeddings nearly do, which is what the verification step is for.
std::vector<float> ToyEmbedding(const std::string& text) {
  static const std::set<std::string> kIgnored = {"how", "do", "can", "i", "my", "the", "not", "a"};
  std::vector<float> v(64, 0.0f);
  std::string word;
  const auto flush = [&] {
    if (!word.empty() && !kIgnored.count(word)) v[std::hash<std::string>{}(word) % v.size()] += 1;
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      flush();
    }
  }
  flush();
  return v;
}

class CacheTest : public DataPlaneTest {
 protected:
  void StartWith(bool embeddings) {
    plugins::PluginServices services;
    if (embeddings) services.embed = ToyEmbedding;
    runtime_ = std::make_shared<plugins::PluginRuntime>(std::move(services));
    DataPlaneOptions options;
    options.plugins = runtime_;
    Start(CacheConfig(backend_.Endpoint()), options);
  }
  // Answers are stored once the response is complete; wait for that before asking again.
  void WaitForEntries(size_t n) {
    for (int i = 0; i < 200; ++i) {
      auto cache = runtime_->semantic_cache();
      if (cache && cache->size() >= n) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the cache never held " << n << " entries";
  }
  static std::string Content(const HttpResult& r) {
    return json::value_to<std::string>(
        ParseObject(r.body).at("choices").as_array()[0].at("message").at("content"));
  }
  Sim backend_;
  std::shared_ptr<plugins::PluginRuntime> runtime_;
};

TEST_F(CacheTest, ARepeatedQuestionIsAnsweredFromTheCacheStreamedOrNot) {
  StartWith(false);
  const HttpResult first = Post("/v1/chat/completions", Chat("MoM", "how do I reset my password"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers.count("x-vsr-cache-hit"), 0u);
  WaitForEntries(1);

  const HttpResult again = Post("/v1/chat/completions", Chat("MoM", "how do I reset my password"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.headers.at("x-vsr-cache-hit"), "true");
  EXPECT_EQ(again.headers.at("x-vsr-selected-decision"), "faq");
  EXPECT_EQ(again.headers.at("x-vsr-cache-similarity"), "1.0000");
  EXPECT_EQ(again.headers.count("x-vsr-selected-model"), 0u);  // upstream: none on cache hits
  EXPECT_TRUE(
      json::value_to<std::string>(ParseObject(again.body).at("id")).starts_with("chatcmpl-cache-"));
  EXPECT_EQ(Content(again), Content(first));

  const HttpResult streamed =
      Post("/v1/chat/completions", Chat("MoM", "how do I reset my password", true));
  ASSERT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.content_type, "text/event-stream");
  EXPECT_EQ(streamed.headers.at("x-vsr-cache-hit"), "true");
  EXPECT_EQ(StreamedText(streamed.body), Content(first));
  EXPECT_TRUE(streamed.body.ends_with("data: [DONE]\n\n"));

  // Anthropic clients get the cached answer in their own format.
  const HttpResult anthropic = Post(
      "/v1/messages",
      R"({"model":"MoM","max_tokens":64,"messages":[{"role":"user","content":"how do I reset my password"}]})");
  ASSERT_EQ(anthropic.status, 200) << anthropic.body;
  EXPECT_EQ(json::value_to<std::string>(
                ParseObject(anthropic.body).at("content").as_array()[0].at("text")),
            Content(first));
  EXPECT_EQ(backend_.sim->stats().requests.load(), 1u);  // only the first reached the model

  // The replay record says the answer came from the cache.
  json::object list;
  for (int i = 0; i < 200; ++i) {
    list = ParseObject(HttpCall("GET", proxy_->Url("/v1/router_replay?cache_status=cached"), "",
                                std::chrono::seconds(5))
                           .body);
    if (list.at("total").as_int64() == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(list.at("total"), 3);
}

TEST_F(CacheTest, StreamedAnswersAreCachedAndOtherQuestionsMiss) {
  StartWith(false);
  const HttpResult first =
      Post("/v1/chat/completions", Chat("MoM", "where do I change my password", true));
  ASSERT_EQ(first.status, 200);
  WaitForEntries(1);
  const HttpResult again =
      Post("/v1/chat/completions", Chat("MoM", "where do I change my password"));
  EXPECT_EQ(again.headers.at("x-vsr-cache-hit"), "true");
  EXPECT_EQ(Content(again), StreamedText(first.body));
  // Without an embedding model only the exact question hits.
  const HttpResult other =
      Post("/v1/chat/completions", Chat("MoM", "where can I change my password"));
  EXPECT_EQ(other.headers.count("x-vsr-cache-hit"), 0u);
  // A request no cache-enabled decision matches is never cached.
  Post("/v1/chat/completions", Chat("MoM", "hello"));
  Post("/v1/chat/completions", Chat("MoM", "hello"));
  EXPECT_EQ(backend_.sim->stats().requests.load(), 4u);
}

TEST_F(CacheTest, ParaphrasesHitAndOppositeQuestionsAreVerifiedAway) {
  StartWith(true);
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "How do I reset my password?")).status, 200);
  WaitForEntries(1);
  const HttpResult paraphrase =
      Post("/v1/chat/completions", Chat("MoM", "How can I reset my password?"));
  ASSERT_EQ(paraphrase.status, 200);
  EXPECT_EQ(paraphrase.headers.at("x-vsr-cache-hit"), "true");
  // Same embedding; vectors are kept as half floats, so "1" reads 0.999x.
  EXPECT_GT(std::stod(paraphrase.headers.at("x-vsr-cache-similarity")), 0.999);
  // Same words to the embedding, opposite meaning: the verification step refuses the hit.
  const HttpResult negated =
      Post("/v1/chat/completions", Chat("MoM", "How can I not reset my password?"));
  ASSERT_EQ(negated.status, 200);
  EXPECT_EQ(negated.headers.count("x-vsr-cache-hit"), 0u);
  // The best candidate was seen, and refused.
  EXPECT_GT(std::stod(negated.headers.at("x-vsr-cache-similarity")), 0.999);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 2u);
}

// The cache's embedding model from the config (a BERT folder: tokenizer.json, config.json,
// model.safetensors — here the tiny random-weight fixture): questions that tokenize alike embed
// alike, so a differently written repeat is a similarity hit, not an exact one.
TEST_F(CacheTest, TheConfiguredEmbeddingModelEmbedsQuestions) {
  runtime_ = std::make_shared<plugins::PluginRuntime>(plugins::PluginServices{});
  DataPlaneOptions options;
  options.plugins = runtime_;
  Start(FastModelConfig(backend_.Endpoint()) +
            "global:\n"
            "  stores: {semantic_cache: {embedding_model: bert}}\n"
            "  model_catalog:\n"
            "    embeddings: {semantic: {bert_model_path: '" +
            std::string(VSR_FIXTURES_DIR) +
            "/ml/tiny-bert'}}\n"
            "routing:\n"
            "  modelCards: [{name: fast}]\n"
            "  signals: {keywords: [{name: hi, operator: OR, keywords: [hello]}]}\n"
            "  decisions:\n"
            "    - name: greet\n"
            "      rules: {operator: AND, conditions: [{type: keyword, name: hi}]}\n"
            "      modelRefs: [{model: fast}]\n"
            "      plugins: [{type: semantic-cache, configuration: {enabled: true, "
            "similarity_threshold: 0.95}}]\n",
        options);
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "Hello, World!")).status, 200);
  WaitForEntries(1);
  EXPECT_EQ(runtime_->embedding_model().rfind("bert (", 0), 0u) << runtime_->embedding_model();
  const HttpResult again = Post("/v1/chat/completions", Chat("MoM", "hello ,  WORLD !"));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.headers.at("x-vsr-cache-hit"), "true");
  EXPECT_GT(std::stod(again.headers.at("x-vsr-cache-similarity")), 0.99);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 1u);
}

// With model threads, questions are embedded there (batched), never on the I/O thread.
TEST_F(CacheTest, QuestionsAreEmbeddedOnTheModelThreads) {
  std::mutex mu;
  std::vector<std::thread::id> embedded_on;
  plugins::PluginServices services;
  services.model_threads = 1;
  services.embed = [&](const std::string& text) {
    std::lock_guard lock(mu);
    embedded_on.push_back(std::this_thread::get_id());
    return ToyEmbedding(text);
  };
  runtime_ = std::make_shared<plugins::PluginRuntime>(std::move(services));
  ASSERT_TRUE(runtime_->embed_async());
  DataPlaneOptions options;
  options.plugins = runtime_;
  Start(CacheConfig(backend_.Endpoint()), options);
  const std::thread::id io_thread = proxy_->thread_id();
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "How do I reset my password?")).status, 200);
  WaitForEntries(1);
  const HttpResult paraphrase =
      Post("/v1/chat/completions", Chat("MoM", "How can I reset my password?"));
  EXPECT_EQ(paraphrase.headers.at("x-vsr-cache-hit"), "true");
  // A question that no cache decision matches is not embedded at all.
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "unrelated")).status, 200);
  Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(embedded_on.size(), 2u);
  EXPECT_EQ(embedded_on[0], embedded_on[1]);  // the one model thread
  for (const auto& id : embedded_on) EXPECT_NE(id, io_thread);
}

}  // namespace
}  // namespace vsr::server
