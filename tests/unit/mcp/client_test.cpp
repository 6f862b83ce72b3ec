// The MCP client against fake classification servers: a real child process on stdio
// (fake_mcp_server) and a Streamable HTTP server on loopback that keeps sessions.
#include "mcp/client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "mcp/category_classifier.h"
#include "server/api_errors.h"
#include "support/fake_mcp_classifier.h"
#include "support/loopback_server.h"

namespace vsr::mcp {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

ClientOptions Stdio(std::vector<std::string> args = {}) {
  ClientOptions o;
  o.transport = "stdio";
  o.command = FAKE_MCP_SERVER;
  o.args = std::move(args);
  o.timeout = 5s;
  return o;
}

std::unique_ptr<Client> MakeClient(const ClientOptions& o) {
  std::string error;
  std::unique_ptr<Client> c = Client::Create(o, error);
  EXPECT_TRUE(c) << error;
  return c;
}

std::string ClassifyText(Client& c, const std::string& text, std::string& error) {
  json::value result;
  std::string reply;
  if (!c.CallTool("classify_text", json::object{{"text", text}}, result, error) ||
      !FirstToolText(result, reply, error)) {
    return {};
  }
  return reply;
}

int LinesIn(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(McpClientTest, StdioServerShakesHandsListsToolsAndAnswers) {
  auto client = MakeClient(Stdio({"--noise"}));  // log lines on stdout are skipped
  std::string error;
  ASSERT_TRUE(client->Connect(error)) << error;
  std::vector<std::string> names;
  for (const Tool& t : client->tools()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"list_categories", "classify_text"}));
  const std::string reply = ClassifyText(*client, "What is the derivative of x^2?", error);
  ASSERT_FALSE(reply.empty()) << error;
  CategoryVerdict v;
  ASSERT_TRUE(ParseCategoryVerdict(reply, v, error)) << error;
  EXPECT_EQ(v.class_index, 0);
  EXPECT_DOUBLE_EQ(v.confidence, 0.9);
  EXPECT_EQ(v.model, "fake-model");
}

TEST(McpClientTest, ConfiguredEnvironmentReachesTheProcess) {
  ClientOptions o = Stdio();
  o.env["FAKE_MCP_CATEGORIES"] = "alpha,beta";
  CategoryClassifier classifier(MakeClient(o), "");
  std::string error;
  ASSERT_TRUE(classifier.Ready(error)) << error;
  EXPECT_EQ(classifier.CategoryName(0), "alpha");
  EXPECT_EQ(classifier.CategoryName(1), "beta");
  EXPECT_EQ(classifier.CategoryName(2), "");
}

TEST(McpClientTest, AProcessThatDiesIsStartedAgainOnTheNextCall) {
  const std::string starts =
      (std::filesystem::temp_directory_path() / ("mcp-starts-" + std::to_string(getpid())))
          .string();
  std::filesystem::remove(starts);
  auto client = MakeClient(Stdio({"--exit-after", "1", "--starts", starts}));
  std::string error;
  EXPECT_FALSE(ClassifyText(*client, "DNA", error).empty()) << error;  // then it exits
  // The write or the read finds it gone; the client starts a new process and asks again.
  EXPECT_FALSE(ClassifyText(*client, "DNA", error).empty()) << error;
  EXPECT_EQ(LinesIn(starts), 2);
  std::filesystem::remove(starts);
}

// A server that cannot start (a missing Python module, say) exits before it answers: the error
// names the command that was run and where its output went.
TEST(McpClientTest, AServerThatExitsAtOnceIsNamedWithItsStatus) {
  ClientOptions o;
  o.transport = "stdio";
  o.command = "sh";
  o.args = {"-c", "exit 3"};
  o.timeout = 5s;
  std::string error;
  std::unique_ptr<Client> client = Client::Create(o, error);
  ASSERT_TRUE(client) << error;
  EXPECT_TRUE(ClassifyText(*client, "DNA", error).empty());
  EXPECT_NE(error.find("the MCP server process `sh -c exit 3` exited with status 3 (what it "
                       "printed is in the router's log)"),
            std::string::npos)
      << error;
}

