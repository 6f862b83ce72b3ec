// rag through the real data plane: a fake retrieval service on loopback (the external API's
// custom format, OpenAI's vector store search) and a simulator as the model. Checked on what
// the model received: the passages as a tool message or in the system prompt, in every client
// API; on_failure block answers 503 and skip goes on; cached passages save the second call (and
// the semantic cache serves no answer beside retrieval); the replay record says what was
// retrieved.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

// Answers retrieval calls: passages for anything, 500 when the question says "outage".
class FakeRetrieval {
 public:
  FakeRetrieval() : server_([this](const HttpRequest& r) { return Answer(r); }, &OpenAiError) {}
  std::string Url(const std::string& path = "") const { return server_.Url(path); }
  uint16_t port() const { return server_.port(); }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  HttpRequest last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  HttpResponse Answer(const HttpRequest& r) {
    {
      std::lock_guard lock(mu_);
      ++calls_;
      last_ = r;
    }
    if (r.body.find("outage") != std::string::npos) {
      return HttpResponse{500, "application/json", R"({"error":"index offline"})", {}};
    }
    if (r.path == "/search") {
      return HttpResponse{
          200,
          "application/json",
          R"({"results":[{"content":"Reset it under Settings > Security."},{"text":"Then sign in again."}]})",
          {}};
    }
    if (r.path == "/v2/vectordb/entities/search") {  // Milvus's REST API
      return HttpResponse{
          200,
          "application/json",
          R"({"code":0,"data":[{"id":1,"distance":0.93,"text":"Chapter 3: pumps."},)"
          R"({"id":2,"distance":0.2,"text":"Unrelated."}]})",
          {}};
    }
    if (r.path == "/v1/vector_stores/vs_1/search") {
      return HttpResponse{200,
                          "application/json",
                          R"({"object":"vector_store.search_results.page","data":[{"score":0.82,)"
                          R"("content":[{"type":"text","text":"Invoices are sent monthly."}]}]})",
                          {}};
    }
    return HttpResponse{404, "application/json", R"({"error":"no such route"})", {}};
  }

  std::mutex mu_;
  int calls_ = 0;
  HttpRequest last_;
  testing::LoopbackServer server_;
};

class RagTest : public DataPlaneTest {
 protected:
  void SetUp() override {
    Start(
        test::FastModelConfig(backend_.Endpoint()) +
            "routing:\n"
            "  modelCards: [{name: fast}]\n"
            "  signals:\n"
            "    keywords:\n"
            "      - {name: account, operator: OR, keywords: [password]}\n"
            "      - {name: billing, operator: OR, keywords: [billing]}\n"
            "      - {name: manual, operator: OR, keywords: [manual]}\n"
            "      - {name: handbook, operator: OR, keywords: [handbook]}\n"
            "      - {name: catalog, operator: OR, keywords: [catalog]}\n"
            "      - {name: research, operator: OR, keywords: [research]}\n"
            "  decisions:\n"
            "    - name: account\n"
            "      rules: {operator: AND, conditions: [{type: keyword, name: account}]}\n"
            "      modelRefs: [{model: fast}]\n"
            "      plugins:\n"
            "        - {type: semantic-cache, configuration: {enabled: true}}\n"
            "        - type: rag\n"
            "          configuration:\n"
            "            enabled: true\n"
            "            backend: external_api\n"
            "            on_failure: block\n"
            "            cache_results: true\n"
            "            backend_config:\n"
            "              endpoint: '" +
            retrieval_.Url("/search") +
            "'\n"
            "              request_format: custom\n"
            "              request_template: '{\"query\": \"{{.Query}}\", \"top_k\": "
            "{{.TopK}}}'\n" +
            OpenAiDecision("billing", "injection_mode: system_prompt", "") +
            "    - name: manual\n"
            "      rules: {operator: AND, conditions: [{type: keyword, name: manual}]}\n"
            "      modelRefs: [{model: fast}]\n"
            "      plugins:\n"
            "        - type: rag\n"
            "          configuration: {enabled: true, backend: milvus, top_k: 3,\n"
            "                          backend_config: {collection: manuals, content_field: "
            "text}}\n" +
            OpenAiDecision("research", "on_failure: block",
                           ", workflow_mode: tool_based, max_num_results: 4, file_ids: [file_1]") +
            HybridDecision("handbook", "on_failure: block", "", "/missing") +
            HybridDecision("catalog", "", "strategy: parallel, ", "/search") +
            "global:\n"
            "  stores:\n"
            "    semantic_cache:\n"
            "      milvus: {connection: {host: 127.0.0.1, port: " +
            std::to_string(retrieval_.port()) + "}}\n",
        Options());
  }
  // A decision `name`, taken on its keyword, up to its rag plugin's configuration.
  static std::string RagDecisionHead(const std::string& name) {
    return "    - name: " + name +
           "\n      rules: {operator: AND, conditions: [{type: keyword, name: " + name +
           "}]}\n"
           "      modelRefs: [{model: fast}]\n"
           "      plugins:\n"
           "        - type: rag\n"
           "          configuration:\n";
  }
  // A decision `name` (its keyword too) whose rag is OpenAI's vector store vs_1 (`rag_extra`
  // in the plugin's configuration, `backend_extra` appended to its backend_config).
  std::string OpenAiDecision(const std::string& name, const std::string& rag_extra,
                             const std::string& backend_extra) {
    return RagDecisionHead(name) +
           "            enabled: true\n"
           "            backend: openai\n"
           "            " +
           rag_extra +
           "\n"
           "            backend_config: {vector_store_id: vs_1, api_key: sk-test, base_url: '" +
           retrieval_.Url() + "'" + backend_extra + "}\n";
  }
  // A decision `name` (its keyword too) whose rag is hybrid: the external API at `primary_path`
  // first, the OpenAI vector store vs_1 as fallback.
  std::string HybridDecision(const std::string& name, const std::string& rag_extra,
                             const std::string& hybrid_extra, const std::string& primary_path) {
    return RagDecisionHead(name) + "            {enabled: true, backend: hybrid, " + rag_extra +
           (rag_extra.empty() ? "" : ", ") + "backend_config: {" + hybrid_extra +
           "primary: external_api,\n"
           "              primary_config: {endpoint: '" +
           retrieval_.Url(primary_path) +
           "', request_format: custom, request_template: '{\"q\": \"{{.Query}}\"}'},\n"
           "              fallback: openai,\n"
           "              fallback_config: {vector_store_id: vs_1, api_key: sk-test, base_url: '" +
           retrieval_.Url() + "'}}}\n";
  }
  // A toy embedding model: the milvus backend searches by vector.
  static DataPlaneOptions Options() {
    plugins::PluginServices services;
    services.embed = [](const std::string&) { return std::vector<float>{0.6f, 0.8f}; };
    DataPlaneOptions options;
    options.plugins = std::make_shared<plugins::PluginRuntime>(std::move(services));
    return options;
  }
  json::object Forwarded() const { return ParseObject(backend_.sim->last_request().body); }

