// Request tracing through the real data plane: spans reach a fake OTLP/HTTP collector (a real
// loopback HTTP server) as OTLP protobuf (or JSON when asked), the backend receives a traceparent
// whose parent is the router's upstream span, and a client's traceparent is continued.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "observability/tracer.h"
#include "support/data_plane_fixture.h"
#include "support/loopback_server.h"
#include "support/otlp_reader.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

// Records every POST /v1/traces body.
class FakeCollector {
 public:
  FakeCollector()
      : server_(
            [this](const HttpRequest& r) {
              std::lock_guard lock(mu_);
              paths_.push_back(r.path);
              bodies_.push_back(r.body);
              content_types_.push_back(
                  r.headers.count("content-type") ? r.headers.at("content-type") : "");
              return HttpResponse{200, "application/json", "{}", {}};
            },
            &DataPlane::ErrorForStatus) {}
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  // Every span received so far, flattened.
  std::vector<json::object> Spans() const {
    std::lock_guard lock(mu_);
    std::vector<json::object> out;
    for (size_t i = 0; i < bodies_.size(); ++i) {
      const json::object batch = vsr::test::ReadOtlpExport(bodies_[i], content_types_[i]);
      for (const auto& rs : batch.at("resourceSpans").as_array()) {
        for (const auto& ss : rs.at("scopeSpans").as_array()) {
          for (const auto& s : ss.at("spans").as_array()) out.push_back(s.as_object());
        }
      }
    }
    return out;
  }
  std::vector<std::string> Bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> ContentTypes() const {
    std::lock_guard lock(mu_);
    return content_types_;
  }
  std::vector<std::string> Paths() const {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> paths_, bodies_, content_types_;
  testing::LoopbackServer server_;
};

std::string TracedConfig(const std::string& endpoint) {
  return "version: v0.3\n"
         "listeners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n"
         "  defaults: {default_model: fast}\n"
         "  models:\n"
         "    - name: fast\n"
         "      backend_refs: [{name: a, endpoint: '" +
         endpoint +
         "'}]\n"
         "routing:\n"
         "  modelCards: [{name: fast}]\n"
         "  signals:\n"
         "    keywords: [{name: math, operator: OR, keywords: [integral]}]\n"
         "  decisions:\n"
         "    - name: math\n"
         "      rules: {operator: AND, conditions: [{type: keyword, name: math}]}\n"
         "      modelRefs: [{model: fast}]\n"
         "      plugins:\n"
         "        - type: system_prompt\n"
         "          configuration: {system_prompt: 'You are a math expert.'}\n"
         "        - type: router_replay\n"
         "          configuration: {enabled: true}\n";
}

std::string Attr(const json::object& span, const std::string& key) {
  for (const auto& a : span.at("attributes").as_array()) {
    if (a.at("key") == json::value(key)) {
      const json::object& v = a.at("value").as_object();
      if (v.contains("stringValue")) return json::value_to<std::string>(v.at("stringValue"));
      if (v.contains("intValue")) return json::value_to<std::string>(v.at("intValue"));
      return json::serialize(v);
    }
  }
  return "<absent>";
}

const json::object* Named(const std::vector<json::object>& spans, const std::string& name) {
  for (const auto& s : spans) {
    if (s.at("name") == json::value(name)) return &s;
  }
  return nullptr;
}

std::string Str(const json::object& o, const char* key) {
  return json::value_to<std::string>(o.at(key));
}

class TracingTest : public DataPlaneTest {
 protected:
  void StartTraced(const std::string& sampling = "always_on",
                   observability::OtlpEncoding encoding = observability::OtlpEncoding::kProtobuf) {
    config::Tracing cfg;
    cfg.exporter.endpoint = collector_.Endpoint();
    cfg.sampling.type = sampling;
    cfg.sampling.rate = 0;
    observability::TraceExporterOptions options;
    options.flush_interval = std::chrono::milliseconds(20);
    options.encoding = encoding;
    tracer_ = observability::Tracer::Create(
        cfg,
        [](const std::string& url, std::string_view body, std::string_view content_type,
           std::string& error) {
          const HttpResult r = HttpCall("POST", url, std::string(body), std::chrono::seconds(5),
                                        {{"content-type", std::string(content_type)}});
          error = r.error;
          return r.status == 200;
        },
        {}, options);
    ASSERT_TRUE(tracer_);
    DataPlaneOptions dp;
    dp.tracer = tracer_;
    Start(TracedConfig(backend_.Endpoint()), dp);
  }
  // The request is traced to its end after the answer went out: wait (bounded, 2 s) until its
  // root span reached the collector.
  std::vector<json::object> SpansOfTheRequest() {
    std::vector<json::object> spans;
    for (int i = 0; i < 100; ++i) {
      tracer_->exporter().Flush();
      spans = collector_.Spans();
      if (Named(spans, "semantic_router.request.received")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return spans;
  }
  FakeCollector collector_;
  Sim backend_;
  std::shared_ptr<observability::Tracer> tracer_;
};

TEST_F(TracingTest, ARoutedRequestExportsItsSpansAndPropagatesTheTrace) {
  StartTraced();
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "solve this integral"));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<json::object> spans = SpansOfTheRequest();
  ASSERT_FALSE(collector_.Paths().empty());
  EXPECT_EQ(collector_.Paths()[0], "/v1/traces");
  EXPECT_EQ(collector_.ContentTypes()[0], "application/x-protobuf");  // OTLP/HTTP's default
  // The resource names the service.
  const json::object batch =
      vsr::test::ReadOtlpExport(collector_.Bodies()[0], collector_.ContentTypes()[0]);
  EXPECT_EQ(json::serialize(batch.at("resourceSpans").at(0).at("resource").at("attributes").at(0)),
            R"({"key":"service.name","value":{"stringValue":"vllm-sr"}})");

