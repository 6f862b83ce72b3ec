// `vllm-sr router` and `vllm-sr simulator` as real processes: SIGTERM lets a stream in flight
// finish (drain) while new connections are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "server/api_errors.h"
#include "server/http_client.h"
#include "support/child_process.h"
#include "support/cli_runner.h"
#include "support/fake_milvus.h"
#include "support/loopback_server.h"
#include "support/redis_server.h"

namespace {

using vsr::server::HttpCall;
using vsr::server::HttpResult;
using vsr::testing::Child;
using vsr::testing::PortOf;

TEST(RouterProcessTest, SigtermDrainsAStreamInFlight) {
  Child sim({"simulator", "--port", "0", "--tokens-per-second", "20", "--output-tokens", "30"});
  const std::string sim_port = PortOf(sim.LineStartingWith("Simulator listening on"));
  ASSERT_FALSE(sim_port.empty());
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-drain-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: m}\n"
         "  models: [{name: m, backend_refs: [{name: sim, endpoint: '127.0.0.1:" +
             sim_port + "'}]}]\nrouting:\n  modelCards: [{name: m}]\n";
  Child router({"router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port", "0",
                "--data-port", "0", "--metrics-port", "0", "--threads", "3"});
  const std::string metrics_port = PortOf(router.LineStartingWith("Metrics on"));
  const std::string port = PortOf(router.LineStartingWith("Data plane listening on"));
  ASSERT_FALSE(port.empty());
  const std::string url = "http://127.0.0.1:" + port + "/v1/chat/completions";
  // Connections are spread over the I/O threads: each must answer.
  for (int i = 0; i < 6; ++i) {
    const HttpResult r = HttpCall(
        "POST", url, R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":"hi"}]})",
        std::chrono::seconds(10));
    EXPECT_EQ(r.status, 200) << i << ": " << r.error;
  }

