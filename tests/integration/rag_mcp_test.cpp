// rag backend mcp through the real data plane: a fake MCP server on loopback that keeps
// sessions as the reference SDKs do (initialize, then the initialized notification, then tool
// calls carrying the session id; 404 for a session it does not know) and answers tool calls as
// server-sent events. Checked: the first request shakes hands and later ones reuse the session,
// a forgotten session is set up again, a tool's error blocks with upstream's wording, and the
// passages reach the model.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

class FakeMcpServer {
 public:
  FakeMcpServer() : server_([this](const HttpRequest& r) { return Answer(r); }, &OpenAiError) {}
  std::string Url() const { return server_.Url("/mcp"); }
  int initializations() {
    std::lock_guard lock(mu_);
    return initializations_;
  }
  int tool_calls() {
    std::lock_guard lock(mu_);
    return tool_calls_;
  }
  json::object last_arguments() {
    std::lock_guard lock(mu_);
    return last_arguments_;
  }
  void ForgetSessions() {  // as a restarted server would
    std::lock_guard lock(mu_);
    initialized_.clear();
  }

 private:
  static HttpResponse Json(int status, const json::value& v) {
    return HttpResponse{status, "application/json", CompactJson(v), {}};
  }
  static json::object Result(const json::value& id, json::object result) {
    return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  }

  HttpResponse Answer(const HttpRequest& r) {
    std::lock_guard lock(mu_);
    auto accept = r.headers.find("accept");
    if (r.method != "POST" || r.path != "/mcp" || accept == r.headers.end() ||
        accept->second.find("text/event-stream") == std::string::npos) {
      return Json(406, json::object{{"error", "POST /mcp accepting JSON and events"}});
    }
    const json::object msg = ParseObject(r.body);
    const std::string method(msg.at("method").as_string());
    if (method == "initialize") {
      ++initializations_;
      const std::string session = "session-" + std::to_string(initializations_);
      initialized_[session] = false;
      HttpResponse out = Json(
          200, Result(msg.at("id"), json::object{{"protocolVersion", "2025-06-18"},
                                                 {"capabilities", json::object{}},
                                                 {"serverInfo", json::object{{"name", "docs"}}}}));
      out.headers.emplace_back("Mcp-Session-Id", session);
      return out;
    }
    auto session = r.headers.find("mcp-session-id");
    if (session == r.headers.end()) return Json(400, json::object{{"error", "no session id"}});
    auto known = initialized_.find(session->second);
    if (known == initialized_.end()) return Json(404, json::object{{"error", "no such session"}});
    if (method == "notifications/initialized") {
      known->second = true;
      return HttpResponse{202, "application/json", "", {}};
    }
    if (!known->second || method != "tools/call" || r.headers.count("mcp-protocol-version") == 0) {
      return Json(400, json::object{{"error", "not initialized, or not a tool call"}});
    }
    ++tool_calls_;
    last_arguments_ = msg.at("params").at("arguments").as_object();
    const std::string query(last_arguments_.at("query").as_string());
    json::object result;
    if (query.find("outage") != std::string::npos) {
      result = json::object{
          {"isError", true},
          {"content", json::array{json::object{{"type", "text"}, {"text", "index offline"}}}}};
    } else {
      result = json::object{
          {"content", json::array{json::object{{"type", "text"}, {"text", "Pumps need oil."}},
                                  json::object{{"type", "text"}, {"text", "Check the seals."}}}}};
    }
    return HttpResponse{
        200,
        "text/event-stream",
        "event: message\ndata: " + CompactJson(Result(msg.at("id"), result)) + "\n\n",
        {}};
  }

  std::mutex mu_;
  std::map<std::string, bool> initialized_;  // session -> initialized notification seen
  int initializations_ = 0, tool_calls_ = 0;
  json::object last_arguments_;
  testing::LoopbackServer server_;
};

class RagMcpTest : public DataPlaneTest {
 protected:
  void SetUp() override {
    Start(test::FastModelConfig(backend_.Endpoint()) +
          "routing:\n"
          "  modelCards: [{name: fast}]\n"
          "  signals:\n"
          "    keywords: [{name: manual, operator: OR, keywords: [manual]}]\n"
          "  decisions:\n"
          "    - name: docs\n"
          "      rules: {operator: AND, conditions: [{type: keyword, name: manual}]}\n"
          "      modelRefs: [{model: fast}]\n"
          "      plugins:\n"
          "        - type: rag\n"
          "          configuration:\n"
          "            enabled: true\n"
          "            backend: mcp\n"
          "            top_k: 4\n"
          "            on_failure: block\n"
          "            backend_config:\n"
          "              server_name: '" +
          mcp_.Url() +
          "'\n"
          "              tool_name: retrieve_docs\n"
          "              tool_arguments: {query: '${user_content}', top_k: '${top_k}', "
          "route: '${decision_name}/${matched_keywords}'}\n");
  }
  std::string ToolMessage() const {
    const json::object forwarded = ParseObject(backend_.sim->last_request().body);
    const json::array& messages = forwarded.at("messages").as_array();
    if (messages.size() != 2 || messages[1].at("role") != "tool") return "(no tool message)";
    return std::string(messages[1].at("content").as_string());
  }

  FakeMcpServer mcp_;
  Sim backend_;
};

TEST_F(RagMcpTest, TheFirstRequestShakesHandsAndLaterOnesReuseTheSession) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "Where is the pump manual?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ToolMessage(), "Pumps need oil.\n\n---\n\nCheck the seals.");
  EXPECT_EQ(mcp_.last_arguments(),
            (json::object{
                {"query", "Where is the pump manual?"}, {"top_k", 4}, {"route", "docs/manual"}}));
  EXPECT_EQ(CompletedRecord(r.headers.at("x-vsr-replay-id")).at("rag_backend"), "mcp");

  r = Post("/v1/chat/completions", Chat("MoM", "Which manual covers valves?", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ToolMessage(), "Pumps need oil.\n\n---\n\nCheck the seals.");
  EXPECT_EQ(mcp_.initializations(), 1);  // the session is shared
  EXPECT_EQ(mcp_.tool_calls(), 2);
}

TEST_F(RagMcpTest, AForgottenSessionIsSetUpAgain) {
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "manual, page one")).status, 200);
  mcp_.ForgetSessions();
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "manual, page two"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ToolMessage(), "Pumps need oil.\n\n---\n\nCheck the seals.");
  EXPECT_EQ(mcp_.initializations(), 2);
  EXPECT_EQ(mcp_.tool_calls(), 2);
}

TEST_F(RagMcpTest, AToolErrorBlocksWithUpstreamsWording) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "manual during the outage?"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"),
            "RAG retrieval failed: backend \"mcp\" retrieval failed: MCP tool invocation failed: "
            "the tool reported an error: index offline");
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);
}

}  // namespace
}  // namespace vsr::server
