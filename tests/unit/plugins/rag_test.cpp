// The rag plugin's parts on single inputs: each backend's checks, the request it sends and how
// it reads the reply; how the passages are cut and where they go in the request.
#include "plugins/rag.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json_text.h"
#include "mcp/protocol.h"
#include "plugins/rag_backends.h"
#include "support/config_loader.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

// The rag plugin block of a one-decision config, and that config.
struct RagSetup {
  std::shared_ptr<const config::Config> config;
  const config::RagPluginConfig* rag = nullptr;
};

RagSetup RagConfig(const std::string& plugin_yaml, const std::string& global_yaml = "") {
  RagSetup s;
  s.config = testing::ConfigFromText(testing::kOneModelConfigHead +
                                     "    - name: d\n"
                                     "      rules: {operator: AND, conditions: []}\n"
                                     "      modelRefs: [{model: m}]\n"
                                     "      plugins:\n"
                                     "        - type: rag\n"
                                     "          configuration:\n" +
                                     plugin_yaml + global_yaml);
  s.rag = &std::get<config::RagPluginConfig>(s.config->routing.decisions[0].plugins[0].config);
  return s;
}

std::unique_ptr<RagBackend> Backend(const RagSetup& s, std::string& error) {
  return MakeRagBackend(*s.rag, *s.config, error);
}

std::string Error(const std::string& plugin_yaml, const std::string& global_yaml = "") {
  const RagSetup s = RagConfig(plugin_yaml, global_yaml);
  std::string error;
  EXPECT_EQ(Backend(s, error), nullptr);
  return error;
}

// A question for the backends (the routing details left empty).
RagQuery Question(std::string text, const std::vector<float>* embedding, int top_k,
                  double threshold) {
  RagQuery q;
  q.text = std::move(text);
  q.embedding = embedding;
  q.top_k = top_k;
  q.threshold = threshold;
  return q;
}

TEST(RagBackends, ConfigProblemsAreNamed) {
  // (Missing required keys are the validator's: tests/fixtures/config/invalid/plugin-rag-*.)
  EXPECT_EQ(Error("            {enabled: true, backend: external_api, backend_config: "
                  "{endpoint: 'ftp://x', request_format: custom}}\n"),
            "endpoint 'ftp://x' is not an http(s) URL");
  EXPECT_EQ(Error("            {enabled: true, backend: external_api, backend_config: "
                  "{endpoint: 'http://x', request_format: custom}}\n"),
            "request template is required for custom format");
  EXPECT_EQ(Error("            {enabled: true, backend: external_api, backend_config: "
                  "{endpoint: 'http://x', request_format: solr}}\n"),
            "unsupported request format: solr");
  EXPECT_EQ(Error("            {enabled: true, backend: openai, backend_config: "
                  "{vector_store_id: vs_1, api_key: '${VSR_TEST_UNSET_KEY}'}}\n"),
            "API key is required for OpenAI backend");  // the variable is not set
  EXPECT_NE(Error("            {enabled: true, backend: milvus, backend_config: "
                  "{collection: docs}}\n")
                .find("configure global.stores.semantic_cache.milvus"),
            std::string::npos);
  const std::string milvus =
      "global: {stores: {semantic_cache: {milvus: {connection: "
      "{host: 127.0.0.1, port: 19530}}}}}\n";
  EXPECT_EQ(Error("            {enabled: true, backend: milvus, backend_config: {collection: docs, "
                  "filter_expression: 'id > 0; DROP x'}}\n",
                  milvus),
            "filter expression contains potentially dangerous pattern: ;");
  EXPECT_NE(Error("            {enabled: true, backend: mcp, backend_config: {server_name: "
                  "docs-server, tool_name: t}}\n")
                .find("MCP server 'docs-server' cannot be reached by name: set "
                      "backend_config.server_name to the server's Streamable HTTP URL"),
            std::string::npos);
  EXPECT_EQ(Error("            {enabled: true, backend: mcp, backend_config: {server_name: "
                  "'http://x/mcp', tool_name: t, tool_arguments: [a]}}\n"),
            "invalid MCP tool arguments: tool_arguments must be a map");

  const auto hybrid_error = [](const std::string& backend_config) {
    const RagSetup s = RagConfig(
        "            {enabled: true, backend: hybrid, backend_config: " + backend_config + "}\n");
    std::string error;
    EXPECT_FALSE(MakeRagBackends(*s.rag, *s.config, error));
    return error;
  };
  EXPECT_EQ(hybrid_error("{primary: openai, strategy: race}"), "unknown hybrid strategy: race");
  EXPECT_EQ(hybrid_error("{primary: vectorstore}"),
            "unknown backend: vectorstore (hybrid's primary is milvus, external_api or openai)");
  EXPECT_NE(hybrid_error("{primary: mcp}").find("hybrid's primary cannot be mcp here"),
            std::string::npos);
  EXPECT_EQ(hybrid_error("{primary: openai, primary_config: {vector_store_id: v}}"),
            "primary backend (openai): API key is required for OpenAI backend");
  EXPECT_EQ(Error("            {enabled: true, backend: vectorstore, backend_config: "
                  "{file_ids: [file_a]}}\n"),
            "vector_store_id is required for vectorstore backend");
}

