// The router API over real loopback sockets, and `vllm-sr eval` (the real binary) against it:
// readable and --json output, and each of the seed's error texts.
#include "server/router_api.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/http_client.h"
#include "server/http_server.h"
#include "support/cli_runner.h"
#include "support/config_loader.h"
#include "support/loopback_server.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

// The router API's server: a free loopback port, its own thread.
class LoopbackServer : public testing::LoopbackServer {
 public:
  explicit LoopbackServer(HttpHandler handler, HttpServerOptions options = {})
      : testing::LoopbackServer(std::move(handler), &RouterApi::ErrorForStatus, options) {}
};

using testing::CliRun;
using testing::RunCli;

class RouterApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> errors;
    std::shared_ptr<const routing::Router> router =
        routing::Router::Create(testing::HeuristicsConfig(), errors);
    ASSERT_TRUE(errors.empty());
    auto api = std::make_shared<RouterApi>(router);
    HttpServerOptions options;
    options.body_limit = 64 * 1024;
    server_ = std::make_unique<LoopbackServer>(
        [api](const HttpRequest& r) { return api->Handle(r); }, options);
  }
  HttpResult Post(const std::string& path, const std::string& body) const {
    return HttpCall("POST", server_->Url(path), body, std::chrono::seconds(5));
  }
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(RouterApiTest, EvalReturnsUpstreamShapedJson) {
  const HttpResult r = Post(
      "/api/v1/eval", R"({"messages": [{"role": "user", "content": "Who? What? Where? When?"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  const json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("original_text"), "Who? What? Where? When?");
  const json::object& d = body.at("decision_result").as_object();
  EXPECT_EQ(d.at("decision_name"), "questionnaire");
  EXPECT_EQ(d.at("used_signals").at("structure").as_array()[0], "many_questions");
  EXPECT_EQ(d.at("matched_signals").at("structure").as_array()[0], "many_questions");
  EXPECT_EQ(body.at("recommended_models").as_array()[0], "large");
  EXPECT_EQ(body.at("routing_decision"), "questionnaire");
  EXPECT_EQ(body.at("signal_values").at("structure:many_questions").to_number<double>(), 4.0);
  EXPECT_EQ(body.at("metrics").as_object().size(), 17u);
  EXPECT_FALSE(body.contains("eval_trace"));
  // Numbers are written the way Go writes them (0.5, not 5E-1).
  EXPECT_EQ(r.body.find("E-"), std::string::npos) << r.body;
}

TEST_F(RouterApiTest, TraceQueryAddsPerDecisionTraces) {
  const HttpResult r = Post("/api/v1/eval?trace=true", R"({"text": "hello there"})");
  ASSERT_EQ(r.status, 200);
  const json::value payload = json::parse(r.body);
  const json::array& traces = payload.at("eval_trace").as_array();
  ASSERT_EQ(traces.size(), 5u);
  EXPECT_EQ(traces[0].at("root_trace").at("node_type"), "AND");
  EXPECT_EQ(traces[0].at("root_trace").at("children").as_array()[0].at("node_type"), "leaf");
}

TEST_F(RouterApiTest, ErrorsUseTheEnvelope) {
  const HttpResult empty = Post("/api/v1/eval", R"({"text": "   "})");
  EXPECT_EQ(empty.status, 400);
  const json::object err = json::parse(empty.body).at("error").as_object();
  EXPECT_EQ(err.at("code"), "INVALID_INPUT");
  EXPECT_EQ(err.at("message"), "text cannot be empty");
  EXPECT_EQ(err.at("timestamp").as_string().size(), 20u);  // 2026-01-02T03:04:05Z

  const HttpResult bad = Post("/api/v1/eval", "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("failed to parse JSON"), std::string::npos);

  EXPECT_EQ(HttpCall("GET", server_->Url("/nope"), "", std::chrono::seconds(5)).status, 404);
  const HttpResult method =
      HttpCall("GET", server_->Url("/api/v1/eval"), "", std::chrono::seconds(5));
  EXPECT_EQ(method.status, 405);
  EXPECT_NE(method.body.find("METHOD_NOT_ALLOWED"), std::string::npos);
  const HttpResult pii = Post("/api/v1/classify/pii", R"({"text": "x"})");
  EXPECT_EQ(pii.status, 503);
  EXPECT_NE(pii.body.find("\"SERVICE_UNAVAILABLE\""), std::string::npos);
}

TEST_F(RouterApiTest, BatchAndCombinedCheckInputInUpstreamsWordsBeforeNeedingModels) {
  auto expect = [&](const std::string& path, const std::string& body, int status,
                    const std::string& code, const std::string& message) {
    const HttpResult r = Post(path, body);
    EXPECT_EQ(r.status, status) << body;
    const json::value err = json::parse(r.body).at("error");
    EXPECT_EQ(err.at("code").as_string(), code) << body;
    EXPECT_EQ(err.at("message").as_string(), message) << body;
  };
  expect("/api/v1/classify/batch", "{bad", 400, "INVALID_INPUT", "Invalid JSON format");
  expect("/api/v1/classify/batch", "{}", 400, "INVALID_INPUT", "texts field is required");
  expect("/api/v1/classify/batch", R"({"texts": []})", 400, "INVALID_INPUT",
         "texts array cannot be empty");
  expect("/api/v1/classify/batch", R"({"texts": ["a"], "task_type": "mood"})", 400,
         "INVALID_TASK_TYPE",
         "invalid task_type 'mood'. Supported values: [intent pii security all]");
  expect("/api/v1/classify/batch", R"({"texts": ["a"], "task_type": "intent"})", 503,
         "UNIFIED_CLASSIFIER_UNAVAILABLE",
         "Batch classification requires unified classifier. Please ensure models are available in "
         "./models/ directory.");
  expect("/api/v1/classify/combined", R"({"text": " "})", 400, "INVALID_INPUT",
         "text cannot be empty");
  expect("/api/v1/classify/combined", R"({"text": "hi"})", 503, "SERVICE_UNAVAILABLE",
         "classifier not ready");
}

TEST_F(RouterApiTest, OversizedBodiesGet413) {
  const HttpResult big =
      Post("/api/v1/eval", "{\"text\": \"" + std::string(100 * 1024, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("\"PAYLOAD_TOO_LARGE\""), std::string::npos);
}

TEST_F(RouterApiTest, HealthReadyAndModels) {
  const HttpResult health = HttpCall("GET", server_->Url("/health"), "", std::chrono::seconds(5));
  EXPECT_EQ(health.body, "{\"status\": \"healthy\", \"service\": \"classification-api\"}\n");
  const HttpResult ready = HttpCall("GET", server_->Url("/ready"), "", std::chrono::seconds(5));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body).at("ready"), true);
  const HttpResult models =
      HttpCall("GET", server_->Url("/v1/models"), "", std::chrono::seconds(5));
  EXPECT_EQ(json::parse(models.body).at("data").as_array()[0].at("id"), "MoM");
}

TEST(RouterApiReadyTest, NotReadyWhenDecisionsNeedAMissingModel) {
  auto config = testing::ConfigFromRouting(R"(
routing:
  signals:
    domains: [{name: math, mmlu_categories: [math]}]
  decisions:
    - {name: d, rules: {operator: AND, conditions: [{type: domain, name: math}]}, modelRefs: [{model: m, use_reasoning: false}]}
)");
  std::vector<std::string> errors;
  RouterApi api(routing::Router::Create(config, errors));
  HttpRequest req;
  req.method = "GET";
  req.path = "/ready";
  const HttpResponse r = api.Handle(req);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("model not loaded: domain classifier"), std::string::npos) << r.body;
  // Eval still answers, and says why the domain signal is silent.
  req.method = "POST";
  req.path = "/api/v1/eval";
  req.body = R"({"text": "integrate x squared"})";
  const HttpResponse e = api.Handle(req);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(json::parse(e.body).at("signal_errors").at("domain"),
            "model not loaded: domain classifier");
}