  // The answers show in upstream's metrics: requests, latency histograms, tokens from usage.
  const HttpResult m =
      HttpCall("GET", "http://127.0.0.1:" + metrics_port + "/metrics", "", std::chrono::seconds(5));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("llm_model_requests_total{model=\"m\"} 6\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("llm_model_completion_latency_seconds_count{model=\"m\"} 6\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("llm_model_completion_tokens_total{model=\"m\"} 12\n"),
            std::string::npos);  // 2 tokens each, from the simulator's usage
  EXPECT_NE(m.body.find("llm_model_routing_latency_seconds_count 6\n"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE llm_model_ttft_seconds histogram"), std::string::npos);

  std::atomic<bool> started{false};
  HttpResult result;
  std::thread client([&] {
    result = HttpCall(
        "POST", url, R"({"model":"MoM","stream":true,"messages":[{"role":"user","content":"hi"}]})",
        std::chrono::seconds(20), {}, [&](std::string_view) { started = true; });
  });
  for (int i = 0; i < 500 && !started; ++i) usleep(10 * 1000);
  ASSERT_TRUE(started);
  kill(router.pid(), SIGTERM);  // ~1.5 s of stream still to go
  usleep(200 * 1000);
  const HttpResult refused =
      HttpCall("GET", "http://127.0.0.1:" + port + "/health", "", std::chrono::seconds(2));
  EXPECT_NE(refused.failure, HttpResult::Failure::kNone);  // no longer accepting
  client.join();
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_TRUE(result.body.ends_with("data: [DONE]\n\n")) << result.body;
  EXPECT_EQ(router.Wait(), 0);
  std::filesystem::remove_all(dir);
}

// CPU seconds a process has used (user + system), from /proc.
double CpuSeconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(all.substr(all.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A server out of file descriptors (connections waiting that accept cannot take) pauses
// accepting instead of retrying in a loop that burns a core, and serves the waiting connections
// once descriptors are free again. The limit is lowered on the running simulator (prlimit) to
// its lowest free descriptor number: its next accept gets EMFILE.
TEST(RouterProcessTest, OutOfFileDescriptorsAServerWaitsInsteadOfSpinning) {
  // At the limit a sanitizer cannot open the pipe it probes memory with, and UBSan's vptr
  // check then reports asio's objects as invalid: not this test's subject.
  const std::string suppressions =
      std::filesystem::temp_directory_path() / ("vsr-ubsan-" + std::to_string(getpid()));
  std::ofstream(suppressions) << "vptr_check:*\n";
  const char* old_options = std::getenv("UBSAN_OPTIONS");
  const std::string saved = old_options != nullptr ? old_options : "";
  setenv("UBSAN_OPTIONS", ("print_stacktrace=1:suppressions=" + suppressions).c_str(), 1);
  Child sim({"simulator", "--port", "0"});
  if (old_options != nullptr) {
    setenv("UBSAN_OPTIONS", saved.c_str(), 1);
  } else {
    unsetenv("UBSAN_OPTIONS");
  }
  const std::string port = PortOf(sim.LineStartingWith("Simulator listening on"));
  ASSERT_FALSE(port.empty());
  const std::string url = "http://127.0.0.1:" + port + "/v1/chat/completions";
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  ASSERT_EQ(HttpCall("POST", url, body, std::chrono::seconds(10)).status, 200);
  usleep(300 * 1000);  // the simulator closes its side of that connection

  // The limit bounds descriptor numbers: the lowest free one is where allocation would go.
  std::set<rlim_t> used;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(sim.pid()) + "/fd")) {
    used.insert(std::stoul(fd.path().filename().string()));
  }
  rlim_t lowest_free = 0;
  while (used.count(lowest_free) > 0) ++lowest_free;
  rlimit old{};
  ASSERT_EQ(prlimit(sim.pid(), RLIMIT_NOFILE, nullptr, &old), 0);
  const rlimit none_free{lowest_free, old.rlim_max};
  ASSERT_EQ(prlimit(sim.pid(), RLIMIT_NOFILE, &none_free, nullptr), 0);
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      if (HttpCall("POST", url, body, std::chrono::seconds(20)).status == 200) ++answered;
    });
  }
  usleep(300 * 1000);  // the connections wait in the backlog
  const double before = CpuSeconds(sim.pid());
  usleep(1000 * 1000);
  const double spent = CpuSeconds(sim.pid()) - before;
  EXPECT_EQ(answered.load(), 0) << "accepted past the limit";
  ASSERT_EQ(prlimit(sim.pid(), RLIMIT_NOFILE, &old, nullptr), 0);
  for (auto& c : clients) c.join();
  EXPECT_LT(spent, 0.3) << "the accept loop spun";
  EXPECT_EQ(answered.load(), 3);
  std::filesystem::remove(suppressions);
}