TEST(RagBackends, PineconeSendsTheVectorAndReadsMatchMetadata) {
  const RagSetup s = RagConfig(
      "            {enabled: true, backend: external_api, top_k: 2, backend_config: {endpoint: "
      "'https://idx.pinecone.io/query', request_format: pinecone, api_key: k1, "
      "auth_header: Api-Key, headers: {X-Team: search}}}\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  EXPECT_TRUE(backend->needs_embedding());
  const std::vector<float> embedding{0.5f, -0.25f};
  RagQuery q = Question("question", &embedding, 2, 0.7);
  const auto call = backend->Build(q, error);
  ASSERT_TRUE(call) << error;
  EXPECT_EQ(call->url, "https://idx.pinecone.io/query");
  EXPECT_EQ(call->headers, (HeaderList{{"Api-Key", "Bearer k1"}, {"X-Team", "search"}}));
  const json::value body = json::parse(call->body);
  EXPECT_EQ(body.at("vector"), (json::array{0.5, -0.25}));
  EXPECT_EQ(body.at("topK"), 2);
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(R"({"matches":[{"score":0.9,"metadata":{"content":"A"}},)"
                             R"({"score":0.8,"metadata":{"text":"B"}},{"metadata":{}}]})",
                             q, out, error))
      << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].content, "B");
  EXPECT_DOUBLE_EQ(out[0].score, 0.9);
  EXPECT_EQ(JoinPassages(out), "A\n\n---\n\nB");
  // No question embedding (no model): the call cannot be built.
  const std::vector<float> none;
  q.embedding = &none;
  EXPECT_FALSE(backend->Build(q, error));
  EXPECT_NE(error.find("embedding model is not loaded"), std::string::npos);
}

TEST(RagBackends, CustomTemplatesGetTheQuestionEscapedAndDefused) {
  const RagSetup s = RagConfig(
      "            enabled: true\n"
      "            backend: external_api\n"
      "            backend_config:\n"
      "              endpoint: 'http://127.0.0.1:9/search'\n"
      "              request_format: custom\n"
      "              request_template: '{\"q\": \"{{.Query}}\", \"k\": {{.TopK}}, \"t\": "
      "${threshold}}'\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  EXPECT_FALSE(backend->needs_embedding());
  RagQuery q = Question("say \"hi\" {{.TopK}}", nullptr, 3, 0.5);
  const auto call = backend->Build(q, error);
  ASSERT_TRUE(call);
  const json::value body = json::parse(call->body);  // still valid JSON
  EXPECT_EQ(body.at("q"), "say \"hi\"  .TopK ");
  EXPECT_EQ(body.at("k"), 3);
  EXPECT_EQ(body.at("t"), 0.5);
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(R"({"results":[{"text":"one"},{"content":"two"}]})", q, out, error));
  EXPECT_EQ(JoinPassages(out), "one\n\n---\n\ntwo");
  out.clear();
  ASSERT_TRUE(backend->Parse(R"({"content":"all of it"})", q, out, error));
  EXPECT_EQ(out[0].content, "all of it");
  out.clear();
  EXPECT_FALSE(backend->Parse(R"({"hits":[]})", q, out, error));
  EXPECT_EQ(error, "unable to extract context from custom response format");
  EXPECT_FALSE(backend->Parse("<html>", q, out, error));
  EXPECT_EQ(error, "the reply is not JSON");
}