TEST(McpClientTest, ASilentServerTimesOutAndTheNextCallWorks) {
  ClientOptions o = Stdio({"--hang-on", "stall"});
  o.timeout = 300ms;
  auto client = MakeClient(o);
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ClassifyText(*client, "stall here", error).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_NE(error.find("no reply within 300 ms"), std::string::npos) << error;
  // A fresh session answers (the late reply of the old one cannot be taken for this one).
  EXPECT_FALSE(ClassifyText(*client, "a compiler question", error).empty()) << error;
}

// A caller queued behind a request to a server that stopped reading gives up at its own
// deadline; it does not wait for the first to time out and then a whole timeout more.
TEST(McpClientTest, CallersQueuedBehindAFrozenServerKeepTheirOwnDeadline) {
  ClientOptions o = Stdio({"--freeze-on", "freeze"});
  o.timeout = 1000ms;
  auto client = MakeClient(o);
  std::string error;
  ASSERT_TRUE(client->Connect(error)) << error;
  std::thread first([&] {
    std::string e;
    ClassifyText(*client, "freeze now", e);
  });
  std::this_thread::sleep_for(100ms);
  const auto start = std::chrono::steady_clock::now();
  std::string second_error;
  EXPECT_TRUE(ClassifyText(*client, "a compiler question", second_error).empty());
  const auto waited = std::chrono::steady_clock::now() - start;
  first.join();
  EXPECT_LT(waited, 1600ms) << second_error;  // alone: ~1 s; behind the first: ~1.9 s
  EXPECT_FALSE(second_error.empty());
}

// Dropping a client (a config reload drops the old router, maybe on an I/O thread) does not
// wait for a server that neither reads its input nor stops on SIGTERM; it is ended apart.
TEST(McpClientTest, DroppingAClientDoesNotWaitForAStubbornServer) {
  ClientOptions o = Stdio({"--freeze-on", "freeze", "--ignore-term"});
  o.timeout = 300ms;
  auto client = MakeClient(o);
  std::string error;
  EXPECT_TRUE(ClassifyText(*client, "freeze now", error).empty());
  const auto start = std::chrono::steady_clock::now();
  client.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);  // in line: 0.7 s, then SIGKILL
}

TEST(McpClientTest, AMissingCommandSaysSoAndWaitsBeforeTryingAgain) {
  ClientOptions o = Stdio();
  o.command = "/nonexistent/mcp-classifier";
  auto client = MakeClient(o);
  std::string error;
  EXPECT_FALSE(client->Connect(error));
  EXPECT_NE(error.find("cannot run '/nonexistent/mcp-classifier'"), std::string::npos) << error;
  std::string again;
  EXPECT_FALSE(client->Connect(again));
  EXPECT_EQ(again, error);  // within the pause: the same failure, no new attempt
}

TEST(McpClientTest, OptionsThatCannotWorkAreRefused) {
  std::string error;
  ClientOptions o;
  o.transport = "stdio";
  EXPECT_FALSE(Client::Create(o, error));
  EXPECT_EQ(error, "the stdio transport needs a command");
  o.transport = "http";
  o.url = "ftp://x";
  EXPECT_FALSE(Client::Create(o, error));
  EXPECT_NE(error.find("is not an http:// URL"), std::string::npos);
  o.transport = "sse";
  EXPECT_FALSE(Client::Create(o, error));
  EXPECT_EQ(error, "unsupported transport type: sse");
}