  FakeRetrieval retrieval_;
  Sim backend_;
};

TEST_F(RagTest, PassagesReachTheModelAsAToolMessageAndAreCached) {
  const std::string question = "How do I reset my password?";
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", question));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseObject(retrieval_.last().body), (json::object{{"query", question}, {"top_k", 5}}));
  const json::object forwarded = Forwarded();
  const json::array& messages = forwarded.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].at("role"), "tool");
  EXPECT_EQ(messages[1].at("content"),
            "Reset it under Settings > Security.\n\n---\n\nThen sign in again.");
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("rag_enabled"), true);
  EXPECT_EQ(rec.at("rag_backend"), "external_api");
  EXPECT_EQ(rec.at("rag_context_length"), 61);  // two passages and the separator

  // The same question again: the passages come from the plugin's cache, and the model answers
  // anew (with retrieved context the semantic cache stores answers but serves none).
  r = Post("/v1/chat/completions", Chat("MoM", question, true));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("x-vsr-cache-hit"), 0u);
  EXPECT_EQ(retrieval_.calls(), 1);
  EXPECT_EQ(backend_.sim->stats().requests.load(), 2u);
  EXPECT_EQ(Forwarded().at("messages").as_array()[1].at("role"), "tool");
}

TEST_F(RagTest, BlockAnswers503WhenRetrievalFails) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "password reset during outage?"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"),
            "RAG retrieval failed: backend \"external_api\" retrieval failed: API returned "
            "status 500: {\"error\":\"index offline\"}");
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);  // the model was not asked
}

TEST_F(RagTest, SkipGoesOnWithoutContextAndSystemPromptModePrefixesIt) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "billing outage?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Forwarded().at("messages").as_array().size(), 1u);

  r = Post("/v1/chat/completions", Chat("MoM", "When do billing invoices arrive?"));
  ASSERT_EQ(r.status, 200) << r.body;
  const HttpRequest call = retrieval_.last();
  EXPECT_EQ(call.path, "/v1/vector_stores/vs_1/search");
  EXPECT_EQ(call.headers.at("authorization"), "Bearer sk-test");
  const json::object forwarded = Forwarded();
  const json::array& messages = forwarded.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role"), "system");
  EXPECT_EQ(messages[0].at("content"),
            "Context from knowledge base:\n\nInvoices are sent monthly.\n\n");
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_NEAR(rec.at("rag_similarity_score").to_number<double>(), 0.82, 1e-9);
}