TEST(RagBackends, ElasticsearchAndWeaviateReplies) {
  std::string error;
  const RagSetup es = RagConfig(
      "            {enabled: true, backend: external_api, backend_config: {endpoint: "
      "'http://es:9200/docs/_search', request_format: elasticsearch}}\n");
  auto backend = Backend(es, error);
  ASSERT_TRUE(backend) << error;
  RagQuery q = Question("reset password", nullptr, 5, 0.7);
  const json::value body = json::parse(backend->Build(q, error)->body);
  EXPECT_EQ(body.at("query").at("match").at("content"), "reset password");
  EXPECT_EQ(body.at("size"), 5);
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(R"({"hits":{"hits":[{"_source":{"content":"Go to settings."}}]}})", q,
                             out, error));
  EXPECT_EQ(out[0].content, "Go to settings.");

  const RagSetup wv = RagConfig(
      "            {enabled: true, backend: external_api, backend_config: {endpoint: "
      "'http://wv:8080/v1/graphql', request_format: weaviate}}\n");
  backend = Backend(wv, error);
  ASSERT_TRUE(backend) << error;
  const std::vector<float> embedding{1.0f, 0.1f};
  q.embedding = &embedding;
  const std::string graphql(json::parse(backend->Build(q, error)->body).at("query").as_string());
  EXPECT_NE(graphql.find("nearVector: { vector: [1,0.1] } limit: 5"), std::string::npos) << graphql;
  out.clear();
  ASSERT_TRUE(
      backend->Parse(R"({"data":{"Get":{"Document":[{"content":"Doc"}]}}})", q, out, error));
  EXPECT_EQ(out[0].content, "Doc");
  EXPECT_FALSE(backend->Parse(R"({"errors":[{"message":"bad"}]})", q, out, error));
}

TEST(RagBackends, OpenAiVectorStoreSearch) {
  const RagSetup s = RagConfig(
      "            {enabled: true, backend: openai, backend_config: {vector_store_id: vs_1, "
      "api_key: sk-1, base_url: 'http://127.0.0.1:9/', max_num_results: 3, filter: {type: eq, "
      "key: lang, value: en}}}\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  RagQuery q = Question("question", nullptr, 5, 0.7);
  const auto call = backend->Build(q, error);
  EXPECT_EQ(call->url, "http://127.0.0.1:9/v1/vector_stores/vs_1/search");
  EXPECT_EQ(call->headers, (HeaderList{{"Authorization", "Bearer sk-1"}}));
  const json::value body = json::parse(call->body);
  EXPECT_EQ(body.at("limit"), 3);
  EXPECT_EQ(body.at("filter").at("value"), "en");
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(
      R"({"data":[{"score":0.5,"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},)"
      R"({"score":0.9,"content":"c"}]})",
      q, out, error));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].content, "a\nb");
  EXPECT_EQ(out[1].content, "c");
  EXPECT_FALSE(backend->Parse(R"({"data":[]})", q, out, error));
  EXPECT_EQ(error, "no results found in vector store");
}