TEST_F(RouterApiTest, EvalCliReadableSummaryAndJson) {
  const CliRun r = RunCli("eval --prompt 'urgent: the build is red' --endpoint " + server_->Url());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(
      r.output.rfind(
          "decision: urgent_code\nused signals: 2\n  - keywords:urgent\n  - context:short_context\n"
          "matched signals: ",
          0),
      0u)
      << r.output;
  EXPECT_NE(r.output.find("unmatched signals: "), std::string::npos);
  EXPECT_NE(r.output.find("\nrouting: urgent_code\n"), std::string::npos);

  const CliRun j = RunCli(
      "eval --json --messages '[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      "{\"role\":\"user\",\"content\":\"Who? What? Where?\"}]' --endpoint " +
      server_->Url("/api/v1"));
  EXPECT_EQ(j.exit_code, 0) << j.output;
  const json::value payload = json::parse(j.output);
  EXPECT_EQ(payload.at("decision_result").at("decision_name"), "questionnaire");
  EXPECT_EQ(payload.at("original_text"), "Who? What? Where?");
}

TEST_F(RouterApiTest, EvalCliErrorTexts) {
  const CliRun empty = RunCli(
      "eval --messages '[{\"role\":\"user\",\"content\":\"\"}]' --endpoint " + server_->Url());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(empty.output, "ERROR - Router returned 400 INVALID_INPUT: text cannot be empty\n");

  const CliRun both = RunCli("eval --prompt a --messages '[]'");
  EXPECT_EQ(both.output, "ERROR - Provide exactly one of --prompt or --messages\n");
  EXPECT_EQ(RunCli("eval --messages '{}'").output,
            "ERROR - --messages must be a JSON array of message objects\n");
  EXPECT_EQ(RunCli("eval --messages '[1]'").output,
            "ERROR - --messages[0] must be an object, got int\n");
}

TEST(EvalCliTest, RouterNotRunning) {
  // A port that was just free: bind, read it, release.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
  probe.close();
  const CliRun r = RunCli("eval --prompt hello --endpoint " + url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "ERROR - Router is not running at " + url +
                          "/api/v1/eval. Start the router with 'vllm-sr serve' and retry.\n");
}

TEST(EvalCliTest, ProxyHintAndServiceUnavailable) {
  LoopbackServer proxy([](const HttpRequest&) {
    HttpResponse r;
    r.status = 403;
    r.content_type = "text/html";
    r.body = "<html>Forbidden</html>";
    return r;
  });
  const CliRun p = RunCli("eval --prompt hello --endpoint " + proxy.Url());
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_EQ(
      p.output,
      "ERROR - Router returned 403 from " + proxy.Url("/api/v1/eval") +
          ". This looks like a proxy or gateway — check that --endpoint points directly to the "
          "router API port (default: 8080), not to Envoy or another proxy.\n");

  LoopbackServer starting([](const HttpRequest&) {
    return RouterApi::Error(503, "SERVICE_UNAVAILABLE", "classifier not ready");
  });
  const CliRun s = RunCli("eval --prompt hello --endpoint " + starting.Url());
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_EQ(s.output, "ERROR - Router returned 503 SERVICE_UNAVAILABLE: classifier not ready\n");
}

TEST(RouterApiFeedbackTest, FeedbackUpdatesEloRatingsAndSelection) {
  auto config = testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults: {default_model: a}
  models:
    - {name: a, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: b, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
routing:
  modelCards: [{name: a}, {name: b}]
  decisions:
    - name: pick
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}]
      algorithm: {type: elo, elo: {k_factor: 32}}
)");
  std::vector<std::string> errors;
  RouterApi api(routing::Router::Create(config, errors));
  auto call = [&](const std::string& method, const std::string& path,
                  const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    SplitTarget(path, req.path, req.query);
    req.body = body;
    return api.Handle(req);
  };
  const auto eval = [&] {
    return json::parse(call("POST", "/api/v1/classify/intent", R"({"text": "hi"})").body);
  };
  EXPECT_EQ(eval().at("recommended_model"), "a");  // equal ratings: first candidate
  const HttpResponse fb =
      call("POST", "/api/v1/feedback",
           R"({"winner_model": "b", "loser_model": "a", "decision_name": "pick"})");
  EXPECT_EQ(fb.status, 200) << fb.body;
  EXPECT_EQ(json::parse(fb.body).at("message"), "Feedback recorded successfully");
  EXPECT_EQ(eval().at("recommended_model"), "b");
  const json::value ratings = json::parse(call("GET", "/api/v1/ratings").body);
  EXPECT_EQ(ratings.at("category"), "global");
  EXPECT_EQ(ratings.at("ratings").as_array()[0].at("model"), "b");
  EXPECT_EQ(ratings.at("ratings").as_array()[0].at("wins"), 1);
  const HttpResponse missing = call("POST", "/api/v1/feedback", R"({"loser_model": "a"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("\"MISSING_WINNER\""), std::string::npos);
}