  const json::object* root = Named(spans, "semantic_router.request.received");
  const json::object* eval = Named(spans, "semantic_router.signal.evaluation");
  const json::object* keyword = Named(spans, "semantic_router.signal.keyword");
  const json::object* decision = Named(spans, "semantic_router.decision.evaluation");
  const json::object* plugin = Named(spans, "semantic_router.plugin.execution");
  const json::object* upstream = Named(spans, "semantic_router.upstream.request");
  ASSERT_TRUE(root && eval && keyword && decision && plugin && upstream);
  const std::string trace_id = Str(*root, "traceId");
  EXPECT_EQ(trace_id.size(), 32u);
  for (const json::object* s : {eval, keyword, decision, plugin, upstream}) {
    EXPECT_EQ(Str(*s, "traceId"), trace_id);
  }
  EXPECT_FALSE(root->contains("parentSpanId"));  // a new trace: the root has no parent
  EXPECT_EQ(Str(*eval, "parentSpanId"), Str(*root, "spanId"));
  EXPECT_EQ(Str(*keyword, "parentSpanId"), Str(*eval, "spanId"));
  EXPECT_EQ(Str(*decision, "parentSpanId"), Str(*eval, "spanId"));
  EXPECT_EQ(Str(*upstream, "parentSpanId"), Str(*root, "spanId"));
  EXPECT_EQ(root->at("kind"), 2);      // server
  EXPECT_EQ(upstream->at("kind"), 3);  // client