TEST(RagBackends, OpenAiToolBasedHandsTheSearchToTheModel) {
  const RagSetup s = RagConfig(
      "            {enabled: true, backend: openai, backend_config: {vector_store_id: vs_1, "
      "api_key: sk-1, workflow_mode: tool_based, filter: {type: eq, key: lang, value: en}}}\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  // No max_num_results or file_ids in the config: none in the tool either.
  ASSERT_NE(backend->FileSearchTool(), nullptr);
  EXPECT_EQ(
      *backend->FileSearchTool(),
      (json::object{{"vector_store_ids", json::array{"vs_1"}},
                    {"filter", json::object{{"type", "eq"}, {"key", "lang"}, {"value", "en"}}}}));
  auto direct = Backend(RagConfig("            {enabled: true, backend: openai, backend_config: "
                                  "{vector_store_id: vs_1, api_key: sk-1}}\n"),
                        error);
  ASSERT_TRUE(direct) << error;
  EXPECT_EQ(direct->FileSearchTool(), nullptr);
  EXPECT_EQ(Error("            {enabled: true, backend: openai, backend_config: {vector_store_id: "
                  "vs_1, api_key: sk-1, workflow_mode: tools}}\n"),
            "unknown workflow_mode 'tools' (use direct_search or tool_based)");
}

TEST(RagInjection, FileSearchToolIsAddedOnceAndTakesTheConfiguredStore) {
  const json::object settings{{"vector_store_ids", json::array{"vs_1"}}};
  json::object body = json::parse(R"({"messages":[],"tools":"not a list"})").as_object();
  AddFileSearchTool(body, settings);
  EXPECT_EQ(body.at("tools"),
            (json::array{json::object{{"type", "file_search"}, {"file_search", settings}}}));
  AddFileSearchTool(body, json::object{{"vector_store_ids", json::array{"vs_2"}}});
  ASSERT_EQ(body.at("tools").as_array().size(), 1u);  // updated, not added twice
  EXPECT_EQ(body.at("tools").as_array()[0].at("file_search").at("vector_store_ids"),
            (json::array{"vs_2"}));
  body = json::parse(R"({"messages":[]})").as_object();
  AddFileSearchTool(body, settings);
  EXPECT_EQ(body.at("tools").as_array().size(), 1u);
}

TEST(RagBackends, MilvusSearchesThroughItsRestApiAndDropsWeakHits) {
  const RagSetup s = RagConfig(
      "            {enabled: true, backend: milvus, top_k: 4, backend_config: {collection: docs, "
      "content_field: body}}\n",
      "global:\n"
      "  stores:\n"
      "    semantic_cache:\n"
      "      milvus:\n"
      "        connection: {host: 127.0.0.1, port: 19531, database: kb, auth: {enabled: true, "
      "username: u, password: p}}\n"
      "        collection: {vector_field: {name: vec, metric_type: COSINE}}\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  const std::vector<float> embedding{0.25f};
  RagQuery q = Question("question", &embedding, 4, 0.7);
  const auto call = backend->Build(q, error);
  ASSERT_TRUE(call) << error;
  EXPECT_EQ(call->url, "http://127.0.0.1:19531/v2/vectordb/entities/search");
  EXPECT_EQ(call->headers, (HeaderList{{"Authorization", "Bearer u:p"}}));
  const json::value body = json::parse(call->body);
  EXPECT_EQ(body.at("collectionName"), "docs");
  EXPECT_EQ(body.at("dbName"), "kb");
  EXPECT_EQ(body.at("annsField"), "vec");
  EXPECT_EQ(body.at("filter"), "body != \"\"");
  EXPECT_EQ(body.at("outputFields"), (json::array{"body"}));
  EXPECT_EQ(body.at("searchParams").at("metricType"), "COSINE");
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(
      R"({"code":0,"data":[{"distance":0.91,"body":"strong"},{"distance":0.4,"body":"weak"}]})", q,
      out, error));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].content, "strong");
  EXPECT_FALSE(
      backend->Parse(R"({"code":0,"data":[{"distance":0.1,"body":"weak"}]})", q, out, error));
  EXPECT_EQ(error, "no results above similarity threshold 0.700");
  EXPECT_FALSE(backend->Parse(R"({"code":100,"message":"collection not found"})", q, out, error));
  EXPECT_EQ(error, "milvus answered code 100: collection not found");
}