// Streamable HTTP with sessions, as the reference SDKs keep them; forgetting them is a restart.
class SessionMcpServer {
 public:
  SessionMcpServer()
      : server_([this](const server::HttpRequest& r) { return Answer(r); }, &server::OpenAiError) {}
  std::string Url() const { return server_.Url("/mcp"); }
  void Forget() {
    std::lock_guard lock(mu_);
    sessions_.clear();
  }
  int initializations() {
    std::lock_guard lock(mu_);
    return initializations_;
  }

 private:
  server::HttpResponse Answer(const server::HttpRequest& r) {
    std::lock_guard lock(mu_);
    const json::object msg = json::parse(r.body).as_object();
    const std::string method(msg.at("method").as_string());
    server::HttpResponse out;
    if (method == "initialize") {
      const std::string id = "s" + std::to_string(++initializations_);
      sessions_.push_back(id);
      out.headers.emplace_back("Mcp-Session-Id", id);
    } else {
      auto s = r.headers.find("mcp-session-id");
      if (s == r.headers.end() ||
          std::find(sessions_.begin(), sessions_.end(), s->second) == sessions_.end()) {
        return {404, "application/json", "{}", {}};
      }
    }
    const json::value reply = fake_.Answer(msg);
    if (reply.is_null()) return {202, "application/json", "", out.headers};
    // Replies come as an event stream, which the transport allows.
    out.content_type = "text/event-stream";
    out.body = "event: message\ndata: " + json::serialize(reply) + "\n\n";
    return out;
  }

  std::mutex mu_;
  testing::FakeMcpClassifier fake_;
  std::vector<std::string> sessions_;
  int initializations_ = 0;
  testing::LoopbackServer server_;
};

TEST(McpClientTest, HttpServerKeepsTheSessionAndANewOneIsMadeWhenItForgets) {
  SessionMcpServer server;
  ClientOptions o;
  o.transport = "streamable-http";
  o.url = server.Url();
  o.timeout = 5s;
  auto client = MakeClient(o);
  std::string error;
  EXPECT_FALSE(ClassifyText(*client, "TCP handshake", error).empty()) << error;
  EXPECT_FALSE(ClassifyText(*client, "TCP handshake", error).empty()) << error;
  EXPECT_EQ(server.initializations(), 1);
  server.Forget();
  EXPECT_FALSE(ClassifyText(*client, "TCP handshake", error).empty()) << error;
  EXPECT_EQ(server.initializations(), 2);
}

// Upstream's example HTTP servers (deploy/addons/mcp-classifier-server) answer JSON-RPC at /mcp
// with no sessions, and 404 with a JSON-RPC error for a method they do not know, the
// initialized notification included.
TEST(McpClientTest, UpstreamsExampleHttpServersWork) {
  testing::FakeMcpClassifier fake;
  testing::LoopbackServer server(
      [&](const server::HttpRequest& r) {
        const json::object msg = json::parse(r.body).as_object();
        json::value reply = fake.Answer(msg);
        if (reply.is_null()) {
          reply = json::object{
              {"jsonrpc", "2.0"},
              {"id", 1},
              {"error", json::object{{"code", -32601}, {"message", "Method not found"}}}};
          return server::HttpResponse{404, "application/json", json::serialize(reply), {}};
        }
        return server::HttpResponse{200, "application/json", json::serialize(reply), {}};
      },
      &server::OpenAiError);
  ClientOptions o;
  o.transport = "http";
  o.url = server.Url("/mcp");
  o.timeout = 5s;
  CategoryClassifier classifier(MakeClient(o), "");
  CategoryVerdict v;
  std::string error;
  ASSERT_TRUE(classifier.Classify("What is the derivative of x^2?", v, error)) << error;
  EXPECT_EQ(classifier.CategoryName(v.class_index), "math");
}