// workflow_mode tool_based (upstream's Responses API workflow): nothing is retrieved here; the
// model gets a file_search tool over the vector store, beside the client's own tools, or the
// client's file_search tool gets the configured store.
TEST_F(RagTest, ToolBasedGivesTheModelAFileSearchToolInsteadOfContext) {
  json::object chat = ParseObject(Chat("MoM", "Any research on pump wear?"));
  chat["tools"] = json::array{
      json::object{{"type", "function"}, {"function", json::object{{"name", "lookup"}}}}};
  HttpResult r = Post("/v1/chat/completions", json::serialize(chat));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(retrieval_.calls(), 0);
  json::object forwarded = Forwarded();
  EXPECT_EQ(forwarded.at("messages").as_array().size(), 1u);  // no context injected
  const json::value file_search =
      json::object{{"type", "file_search"},
                   {"file_search", json::object{{"vector_store_ids", json::array{"vs_1"}},
                                                {"max_num_results", 4},
                                                {"file_ids", json::array{"file_1"}}}}};
  EXPECT_EQ(forwarded.at("tools"), (json::array{chat["tools"].as_array()[0], file_search}));

  chat["tools"] = json::array{json::object{
      {"type", "file_search"},
      {"file_search", json::object{{"vector_store_ids", json::array{"vs_other"}},
                                   {"ranking_options", json::object{{"ranker", "auto"}}}}}}};
  r = Post("/v1/chat/completions", json::serialize(chat));
  ASSERT_EQ(r.status, 200) << r.body;
  forwarded = Forwarded();
  ASSERT_EQ(forwarded.at("tools").as_array().size(), 1u);
  const json::object& settings = forwarded.at("tools").as_array()[0].at("file_search").as_object();
  EXPECT_EQ(settings.at("vector_store_ids"), (json::array{"vs_1"}));
  EXPECT_EQ(settings.at("max_num_results"), 4);
  EXPECT_EQ(settings.at("ranking_options").at("ranker"), "auto");  // the client's own stays
  EXPECT_EQ(retrieval_.calls(), 0);
}

TEST_F(RagTest, MilvusIsSearchedWithTheQuestionsVectorAndWeakHitsAreDropped) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "Where is the pump manual?"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object search = ParseObject(retrieval_.last().body);
  EXPECT_EQ(search.at("collectionName"), "manuals");
  EXPECT_EQ(search.at("data"), (json::array{json::array{0.6, 0.8}}));
  EXPECT_EQ(search.at("limit"), 3);
  const json::object forwarded = Forwarded();
  const json::array& messages = forwarded.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].at("content"), "Chapter 3: pumps.");  // 0.2 is below the 0.7 default
}

TEST_F(RagTest, HybridSequentialAsksTheFallbackWhenThePrimaryFails) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "What does the handbook say?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(retrieval_.calls(), 2);  // the primary (404), then the fallback
  EXPECT_EQ(retrieval_.last().path, "/v1/vector_stores/vs_1/search");
  json::object forwarded = Forwarded();
  ASSERT_EQ(forwarded.at("messages").as_array().size(), 2u);
  EXPECT_EQ(forwarded.at("messages").as_array()[1].at("content"), "Invoices are sent monthly.");
  EXPECT_EQ(CompletedRecord(r.headers.at("x-vsr-replay-id")).at("rag_backend"), "hybrid");

  r = Post("/v1/chat/completions", Chat("MoM", "handbook during the outage?"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"),
            "RAG retrieval failed: backend \"hybrid\" retrieval failed: both primary and "
            "fallback backends failed: primary=API returned status 500: {\"error\":\"index "
            "offline\"}, fallback=API returned status 500: {\"error\":\"index offline\"}");
  EXPECT_EQ(retrieval_.calls(), 4);
}

TEST_F(RagTest, HybridParallelAsksBothAndPrefersThePrimary) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "Is it in the catalog?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(retrieval_.calls(), 2);  // both at once
  const json::object forwarded = Forwarded();
  EXPECT_EQ(forwarded.at("messages").as_array()[1].at("content"),
            "Reset it under Settings > Security.\n\n---\n\nThen sign in again.");
}

TEST_F(RagTest, AnthropicClientsGetTheContextInTheirSystemPrompt) {
  const std::string body = CompactJson(json::object{
      {"model", "MoM"},
      {"max_tokens", 64},
      {"system", "Be brief."},
      {"messages",
       json::array{json::object{{"role", "user"}, {"content", "Forgot my password, help"}}}}});
  const HttpResult r = Post("/v1/messages", body);
  ASSERT_EQ(r.status, 200) << r.body;
  // The model speaks OpenAI: the translated request has the context in its system message.
  const json::object forwarded = Forwarded();
  const json::array& messages = forwarded.at("messages").as_array();
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role"), "system");
  const std::string system = json::value_to<std::string>(messages[0].at("content"));
  EXPECT_EQ(system.rfind("Context from knowledge base:\n\nReset it under Settings", 0), 0u)
      << system;
  EXPECT_NE(system.find("Be brief."), std::string::npos);
}

}  // namespace
}  // namespace vsr::server