TEST(McpProtocol, RepliesAsJsonOrEventsAndErrorsNamed) {
  json::value result;
  std::string error;
  ASSERT_EQ(mcp::ReadResponse(R"({"jsonrpc":"2.0","id":1,"result":{"ok":true}})", result, error),
            mcp::Reply::kResult);
  EXPECT_EQ(result, (json::object{{"ok", true}}));
  // Events: a notification first, then the response; the last event without its blank line.
  ASSERT_EQ(
      mcp::ReadResponse(
          "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"
          ": keep-alive\n"
          "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\r\ndata: \"result\":{\"n\":2}}",
          result, error),
      mcp::Reply::kResult)
      << error;
  EXPECT_EQ(result, (json::object{{"n", 2}}));
  EXPECT_EQ(
      mcp::ReadResponse(
          R"({"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Unknown tool: nope"}})",
          result, error),
      mcp::Reply::kError);
  EXPECT_EQ(error, "MCP error -32602: Unknown tool: nope");
  EXPECT_EQ(mcp::ReadResponse("<html>gateway</html>", result, error), mcp::Reply::kNotResponse);
  EXPECT_EQ(error, "the MCP server's reply is neither JSON nor server-sent events");
  EXPECT_EQ(mcp::ReadResponse(R"({"jsonrpc":"2.0","method":"ping"})", result, error),
            mcp::Reply::kNotResponse);
  EXPECT_EQ(error, "the MCP server's reply is not a JSON-RPC response");
}