// Two router processes with one shared store (`stores`: the semantic cache and replay settings
// under global:): an answer cached by the first is served by the second (the acceptance of a
// shared cache), and both record replay into the same store, which a restarted router lists.
// With `responses`, the Responses API store is shared too: B continues a response A stored.
void ExpectTwoRoutersShare(const std::string& stores, bool responses = false) {
  Child sim({"simulator", "--port", "0"});
  const std::string sim_port = PortOf(sim.LineStartingWith("Simulator listening on"));
  ASSERT_FALSE(sim_port.empty());
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-shared-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: m}\n"
         "  models: [{name: m, backend_refs: [{name: sim, endpoint: '127.0.0.1:" +
             sim_port +
             "'}]}]\n"
             "global:\n" +
             stores +
             "    observability: {tracing: {enabled: false}}\n"
             "routing:\n"
             "  modelCards: [{name: m}]\n"
             "  decisions:\n"
             "    - name: all\n"
             "      rules: {operator: AND, conditions: []}\n"
             "      modelRefs: [{model: m}]\n"
             "      plugins: [{type: semantic-cache, configuration: {enabled: true}}]\n";
  const auto start = [&] {
    return std::make_unique<Child>(std::vector<std::string>{
        "router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port", "0",
        "--data-port", "0", "--metrics-port", "0"});
  };
  auto a = start();
  const std::string port_a = PortOf(a->LineStartingWith("Data plane listening on"));
  auto b = start();
  const std::string port_b = PortOf(b->LineStartingWith("Data plane listening on"));
  ASSERT_FALSE(port_a.empty());
  ASSERT_FALSE(port_b.empty());
  const std::string body =
      R"({"model":"MoM","messages":[{"role":"user","content":"What is the capital of France?"}]})";
  const auto ask = [&](const std::string& port) {
    return HttpCall("POST", "http://127.0.0.1:" + port + "/v1/chat/completions", body,
                    std::chrono::seconds(10));
  };
  const HttpResult first = ask(port_a);
  ASSERT_EQ(first.status, 200) << first.error << first.body;
  EXPECT_EQ(first.headers.count("x-vsr-cache-hit"), 0u);
  // Router B learns A's entry within moments (Redis pushes, Milvus is polled); bounded: 5 s.
  HttpResult shared;
  int asked_a = 1, asked_b = 0;  // every ask is recorded, misses too
  for (int i = 0; i < 50; ++i) {
    ++asked_b;
    shared = ask(port_b);
    if (shared.headers.count("x-vsr-cache-hit") != 0) break;
    usleep(100 * 1000);
  }
  ASSERT_EQ(shared.status, 200) << shared.error;
  ASSERT_EQ(shared.headers.count("x-vsr-cache-hit"), 1u) << "router B never served A's answer";
  EXPECT_NE(shared.body.find("chatcmpl-cache-"), std::string::npos);
  if (responses) {
    const HttpResult stored = HttpCall("POST", "http://127.0.0.1:" + port_a + "/v1/responses",
                                       R"({"model":"MoM","input":"Remember the number seven."})",
                                       std::chrono::seconds(10));
    ASSERT_EQ(stored.status, 200) << stored.body;
    const std::string id(boost::json::parse(stored.body).at("id").as_string());
    HttpResult continued;
    for (int i = 0; i < 50 && continued.status != 200; ++i) {
      if (i > 0) usleep(100 * 1000);
      continued = HttpCall(
          "POST", "http://127.0.0.1:" + port_b + "/v1/responses",
          R"({"model":"MoM","input":"Which number?","previous_response_id":")" + id + R"("})",
          std::chrono::seconds(10));
    }
    EXPECT_EQ(continued.status, 200) << "router B never continued A's response: " << continued.body;
    // Replay records both (a 404 for an unknown previous response is answered before routing).
    ++asked_a;
    ++asked_b;
  }

  // Replay: B, restarted, lists records written by both routers from the store. SIGTERM lets
  // B finish its writes (SIGKILL would lose the records still queued for the store).
  kill(b->pid(), SIGTERM);
  EXPECT_EQ(b->Wait(), 0);
  auto b2 = start();
  const std::string port_b2 = PortOf(b2->LineStartingWith("Data plane listening on"));
  const HttpResult list = HttpCall("GET", "http://127.0.0.1:" + port_b2 + "/v1/router_replay", "",
                                   std::chrono::seconds(5));
  ASSERT_EQ(list.status, 200) << list.body;
  // A's records and one per ask of B (on a loaded machine B may miss before A's entry arrives).
  EXPECT_NE(list.body.find("\"total\":" + std::to_string(asked_a + asked_b) + ","),
            std::string::npos)
      << list.body;
  EXPECT_NE(list.body.find("\"from_cache\":true"), std::string::npos) << list.body;
  std::filesystem::remove_all(dir);
}

// Redis for both, with `tls` Redis speaks only TLS and both stores are configured for it.
void ExpectTwoRoutersShareThroughRedis(bool tls) {
  vsr::testing::RedisServer redis(0, tls);
  VSR_REQUIRE_REDIS(redis);
  const std::string cache_tls =
      tls ? ", tls: {enabled: true, ca_file: '" + std::string(VSR_FIXTURES_DIR) + "/tls/ca.pem'}"
          : "";
  const std::string replay_tls = tls ? ", use_tls: true, tls_skip_verify: true" : "";
  const std::string response_tls =
      tls ? ", tls_enabled: true, tls_ca_path: '" + std::string(VSR_FIXTURES_DIR) + "/tls/ca.pem'"
          : "";
  ExpectTwoRoutersShare(
      "  stores:\n"
      "    semantic_cache:\n"
      "      backend_type: redis\n"
      "      redis: {connection: {host: 127.0.0.1, port: " +
          std::to_string(redis.port()) + cache_tls +
          "}}\n"
          "  services:\n"
          "    router_replay: {store_backend: redis, redis: {address: '" +
          redis.address() + "'" + replay_tls +
          "}}\n"
          "    response_api: {redis: {address: '" +
          redis.address() + "'" + response_tls + "}}\n",
      /*responses=*/true);
}

