// Test fixture for the data plane over real loopback sockets: simulators as model backends, a
// DataPlane behind an HttpServer, helpers to build configs and requests.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "common/json_text.h"
#include "server/api_errors.h"
#include "server/data_plane.h"
#include "server/http_client.h"
#include "simulator/simulator.h"
#include "support/config_loader.h"
#include "support/loopback_port.h"
#include "support/loopback_server.h"

namespace vsr::server::test {

namespace json = boost::json;
using vsr::testing::LoopbackServer;

// A simulator on its own loopback port.
struct Sim {
  explicit Sim(simulator::SimulatorOptions options = {})
      : sim(std::make_shared<simulator::Simulator>(std::move(options))),
        server(
            [s = sim](const HttpRequest& r, HttpExchange& e) -> boost::asio::awaitable<void> {
              co_await s->Handle(r, e);
            },
            &OpenAiError) {}
  std::string Endpoint() const { return "127.0.0.1:" + std::to_string(server.port()); }
  std::shared_ptr<simulator::Simulator> sim;
  LoopbackServer server;
};

// A port nothing listens on (bound then closed).
inline uint16_t DeadPort() {
  return testing::UnusedLoopbackPort();
}

// `models`: where learned signals load their models (none: they report "model not loaded").
inline std::shared_ptr<const routing::Router> MakeRouter(const std::string& yaml,
                                                         ml::ModelStore* models = nullptr) {
  std::vector<std::string> errors;
  std::shared_ptr<const routing::Router> router =
      routing::Router::Create(testing::ConfigFromText(yaml), errors, models);
  EXPECT_TRUE(errors.empty());
  return router;
}

// The head of a config: a listener and the OpenAI-format model `fast` whose backend_refs are
// `fast_refs` (a YAML list).
inline std::string FastModelHead(const std::string& fast_refs) {
  return "version: v0.3\n"
         "listeners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n"
         "  defaults: {default_model: fast}\n"
         "  models:\n"
         "    - name: fast\n"
         "      provider_model_id: sim-fast\n"
         "      backend_refs: " +
         fast_refs + "\n";
}

// After a head: the Anthropic-format model `claude` with backend_refs `claude_refs`.
inline std::string ClaudeModel(const std::string& claude_refs) {
  return "    - name: claude\n"
         "      api_format: anthropic\n"
         "      provider_model_id: claude-sim\n"
         "      backend_refs: " +
         claude_refs + "\n";
}

// The head with `fast` alone, at `endpoint` (ref `a`).
inline std::string FastModelConfig(const std::string& endpoint) {
  return FastModelHead("[{name: a, endpoint: '" + endpoint + "'}]");
}

// The head with `fast` (ref `a`) and `claude` (ref `c`), both at `endpoint`.
inline std::string FastAndClaudeModels(const std::string& endpoint) {
  return FastModelConfig(endpoint) + ClaudeModel("[{name: c, endpoint: '" + endpoint + "'}]");
}

// Two models: `fast` (OpenAI format) and `claude` (Anthropic format); "integral" routes to
// claude, everything else to the default `fast`.
inline std::string TwoModelConfig(const std::string& fast_refs, const std::string& claude_refs) {
  return FastModelHead(fast_refs) + ClaudeModel(claude_refs) +
         "routing:\n"
         "  modelCards: [{name: fast}, {name: claude}]\n"
         "  signals:\n"
         "    keywords: [{name: math, operator: OR, keywords: [integral]}]\n"
         "  decisions:\n"
         "    - name: math\n"
         "      priority: 10\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: math}]}\n"
         "      modelRefs: [{model: claude, use_reasoning: false}]\n";
}

// After FastModelConfig: routing with one decision that takes every request to `fast`, up to
// its plugins list (tests append "        - {type: ...}" lines).
inline std::string AllToFastWithPlugins() {
  return "routing:\n"
         "  modelCards: [{name: fast}]\n"
         "  decisions:\n"
         "    - name: assistant\n"
         "      rules: {operator: AND, conditions: []}\n"
         "      modelRefs: [{model: fast}]\n"
         "      plugins:\n";
}

inline std::string Ref(const std::string& name, const std::string& endpoint, int weight = 1,
                       const std::string& extra = "") {
  return "{name: " + name + ", endpoint: '" + endpoint + "', weight: " + std::to_string(weight) +
         extra + "}";
}

// Whether a request a fake backend got asks for a stream: read as JSON, since the router
// forwards a body it did not change as the client wrote it, spaces and all.
inline bool AsksForStream(const HttpRequest& r) {
  boost::system::error_code ec;
  const json::value body = json::parse(r.body, ec);
  const json::value* stream =
      !ec && body.is_object() ? body.as_object().if_contains("stream") : nullptr;
  return stream != nullptr && stream->is_bool() && stream->as_bool();
}

inline json::object ParseObject(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v.is_object() ? v.as_object() : json::object{};
}

class DataPlaneTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml, DataPlaneOptions options = {},
             ml::ModelStore* models = nullptr) {
    // The plane's pooled backend connections belong to the proxy's io_context: drop our
    // reference first so they go with the proxy, never after it.
    Stop();
    snapshot_ = std::make_shared<RouterSnapshot>(MakeRouter(yaml, models));
    log_path_ = ::testing::TempDir() + "/access-" + std::to_string(getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    std::filesystem::remove(log_path_);
    access_log_ = std::make_shared<AccessLog>(log_path_);
    plane_ = std::make_shared<DataPlane>(snapshot_, std::make_shared<UpstreamPool>(), access_log_,
                                         options);
    HttpServerOptions server_options;
    server_options.body_limit = 1024 * 1024;
    proxy_ = std::make_unique<LoopbackServer>(
        [p = plane_](const HttpRequest& r, HttpExchange& e) -> boost::asio::awaitable<void> {
          co_await p->Handle(r, e);
        },
        &DataPlane::ErrorForStatus, server_options);
  }
  void Stop() {
    plane_.reset();
    proxy_.reset();
  }
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) const {
    return HttpCall("POST", proxy_->Url(path), body, std::chrono::seconds(10), headers);
  }
  HttpResult Get(const std::string& path) const {
    return HttpCall("GET", proxy_->Url(path), "", std::chrono::seconds(10));
  }
  // The replay record `id` once the request's response phase has filled it in (just after the
  // last byte reached the client); {} when it never is.
  json::object CompletedRecord(const std::string& id) const {
    for (int i = 0; i < 200; ++i) {
      const HttpResult r = Get("/v1/router_replay/" + id);
      if (r.status == 200) {
        json::object record = ParseObject(r.body);
        if (record.contains("response_status")) return record;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return {};
  }
  static std::string Chat(const std::string& model, const std::string& text, bool stream = false) {
    return CompactJson(
        json::object{{"model", model},
                     {"stream", stream},
                     {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}});
  }
  // The log as written so far (its lines are flushed first: the flusher would take 100 ms).
  std::string AccessLogText() const {
    if (access_log_) access_log_->Flush();
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::shared_ptr<RouterSnapshot> snapshot_;
  std::unique_ptr<LoopbackServer> proxy_;
  std::shared_ptr<DataPlane> plane_;  // after proxy_: released before it (see Start)
  std::string log_path_;
  std::shared_ptr<AccessLog> access_log_;
};

}  // namespace vsr::server::test