TEST(RouterApiFeedbackTest, RlDrivenLearnsPerUserFromFeedbackAndUnconfiguredSaysSo) {
  const auto router_with = [](const std::string& algorithm) {
    std::vector<std::string> errors;
    return routing::Router::Create(testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults: {default_model: a}
  models:
    - {name: a, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: b, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
routing:
  modelCards: [{name: a}, {name: b}]
  decisions:
    - name: pick
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}]
      algorithm: {type: )" + algorithm + R"(}
)"),
                                   errors);
  };
  RouterApi api(router_with("rl_driven"));
  HttpRequest fb;
  fb.method = "POST";
  fb.path = "/api/v1/feedback";
  fb.body = R"({"winner_model": "b", "loser_model": "a", "user_id": "u1",
                "feedback_type": "satisfied", "confidence": 1})";
  for (int i = 0; i < 40; ++i) ASSERT_EQ(api.Handle(fb).status, 200);
  fb.body = R"({"winner_model": "ghost", "loser_model": "a"})";
  const HttpResponse unknown = api.Handle(fb);
  EXPECT_EQ(unknown.status, 500);
  EXPECT_NE(unknown.body.find("model 'ghost' is not configured"), std::string::npos)
      << unknown.body;
  // u1 sent the feedback: /eval-style routing with their identity header mostly picks b.
  const std::shared_ptr<const routing::Router> router = api.router();
  request::Request req = request::FromText("hello");
  req.headers["x-authz-user-id"] = "u1";
  int b = 0;
  for (int i = 0; i < 50; ++i) b += router->Route(req).selected_model == "b";
  EXPECT_GE(b, 45);
  EXPECT_EQ(router->Route(req).selection_method, "rl_driven");

  RouterApi plain(router_with("static"));
  fb.body = R"({"winner_model": "b"})";
  const HttpResponse none = plain.Handle(fb);
  EXPECT_EQ(none.status, 503);
  EXPECT_NE(none.body.find("NO_SELECTOR_CONFIGURED"), std::string::npos);
}