TEST(RouterProcessTest, TwoRoutersShareCacheHitsAndReplayThroughRedis) {
  ExpectTwoRoutersShareThroughRedis(false);
}

TEST(RouterProcessTest, TwoRoutersShareThroughRedisOverTls) {
  ExpectTwoRoutersShareThroughRedis(true);
}

// The same through one Milvus (the REST fake): the cache's collection and replay's.
TEST(RouterProcessTest, TwoRoutersShareCacheHitsAndReplayThroughMilvus) {
  vsr::testing::FakeMilvus milvus;
  const std::string host = milvus.Address().substr(0, milvus.Address().find(':'));
  const std::string port = milvus.Address().substr(milvus.Address().find(':') + 1);
  ExpectTwoRoutersShare(
      "  stores:\n"
      "    semantic_cache:\n"
      "      backend_type: milvus\n"
      "      milvus:\n"
      "        connection: {host: " +
      host + ", port: " + port +
      "}\n"
      "        development: {auto_create_collection: true}\n"
      "  services:\n"
      "    router_replay: {store_backend: milvus, milvus: {address: '" +
      milvus.Address() + "'}}\n");
  EXPECT_GE(milvus.size("semantic_cache"), 1u);  // A's answer (and B's, if B missed first)
  EXPECT_GE(milvus.size("router_replay_records"), 2u);
}

}  // namespace

// A router whose config uses learned signals, with the tiny fixture checkpoints as its models:
// `vllm-sr eval` shows the signals' confidences and the decision they pick, and /ready is
// ready. With the domain model's folder missing, eval and /ready say which model and how to
// fix it, and the other learned signals keep working.
TEST(RouterProcessTest, EvalShowsLearnedSignalsAndNamesMissingModels) {
  const std::string ml = std::string(VSR_FIXTURES_DIR) + "/ml";
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-learned-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto write_config = [&](const std::string& domain_model) {
    std::ofstream(dir + "/config.yaml", std::ios::trunc)
        << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
           "providers:\n  defaults: {default_model: m}\n"
           "  models: [{name: m, backend_refs: [{name: sim, endpoint: '127.0.0.1:9'}]}]\n"
           "routing:\n  modelCards: [{name: m}]\n"
           "  signals:\n"
           "    domains: [{name: other}]\n"
           "    pii: [{name: any_pii, threshold: 0.5}]\n"
           "    embeddings: [{name: greeting, threshold: 0.99, candidates: ['Hello, World!']}]\n"
           "  decisions:\n"
           "    - name: greet\n"
           "      priority: 10\n"
           "      rules: {operator: AND, conditions: [{type: embedding, name: greeting}, "
           "{type: pii, name: any_pii}]}\n"
           "      modelRefs: [{model: m}]\n"
           "    - name: other\n"
           "      rules: {operator: AND, conditions: [{type: domain, name: other}]}\n"
           "      modelRefs: [{model: m}]\n"
           "global:\n  model_catalog:\n"
           "    system: {domain_classifier: '"
        << domain_model << "', pii_classifier: '" << ml
        << "/tiny-bert-tokcls'}\n"
           "    embeddings: {semantic: {bert_model_path: '"
        << ml << "/tiny-bert', embedding_config: {model_type: bert}}}\n";
  };
  write_config(ml + "/tiny-bert-seqcls");
  {
    Child router({"router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port",
                  "0", "--data-port", "0", "--metrics-port", "0"});
    const std::string api = PortOf(router.LineStartingWith("Router API listening on"));
    ASSERT_FALSE(api.empty());
    const vsr::testing::CliRun eval =
        vsr::testing::RunCli("eval --prompt 'Hello, World!' --endpoint http://127.0.0.1:" + api);
    EXPECT_EQ(eval.exit_code, 0) << eval.output;
    EXPECT_NE(eval.output.find("decision: greet"), std::string::npos) << eval.output;
    EXPECT_NE(eval.output.find("  - embedding:greeting: 1.00"), std::string::npos) << eval.output;
    EXPECT_NE(eval.output.find("  - domain:other: 0.52"), std::string::npos) << eval.output;
    EXPECT_NE(eval.output.find("  - pii:any_pii: 1.00"), std::string::npos) << eval.output;
    EXPECT_EQ(eval.output.find("signals not evaluated"), std::string::npos) << eval.output;
    EXPECT_EQ(
        HttpCall("GET", "http://127.0.0.1:" + api + "/ready", "", std::chrono::seconds(5)).status,
        200);
  }
  write_config(dir + "/no-such-model");
  Child router({"router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port", "0",
                "--data-port", "0", "--metrics-port", "0"});
  const std::string api = PortOf(router.LineStartingWith("Router API listening on"));
  ASSERT_FALSE(api.empty());
  const vsr::testing::CliRun eval =
      vsr::testing::RunCli("eval --prompt 'Hello, World!' --endpoint http://127.0.0.1:" + api);
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("decision: greet"), std::string::npos) << eval.output;
  EXPECT_NE(eval.output.find("  - domain: model not loaded: domain classifier (" + dir +
                             "/no-such-model): " + dir +
                             "/no-such-model/config.json: cannot open; put a Hugging Face model "
                             "folder (config.json, model.safetensors, tokenizer.json) there or "
                             "point global.model_catalog.system.domain_classifier"),
            std::string::npos)
      << eval.output;
  const HttpResult ready =
      HttpCall("GET", "http://127.0.0.1:" + api + "/ready", "", std::chrono::seconds(5));
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("no-such-model/config.json: cannot open"), std::string::npos)
      << ready.body;
  std::filesystem::remove_all(dir);
}