// tools/list pages (nextCursor): the classification tool on the second page is found.
TEST(McpClientTest, EveryPageOfTheToolListIsRead) {
  testing::FakeMcpClassifier fake;
  testing::LoopbackServer server(
      [&](const server::HttpRequest& r) {
        const json::object msg = json::parse(r.body).as_object();
        if (msg.at("method") != "tools/list") {
          const json::value reply = fake.Answer(msg);
          return server::HttpResponse{reply.is_null() ? 202 : 200,
                                      "application/json",
                                      reply.is_null() ? "" : json::serialize(reply),
                                      {}};
        }
        const json::value* cursor = msg.at("params").as_object().if_contains("cursor");
        json::object result;
        if (cursor == nullptr) {
          result = {{"tools", json::array{json::object{{"name", "search"}}}}, {"nextCursor", "p2"}};
        } else {
          result = {{"tools", json::array{json::object{{"name", "classify_text"}},
                                          json::object{{"name", "list_categories"}}}}};
        }
        return server::HttpResponse{
            200,
            "application/json",
            json::serialize(
                json::object{{"jsonrpc", "2.0"}, {"id", msg.at("id")}, {"result", result}}),
            {}};
      },
      &server::OpenAiError);
  ClientOptions o;
  o.transport = "http";
  o.url = server.Url("/mcp");
  o.timeout = 5s;
  auto client = MakeClient(o);
  std::string error;
  ASSERT_TRUE(client->Connect(error)) << error;
  std::vector<std::string> names;
  for (const Tool& t : client->tools()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"search", "classify_text", "list_categories"}));
  EXPECT_EQ(FindClassificationTool(client->tools(), error), "classify_text");
}

TEST(McpClientTest, ToolErrorsAndRpcErrorsAreReported) {
  auto client = MakeClient(Stdio());
  std::string error;
  json::value result;
  EXPECT_FALSE(client->CallTool("no_such_tool", json::object{}, result, error));
  EXPECT_EQ(error, "MCP error -32602: Unknown tool: no_such_tool");
  CategoryClassifier classifier(MakeClient(Stdio()), "");
  CategoryVerdict v;
  EXPECT_FALSE(classifier.Classify("", v, error));
  EXPECT_EQ(error, "the MCP tool reported: No text provided");
}

TEST(McpCategoryTest, ToolDiscoveryFollowsUpstreamsOrder) {
  std::string error;
  EXPECT_EQ(FindClassificationTool({{"categorize", ""}, {"classify", ""}}, error), "classify");
  EXPECT_EQ(FindClassificationTool({{"route", "Classifies prompts"}}, error), "route");
  EXPECT_EQ(FindClassificationTool({{"search", ""}, {"fetch", ""}}, error), "");
  EXPECT_EQ(error, "no classification tool found among available tools: [search fetch]");
  EXPECT_EQ(FindClassificationTool({}, error), "");
  EXPECT_EQ(error, "no tools available from MCP server");
}

TEST(McpCategoryTest, VerdictsAreCheckedBeforeUse) {
  CategoryVerdict v;
  std::string error;
  EXPECT_TRUE(ParseCategoryVerdict(
      R"({"class":2,"confidence":0.75,"probabilities":[0.1,0.15,0.75],"use_reasoning":true})", v,
      error));
  EXPECT_EQ(v.class_index, 2);
  EXPECT_EQ(v.probabilities.size(), 3u);
  EXPECT_EQ(v.use_reasoning, true);
  EXPECT_FALSE(ParseCategoryVerdict(R"({"class":-1,"confidence":0.5})", v, error));
  EXPECT_FALSE(ParseCategoryVerdict(R"({"class":1,"confidence":"high"})", v, error));
  EXPECT_EQ(error, "the MCP classification has no numeric 'confidence'");
  EXPECT_FALSE(ParseCategoryVerdict("math", v, error));
  EXPECT_EQ(error, "the MCP tool's reply is not a JSON object: math");
  std::vector<std::string> categories;
  EXPECT_FALSE(ParseCategoryList(R"({"names":[]})", categories, error));
  EXPECT_EQ(error, "list_categories returned no 'categories' list");
}

}  // namespace
}  // namespace vsr::mcp