// The mcp backend's calls in turn: the handshake once, then tool calls on the shared session;
// a session the server forgot (404) is set up again.
TEST(RagBackends, McpSetsUpASessionOnceAndCallsTheTool) {
  const RagSetup s = RagConfig(
      "            enabled: true\n"
      "            backend: mcp\n"
      "            top_k: 4\n"
      "            backend_config:\n"
      "              server_name: 'http://127.0.0.1:9/mcp'\n"
      "              tool_name: retrieve_docs\n"
      "              tool_arguments: {query: '${user_content}', top_k: '${top_k}', "
      "scope: {route: 'd=${decision_name}', tags: ['${matched_keywords}']}, raw: 3}\n"
      "              timeout_seconds: 20\n");
  std::string error;
  auto backend = Backend(s, error);
  ASSERT_TRUE(backend) << error;
  RagQuery q = Question("What is ${decision_name}?", nullptr, 4, 0.7);
  q.decision = "docs";
  q.keywords = {"manual", "pumps"};
  const auto header = [](const OutboundCall& c, std::string_view name) {
    for (const auto& [n, v] : c.headers) {
      if (n == name) return v;
    }
    return std::string("(none)");
  };
  RagExchange x;
  std::optional<OutboundCall> call = backend->Start(q, x, error);
  ASSERT_TRUE(call) << error;
  EXPECT_EQ(call->url, "http://127.0.0.1:9/mcp");
  EXPECT_EQ(call->timeout, std::chrono::seconds(20));
  EXPECT_EQ(header(*call, "Accept"), "application/json, text/event-stream");
  EXPECT_EQ(json::parse(call->body).at("method"), "initialize");
  OutboundReply reply;
  reply.status = 200;
  reply.headers = {{"mcp-session-id", "s-1"}, {"Content-Type", "application/json"}};
  reply.body = R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-03-26"}})";
  call = backend->Continue(q, reply, x, error);
  ASSERT_TRUE(call) << error;
  EXPECT_EQ(json::parse(call->body),
            (json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
  EXPECT_EQ(header(*call, "Mcp-Session-Id"), "s-1");
  EXPECT_EQ(header(*call, "MCP-Protocol-Version"), "2025-03-26");  // what the server chose
  reply = OutboundReply{202, {}, "", "", 0, {}};
  call = backend->Continue(q, reply, x, error);
  ASSERT_TRUE(call) << error;
  EXPECT_EQ(header(*call, "Mcp-Session-Id"), "s-1");
  const json::value body = json::parse(call->body);
  EXPECT_EQ(body.at("method"), "tools/call");
  EXPECT_EQ(body.at("params").at("name"), "retrieve_docs");
  // Variables filled in (the question's own "${decision_name}" stays), ${top_k} as a number.
  EXPECT_EQ(body.at("params").at("arguments"),
            json::parse(R"({"query":"What is ${decision_name}?","top_k":4,)"
                        R"("scope":{"route":"d=docs","tags":["manual,pumps"]},"raw":3})"));
  reply = OutboundReply{200, {}, "", "", 0, {}};
  EXPECT_FALSE(backend->Continue(q, reply, x, error));  // the tool's reply: Parse reads it
  EXPECT_EQ(error, "");
  std::vector<RagPassage> out;
  ASSERT_TRUE(backend->Parse(
      "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":["
      "{\"type\":\"text\",\"text\":\"Pumps need oil.\"},{\"type\":\"image\",\"data\":\"AAA\"},"
      "{\"type\":\"text\",\"text\":\"{\\\"results\\\":[{\\\"content\\\":\\\"Valves\\\","
      "\\\"score\\\":0.8}]}\"}]}}\n\n",
      q, out, error))
      << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].content, "Pumps need oil.");
  EXPECT_EQ(out[1].content, "Valves");
  EXPECT_DOUBLE_EQ(out[1].score, 0.8);
  EXPECT_FALSE(backend->Parse(
      R"({"jsonrpc":"2.0","id":2,"result":{"isError":true,"content":[{"type":"text","text":"index offline"}]}})",
      q, out, error));
  EXPECT_EQ(error, "MCP tool invocation failed: the tool reported an error: index offline");

  // The next request goes straight to the tool on the session; the server has forgotten it.
  RagExchange next;
  call = backend->Start(q, next, error);
  ASSERT_TRUE(call);
  EXPECT_EQ(json::parse(call->body).at("method"), "tools/call");
  EXPECT_EQ(header(*call, "Mcp-Session-Id"), "s-1");
  reply = OutboundReply{404, {}, "session not found", "", 0, {}};
  call = backend->Continue(q, reply, next, error);
  ASSERT_TRUE(call);
  EXPECT_EQ(json::parse(call->body).at("method"), "initialize");
  EXPECT_EQ(header(*call, "Mcp-Session-Id"), "(none)");
  // A server that refuses to initialize fails the exchange, saying so.
  reply = OutboundReply{500, {}, "boom", "", 0, {}};
  EXPECT_FALSE(backend->Continue(q, reply, next, error));
  EXPECT_EQ(error, "MCP initialize failed: the server answered initialize with status 500: boom");
}

TEST(RagInjection, ToolRoleSystemPromptAndAnthropic) {
  json::object body = json::parse(R"({"messages":[{"role":"user","content":"q1"},)"
                                  R"({"role":"assistant","content":"a1"},)"
                                  R"({"role":"user","content":"q2"}]})")
                          .as_object();
  EXPECT_TRUE(InjectRagContext(body, false, "tool_role", "ctx", "rag_1"));
  const json::array& m = body.at("messages").as_array();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[3], (json::object{{"role", "tool"}, {"tool_call_id", "rag_1"}, {"content", "ctx"}}));

  body = json::parse(R"({"messages":[{"role":"system","content":"Be brief."},)"
                     R"({"role":"user","content":"q"}]})")
             .as_object();
  EXPECT_FALSE(InjectRagContext(body, false, "system_prompt", "ctx", "rag_1"));
  EXPECT_EQ(body.at("messages").as_array()[0].at("content"),
            "Context from knowledge base:\n\nctx\n\nBe brief.");
  body = json::parse(R"({"messages":[{"role":"user","content":"q"}]})").as_object();
  InjectRagContext(body, false, "system_prompt", "ctx", "rag_1");
  EXPECT_EQ(body.at("messages").as_array()[0].at("role"), "system");

  // Anthropic has no tool role: the system prompt carries the context either way.
  body = json::parse(R"({"system":"Be brief.","messages":[{"role":"user","content":"q"}]})")
             .as_object();
  EXPECT_FALSE(InjectRagContext(body, true, "tool_role", "ctx", "rag_1"));
  EXPECT_EQ(body.at("system"), "Context from knowledge base:\n\nctx\n\nBe brief.");
  EXPECT_EQ(body.at("messages").as_array().size(), 1u);
}

TEST(RagInjection, ContextIsCutAtCharactersNotBytes) {
  EXPECT_EQ(TruncateContext("abcdef", 10), "abcdef");
  EXPECT_EQ(TruncateContext("abcdef", 3), "abc...");
  EXPECT_EQ(TruncateContext("héllo wörld", 4), "héll...");  // é is two bytes, one character
  EXPECT_EQ(TruncateContext("日本語テキスト", 2), "日本...");
}

}  // namespace
}  // namespace vsr::plugins