// rl_driven with Router-R1: the router process asks the server (a fake one here, standing in
// for upstream's router_r1_server.py) over HTTP for every routed request, and its choice is
// the model that answers.
TEST(RouterProcessTest, RouterR1ServerPicksTheModel) {
  using vsr::testing::Child;
  using vsr::testing::PortOf;
  Child sim({"simulator", "--port", "0"});
  const std::string sim_port = PortOf(sim.LineStartingWith("Simulator listening on"));
  ASSERT_FALSE(sim_port.empty());
  std::mutex mu;
  std::string choice = "m2", last_query;
  vsr::testing::LoopbackServer r1(
      [&](const vsr::server::HttpRequest& r) {
        std::lock_guard lock(mu);
        if (r.path != "/route") return vsr::server::HttpResponse{404, "text/plain", "", {}};
        last_query = std::string(boost::json::parse(r.body).at("query").as_string());
        return vsr::server::HttpResponse{
            200,
            "application/json",
            R"({"selected_model":")" + choice + R"(","thinking":"short question"})",
            {}};
      },
      &vsr::server::OpenAiError);
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-router-r1-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string backend = "backend_refs: [{name: sim, endpoint: '127.0.0.1:" + sim_port + "'}]";
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: m1}\n  models:\n"
         "    - {name: m1, " +
             backend + "}\n    - {name: m2, " + backend +
             "}\n"
             "routing:\n  modelCards: [{name: m1}, {name: m2}]\n  decisions:\n"
             "    - name: everything\n      rules: {operator: AND, conditions: []}\n"
             "      modelRefs: [{model: m1}, {model: m2}]\n"
             "      algorithm:\n        type: rl_driven\n"
             "        rl_driven: {enable_llm_routing: true, router_r1_server_url: '" +
             r1.Url() + "'}\n";
  Child router({"router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port", "0",
                "--data-port", "0", "--metrics-port", "0"});
  const std::string port = PortOf(router.LineStartingWith("Data plane listening on"));
  ASSERT_FALSE(port.empty());
  const std::string url = "http://127.0.0.1:" + port + "/v1/chat/completions";
  const std::string body = R"({"model":"MoM","messages":[{"role":"user","content":"hi"}]})";
  vsr::server::HttpResult r = vsr::server::HttpCall("POST", url, body, std::chrono::seconds(10));
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.headers["x-vsr-selected-model"], "m2");
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(last_query, "Task: everything\nAvailable models: m1, m2");
    choice = "m1";
  }
  r = vsr::server::HttpCall("POST", url, body, std::chrono::seconds(10));
  EXPECT_EQ(r.headers["x-vsr-selected-model"], "m1");
  std::filesystem::remove_all(dir);
}