  EXPECT_EQ(Attr(*root, "decision.name"), "math");
  EXPECT_EQ(Attr(*root, "routing.selected_model"), "fast");
  EXPECT_EQ(Attr(*root, "http.status_code"), "200");
  EXPECT_EQ(Attr(*keyword, "signal.matched_rules"),
            R"({"arrayValue":{"values":[{"stringValue":"math"}]}})");
  EXPECT_EQ(Attr(*decision, "decision.name"), "math");
  EXPECT_EQ(Attr(*decision, "decision.matched_rules"),
            R"({"arrayValue":{"values":[{"stringValue":"keyword:math"}]}})");
  EXPECT_EQ(Attr(*plugin, "plugin.type"), "system_prompt");
  EXPECT_EQ(Attr(*plugin, "plugin.decision"), "math");
  // router_replay's hooks only keep the record: not traced (as upstream).
  for (const json::object& s : spans) {
    EXPECT_NE(Attr(s, "plugin.type"), "router_replay");
  }
  EXPECT_EQ(Attr(*upstream, "model.name"), "fast");
  EXPECT_NE(Attr(*upstream, "model.token_count_completion"), "<absent>");
  // Spans nest in time: the upstream call lies within the request.
  const auto ns = [](const json::object& s, const char* k) { return std::stoll(Str(s, k)); };
  EXPECT_LE(ns(*root, "startTimeUnixNano"), ns(*upstream, "startTimeUnixNano"));
  EXPECT_LE(ns(*upstream, "endTimeUnixNano"), ns(*root, "endTimeUnixNano"));

  // The backend's traceparent: this trace, the upstream span as parent, sampled.
  const auto& headers = backend_.sim->last_request().headers;
  ASSERT_TRUE(headers.count("traceparent"));
  EXPECT_EQ(headers.at("traceparent"), "00-" + trace_id + "-" + Str(*upstream, "spanId") + "-01");
}

TEST_F(TracingTest, OtlpJsonWhenAskedForIt) {
  StartTraced("always_on", observability::OtlpEncoding::kJson);
  ASSERT_EQ(Post("/v1/chat/completions", Chat("MoM", "solve this integral")).status, 200);
  const std::vector<json::object> spans = SpansOfTheRequest();
  const json::object* keyword = Named(spans, "semantic_router.signal.keyword");
  ASSERT_TRUE(keyword);
  EXPECT_EQ(Attr(*keyword, "signal.matched_rules"),
            R"({"arrayValue":{"values":[{"stringValue":"math"}]}})");
  EXPECT_EQ(collector_.ContentTypes()[0], "application/json");
  EXPECT_NE(
      collector_.Bodies()[0].find(R"({"key":"service.name","value":{"stringValue":"vllm-sr"}})"),
      std::string::npos);
}

TEST_F(TracingTest, AClientsTraceIsContinued) {
  StartTraced();
  const std::string client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string client_span = "00f067aa0ba902b7";
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "hello"),
                            {{"traceparent", "00-" + client_trace + "-" + client_span + "-01"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<json::object> spans = SpansOfTheRequest();
  const json::object* root = Named(spans, "semantic_router.request.received");
  ASSERT_TRUE(root);
  EXPECT_EQ(Str(*root, "traceId"), client_trace);
  EXPECT_EQ(Str(*root, "parentSpanId"), client_span);
  EXPECT_EQ(backend_.sim->last_request().headers.at("traceparent").substr(0, 36),
            "00-" + client_trace + "-");
}

TEST_F(TracingTest, UnsampledRequestsExportNothingButStillPropagate) {
  StartTraced("traceidratio");  // rate 0: nothing sampled
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "hello"));
  ASSERT_EQ(r.status, 200) << r.body;
  tracer_->exporter().Flush();
  EXPECT_TRUE(collector_.Spans().empty());
  const std::string tp = backend_.sim->last_request().headers.at("traceparent");
  EXPECT_EQ(tp.size(), 55u);
  EXPECT_TRUE(tp.ends_with("-00")) << tp;  // not sampled
}

TEST_F(TracingTest, WithoutATracerTheClientsTraceparentPassesUnchanged) {
  Start(TracedConfig(backend_.Endpoint()));
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "hello"), {{"traceparent", tp}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_.sim->last_request().headers.at("traceparent"), tp);
}

}  // namespace
}  // namespace vsr::server