// `vllm-sr router` as its own process: it prints where it listens, serves eval, stops on SIGTERM.
TEST(RouterProcessTest, ServesTheApiUntilSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const std::string config = std::string(VSR_FIXTURES_DIR) + "/routing/heuristics.yaml";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(VSR_CLI_BINARY, VSR_CLI_BINARY, "router", "--config", config.c_str(), "--address",
          "127.0.0.1", "--port", "0", "--data-port", "0", "--metrics-port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string first_line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') first_line += c;  // bounded by the process exiting
  const std::string prefix = "Router API listening on http://127.0.0.1:";
  ASSERT_EQ(first_line.rfind(prefix, 0), 0u) << first_line;
  const std::string url = "http://127.0.0.1:" + first_line.substr(prefix.size());
  const CliRun r = RunCli("eval --prompt 'my python code segfaults' --endpoint " + url);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("decision: code_route"), std::string::npos) << r.output;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  close(out[0]);
}

// The router watches its config: a valid edit is live within the watch interval, an invalid
// one is reported and the previous config keeps serving.
TEST(RouterProcessTest, ReloadsAValidConfigChangeAndKeepsServingOnABadOne) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-reload-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/config.yaml";
  const std::string original = [] {
    std::ifstream in(std::string(VSR_FIXTURES_DIR) + "/routing/heuristics.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  std::ofstream(config) << original;
  const std::string log = dir + "/stderr.log";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, STDERR_FILENO);
    close(out[0]);
    execl(VSR_CLI_BINARY, VSR_CLI_BINARY, "router", "--config", config.c_str(), "--address",
          "127.0.0.1", "--port", "0", "--data-port", "0", "--metrics-port", "0",
          "--watch-interval-ms", "100", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string first_line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') first_line += c;
  const std::string prefix = "Router API listening on http://127.0.0.1:";
  ASSERT_EQ(first_line.rfind(prefix, 0), 0u) << first_line;
  const std::string url = "http://127.0.0.1:" + first_line.substr(prefix.size()) + "/api/v1/eval";
  auto decision = [&] {
    const HttpResult r =
        HttpCall("POST", url, R"({"text": "my python code segfaults"})", std::chrono::seconds(5));
    if (r.status != 200) return std::string("HTTP ") + std::to_string(r.status);
    return std::string(json::parse(r.body).at("decision_result").at("decision_name").as_string());
  };
  auto wait_for = [&](const std::string& wanted) {
    for (int i = 0; i < 50 && decision() != wanted; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return decision();
  };
  EXPECT_EQ(decision(), "code_route");

  std::string renamed = original;
  renamed.replace(renamed.find("name: code_route"), std::string("name: code_route").size(),
                  "name: code_route_v2");
  std::ofstream(config, std::ios::trunc) << renamed;
  EXPECT_EQ(wait_for("code_route_v2"), "code_route_v2");

  std::ofstream(config, std::ios::trunc) << renamed << "\nnot_a_section: 1\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(decision(), "code_route_v2");  // the bad edit did not take the router down
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(out[0]);
  std::ifstream err_in(log);
  std::stringstream err;
  err << err_in.rdbuf();
  // The router log is JSON lines (upstream's zap keys).
  EXPECT_NE(err.str().find(R"("level":"error")"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("Configuration change rejected: "), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("not_a_section"), std::string::npos) << err.str();
  std::filesystem::remove_all(dir);
}

TEST(RouterProcessTest, RefusesAnInvalidConfig) {
  const CliRun r = RunCli("router --config " + std::string(VSR_FIXTURES_DIR) +
                          "/config/ten-mistakes.yaml --port 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find(R"("msg":"Configuration validation failed: 10 error(s))"),
            std::string::npos)
      << r.output;
}

// /classify/pii and /classify/security in upstream's shapes, on the tiny checkpoints: for
// "Hello, World!" the token model finds CREDIT_CARD "Hello" (.47) and PERSON "World" (.90); the
// ModernBERT prompt guard says jailbreak at .85. A missing model is a 503 that names it.
// A router API with a model store on a loopback port, routing with the config whose
// model_catalog is `catalog` (YAML under global.model_catalog, "{ML}" for tests/fixtures/ml).
struct ModelsApi {
  explicit ModelsApi(const std::string& catalog) {
    std::string yaml = "version: v0.3\nglobal:\n  model_catalog:\n" + catalog;
    for (size_t at; (at = yaml.find("{ML}")) != std::string::npos;) {
      yaml.replace(at, 4, std::string(VSR_FIXTURES_DIR) + "/ml");
    }
    std::vector<std::string> errors;
    api =
        std::make_shared<RouterApi>(routing::Router::Create(testing::ConfigFromText(yaml), errors));
    api->SetModels(std::make_shared<ml::ModelStore>());
    server =
        std::make_unique<LoopbackServer>([a = api](const HttpRequest& r) { return a->Handle(r); });
  }
  HttpResult Post(const std::string& path, const std::string& body) const {
    return HttpCall("POST", server->Url(path), body, std::chrono::seconds(10));
  }
  std::shared_ptr<RouterApi> api;
  std::unique_ptr<LoopbackServer> server;
};

// The tiny PII token classifier and ModernBERT prompt guard, at the thresholds the tests use.
const char* const kPiiAndGuardCatalog =
    "    system: {pii_classifier: '{ML}/tiny-bert-tokcls', "
    "prompt_guard: '{ML}/tiny-modernbert-seqcls'}\n"
    "    modules:\n"
    "      prompt_guard: {model_ref: prompt_guard, threshold: 0.8}\n"
    "      classifier: {pii: {model_ref: pii_classifier, threshold: 0.4}}\n";

TEST(RouterApiModelsTest, PiiAndSecurityUseTheConfiguredModels) {
  ModelsApi m(kPiiAndGuardCatalog);
  const std::shared_ptr<RouterApi>& api = m.api;
  std::vector<std::string> errors;
  const auto post = [&](const std::string& path, const std::string& body) {
    return m.Post(path, body);
  };
  HttpResult r = post("/api/v1/classify/pii", R"({"text": "Hello, World!"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("has_pii"), true);
  ASSERT_EQ(body.at("entities").as_array().size(), 2u);
  EXPECT_EQ(body.at("entities").as_array()[0].at("value"), "[DETECTED]");
  EXPECT_EQ(body.at("security_recommendation"), "block");
  EXPECT_FALSE(body.contains("masked_text"));
  r = post("/api/v1/classify/pii",
           R"({"text": "Hello, World!", "options": {"confidence_threshold": 0.5,
               "return_positions": true, "mask_entities": true, "reveal_entity_text": true}})");
  body = json::parse(r.body).as_object();
  ASSERT_EQ(body.at("entities").as_array().size(), 1u);
  const json::object& person = body.at("entities").as_array()[0].as_object();
  EXPECT_EQ(person.at("type"), "PERSON");
  EXPECT_EQ(person.at("value"), "World");
  EXPECT_EQ(person.at("start_position"), 7);
  EXPECT_EQ(person.at("end_position"), 12);
  EXPECT_EQ(person.at("masked_value"), "[PERSON_0]");
  EXPECT_EQ(body.at("masked_text"), "Hello, [PERSON_0]!");
  r = post("/api/v1/classify/pii",
           R"({"text": "Hello, World!", "options": {"entity_types": ["email_address"]}})");
  EXPECT_EQ(json::parse(r.body).at("has_pii"), false);

  r = post("/api/v1/classify/security",
           R"({"text": "Hello, World!", "options": {"include_reasoning": true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("is_jailbreak"), true);
  EXPECT_NEAR(body.at("confidence").as_double(), 0.846, 0.001);
  EXPECT_EQ(body.at("recommendation"), "block");
  EXPECT_EQ(body.at("detection_types").as_array()[0], "jailbreak");
  EXPECT_EQ(body.at("reasoning"), "Detected jailbreak pattern with confidence 0.846");
  // "my card is 41111": benign at .58.
  body = json::parse(post("/api/v1/classify/security", R"({"text": "my card is 41111"})").body)
             .as_object();
  EXPECT_EQ(body.at("is_jailbreak"), false);
  EXPECT_EQ(body.at("recommendation"), "allow");
  EXPECT_TRUE(body.at("patterns_detected").as_array().empty());

  EXPECT_EQ(post("/api/v1/classify/security", R"({"text": " "})").status, 400);
  // The same API with the prompt guard's folder missing.
  auto broken = testing::ConfigFromText(
      "version: v0.3\nglobal: {model_catalog: {system: {prompt_guard: /nowhere/guard}}}\n");
  api->SetRouter(routing::Router::Create(broken, errors));
  r = post("/api/v1/classify/security", R"({"text": "hi"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("classifier not ready: jailbreak classifier (/nowhere/guard)"),
            std::string::npos)
      << r.body;
}

// /classify/combined: the intent, PII and security answers of the three endpoints in one body,
// each part with its own options; a part whose model is missing answers for the whole.
TEST(RouterApiModelsTest, CombinedClassificationJoinsIntentPiiAndSecurity) {
  ModelsApi m(kPiiAndGuardCatalog);
  HttpResult r = m.Post("/api/v1/classify/combined",
                        R"({"text": "Hello, World!", "pii_options": {"confidence_threshold": 0.5,
                            "reveal_entity_text": true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("intent").at("classification").at("category"), "other");  // no decisions
  const json::array& entities = body.at("pii").at("entities").as_array();
  ASSERT_EQ(entities.size(), 1u);  // .5 keeps PERSON "World" only
  EXPECT_EQ(entities[0].at("value"), "World");
  EXPECT_EQ(body.at("security").at("is_jailbreak"), true);
  EXPECT_TRUE(body.at("processing_time_ms").is_int64());
  EXPECT_EQ(m.Post("/api/v1/classify/combined", R"({"text": ""})").status, 400);

  ModelsApi no_guard(
      "    system: {pii_classifier: '{ML}/tiny-bert-tokcls', "
      "prompt_guard: /nowhere/guard}\n");
  r = no_guard.Post("/api/v1/classify/combined", R"({"text": "hi"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("classifier not ready: jailbreak classifier (/nowhere/guard)"),
            std::string::npos)
      << r.body;
}

// /classify/batch on the configured classifiers, in upstream's response shape: intent from the
// domain classifier, pii from the token classifier, security from the prompt guard.
TEST(RouterApiModelsTest, BatchClassificationUsesTheConfiguredModels) {
  ModelsApi m(
      "    system: {pii_classifier: '{ML}/tiny-bert-tokcls', "
      "prompt_guard: '{ML}/tiny-modernbert-seqcls', domain_classifier: '{ML}/tiny-bert-seqcls'}\n"
      "    modules:\n"
      "      prompt_guard: {model_ref: prompt_guard, threshold: 0.8}\n"
      "      classifier:\n"
      "        pii: {model_ref: pii_classifier, threshold: 0.4}\n"
      "        domain: {model_ref: domain_classifier}\n");
  HttpResult r = m.Post("/api/v1/classify/batch",
                        R"({"texts": ["Hello, World!", "my card is 41111"],
                            "options": {"return_probabilities": true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("total_count"), 2);
  const json::array& intents = body.at("results").as_array();
  ASSERT_EQ(intents.size(), 2u);
  for (const json::value& v : intents) {
    const std::string category(v.at("category").as_string());
    EXPECT_TRUE(category == "math" || category == "biology" || category == "other") << category;
    EXPECT_EQ(v.at("probabilities").as_object().size(), 1u);
  }
  const json::object& stats = body.at("statistics").as_object();
  int64_t counted = 0;
  for (const auto& [category, n] : stats.at("category_distribution").as_object()) {
    counted += n.as_int64();
  }
  EXPECT_EQ(counted, 2);

  r = m.Post("/api/v1/classify/batch",
             R"({"texts": ["Hello, World!", "nothing here"], "task_type": "pii"})");
  ASSERT_EQ(r.status, 200) << r.body;
  body = json::parse(r.body).as_object();
  // "Hello" is a CREDIT_CARD at .47 and "World" a PERSON at .90: the first type, the top score.
  EXPECT_EQ(body.at("results").at(0).at("category"), "CREDIT_CARD");
  EXPECT_NEAR(body.at("results").at(0).at("confidence").as_double(), 0.90, 0.01);
  EXPECT_FALSE(body.at("results").at(0).as_object().contains("probabilities"));

  r = m.Post("/api/v1/classify/batch",
             R"({"texts": ["Hello, World!", "my card is 41111"], "task_type": "security"})");
  ASSERT_EQ(r.status, 200) << r.body;
  body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("results").at(0).at("category"), "jailbreak");  // .846 >= .8
  EXPECT_EQ(body.at("results").at(1).at("category"), "safe");       // benign at .58
  EXPECT_EQ(body.at("statistics").at("low_confidence_count"), 1);

  r = m.Post("/api/v1/classify/batch", R"({"texts": ["a", 3]})");
  EXPECT_EQ(r.status, 400);
  ModelsApi no_domain(
      "    system: {domain_classifier: /nowhere/domain}\n"
      "    modules: {classifier: {domain: {model_ref: domain_classifier}}}\n");
  r = no_domain.Post("/api/v1/classify/batch", R"({"texts": ["a"]})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("UNIFIED_CLASSIFIER_UNAVAILABLE"), std::string::npos);
  EXPECT_NE(r.body.find("/nowhere/domain"), std::string::npos) << r.body;
}

// /classify/fact-check and /classify/user-feedback judge as the fact_check and user_feedback
// signals do, in upstream's shapes; "disabled" without a configured model, "unknown" when it
// cannot be loaded (200 both, as upstream).
TEST(RouterApiModelsTest, FactCheckAndUserFeedbackUseTheConfiguredModels) {
  ModelsApi m(
      "    system: {fact_check_classifier: '{ML}/tiny-modernbert-seqcls', "
      "feedback_detector: '{ML}/tiny-bert-seqcls'}\n"
      "    modules:\n"
      "      hallucination_mitigation:\n"
      "        fact_check: {model_ref: fact_check_classifier, threshold: 0.8}\n"
      "      feedback_detector: {model_ref: feedback_detector, threshold: 0.6}\n");
  const std::shared_ptr<RouterApi>& api = m.api;
  std::vector<std::string> errors;
  const auto post = [&](const std::string& path, const std::string& text) {
    const HttpResult r = m.Post(path, R"({"text": ")" + text + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).as_object();
  };
  // The reference probabilities: "Hello, World!" class 1 at .846; "my card is 41111" class 0.
  json::object body = post("/api/v1/classify/fact-check", "Hello, World!");
  EXPECT_EQ(body.at("needs_fact_check"), true);
  EXPECT_EQ(body.at("label"), "needs_fact_check");
  EXPECT_NEAR(body.at("confidence").as_double(), 0.846, 0.001);
  EXPECT_TRUE(body.contains("processing_time_ms"));
  body = post("/api/v1/classify/fact-check", "my card is 41111");
  EXPECT_EQ(body.at("needs_fact_check"), false);
  EXPECT_EQ(body.at("label"), "no_fact_check_needed");
  EXPECT_NEAR(body.at("confidence").as_double(), 0.579, 0.001);
  // Feedback labels come from the model: "other" at .656; at .524 (< 0.6) "satisfied" at .476.
  body = post("/api/v1/classify/user-feedback", "my card is 41111");
  EXPECT_EQ(body.at("feedback_type"), "other");
  EXPECT_EQ(body.at("label"), "other");
  EXPECT_NEAR(body.at("confidence").as_double(), 0.656, 0.001);
  body = post("/api/v1/classify/user-feedback", "Hello, World!");
  EXPECT_EQ(body.at("feedback_type"), "satisfied");
  EXPECT_NEAR(body.at("confidence").as_double(), 0.476, 0.001);
  EXPECT_EQ(m.Post("/api/v1/classify/fact-check", R"({"text": ""})").status, 400);

  // The default catalog names upstream's folders, absent here: "unknown".
  api->SetRouter(routing::Router::Create(testing::ConfigFromText("version: v0.3\n"), errors));
  body = post("/api/v1/classify/fact-check", "hi");
  EXPECT_EQ(body.at("label"), "unknown");
  EXPECT_EQ(body.at("needs_fact_check"), false);
  EXPECT_EQ(post("/api/v1/classify/user-feedback", "hi").at("feedback_type"), "unknown");
  // No model configured at all: disabled.
  api->SetRouter(routing::Router::Create(
      testing::ConfigFromText("version: v0.3\n"
                              "global: {model_catalog: {system: {fact_check_classifier: '',"
                              " feedback_detector: ''}}}\n"),
      errors));
  EXPECT_EQ(post("/api/v1/classify/fact-check", "hi").at("label"), "fact_check_disabled");
  EXPECT_EQ(post("/api/v1/classify/user-feedback", "hi").at("feedback_type"),
            "feedback_detector_disabled");
}

}  // namespace
}  // namespace vsr::server