// The domain signal through an MCP classification server on stdio (the in-tree model is
// absent): chat requests route on its categories and `vllm-sr eval` shows the match.
TEST(RouterProcessTest, McpClassifierServerDrivesTheDomainSignal) {
  using vsr::server::HttpCall;
  using vsr::server::HttpResult;
  using vsr::testing::Child;
  using vsr::testing::PortOf;
  Child sim({"simulator", "--port", "0"});
  const std::string sim_port = PortOf(sim.LineStartingWith("Simulator listening on"));
  ASSERT_FALSE(sim_port.empty());
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-mcp-domain-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string backend = "backend_refs: [{name: sim, endpoint: '127.0.0.1:" + sim_port + "'}]";
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: general-model}\n  models:\n"
         "    - {name: math-model, " +
             backend + "}\n    - {name: general-model, " + backend +
             "}\n"
             "routing:\n  modelCards: [{name: math-model}, {name: general-model}]\n"
             "  signals:\n    domains:\n"
             "      - {name: math, description: maths, mmlu_categories: [math]}\n"
             "      - {name: general, description: the rest, mmlu_categories: [other]}\n"
             "      - {name: science, description: no decision uses it, mmlu_categories: "
             "[biology]}\n"
             "  decisions:\n"
             "    - {name: math_route, priority: 20, rules: {operator: AND, conditions: [{type: "
             "domain, name: math}]}, modelRefs: [{model: math-model}]}\n"
             "    - {name: general_route, priority: 10, rules: {operator: AND, conditions: "
             "[{type: domain, name: general}]}, modelRefs: [{model: general-model}]}\n"
             "global:\n  model_catalog:\n    modules:\n      classifier:\n"
             "        domain: {model_id: " +
             dir + "/no-model}\n        mcp: {enabled: true, transport_type: stdio, command: '" +
             FAKE_MCP_SERVER + "', args: [--noise], timeout_seconds: 5}\n";
  Child router({"router", "--config", dir + "/config.yaml", "--address", "127.0.0.1", "--port", "0",
                "--data-port", "0", "--metrics-port", "0"});
  const std::string api_port = PortOf(router.LineStartingWith("Router API listening on"));
  const std::string port = PortOf(router.LineStartingWith("Data plane listening on"));
  ASSERT_FALSE(port.empty());
  const std::string url = "http://127.0.0.1:" + port + "/v1/chat/completions";
  const auto chat = [&](const std::string& text) {
    return HttpCall("POST", url,
                    R"({"model":"MoM","messages":[{"role":"user","content":")" + text + R"("}]})",
                    std::chrono::seconds(10));
  };
  HttpResult r = chat("Solve the equation x + 2 = 5");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.headers["x-vsr-selected-decision"], "math_route");
  EXPECT_EQ(r.headers["x-vsr-selected-model"], "math-model");
  r = chat("Say something kind");
  EXPECT_EQ(r.headers["x-vsr-selected-decision"], "general_route");
  EXPECT_EQ(r.headers["x-vsr-selected-model"], "general-model");
  const vsr::testing::CliRun eval = vsr::testing::RunCli(
      "eval --prompt 'What is the derivative of x^2?' --endpoint http://127.0.0.1:" + api_port);
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("math_route"), std::string::npos) << eval.output;
  EXPECT_NE(eval.output.find("domain:math"), std::string::npos) << eval.output;
  // No decision matches a biology question: /classify/intent names the classifier's category.
  r = HttpCall("POST", "http://127.0.0.1:" + api_port + "/api/v1/classify/intent",
               R"({"text": "How does a cell copy its DNA?"})", std::chrono::seconds(10));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value intent = boost::json::parse(r.body);
  EXPECT_EQ(intent.at("classification").at("category"), "science") << r.body;
  EXPECT_DOUBLE_EQ(intent.at("classification").at("confidence").as_double(), 0.9);
  EXPECT_FALSE(intent.as_object().contains("routing_decision"));
  std::filesystem::remove_all(dir);
}
