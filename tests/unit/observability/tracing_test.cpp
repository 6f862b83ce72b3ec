// Trace context (traceparent per W3C), sampling, the OTLP JSON encoding, the batching exporter's
// limits, and how exporter endpoints are read.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "observability/trace_exporter.h"
#include "observability/tracer.h"

namespace vsr::observability {
namespace {

namespace json = boost::json;

TEST(TraceParent, ParsesTheW3cExampleAndFormatsItBack) {
  const std::string header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto tp = ParseTraceParent(header);
  ASSERT_TRUE(tp);
  EXPECT_EQ(Hex(tp->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Hex(tp->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(tp->sampled);
  EXPECT_EQ(FormatTraceParent(tp->trace_id, tp->span_id, true), header);
  auto unsampled = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
  // A later version may append fields after the flags.
  EXPECT_TRUE(ParseTraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"));
}

TEST(TraceParent, RejectsWhatTheSpecRejects) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with extra
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(ParseTraceParent(bad)) << bad;
  }
}

TEST(Sampling, RatioKeepsAboutThatShareOfTraces) {
  int kept = 0;
  for (int i = 0; i < 20000; ++i) kept += SampleTrace(NewTraceId(), "traceidratio", 0.25) ? 1 : 0;
  EXPECT_NEAR(kept / 20000.0, 0.25, 0.02);
  EXPECT_TRUE(SampleTrace(NewTraceId(), "always_on", 0));
  EXPECT_FALSE(SampleTrace(NewTraceId(), "always_off", 1));
  EXPECT_FALSE(SampleTrace(NewTraceId(), "probabilistic", 0));
  // The decision depends on the id only: every service agrees on a trace.
  const TraceId id = NewTraceId();
  const bool first = SampleTrace(id, "traceidratio", 0.5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(SampleTrace(id, "traceidratio", 0.5), first);
}

TEST(RequestTrace, ChildrenHangUnderTheRootWhichHangsUnderTheClient) {
  auto parent = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parent);
  RequestTrace t(*parent, true);
  const auto root = t.Begin("root", RequestTrace::kNone, SpanKind::kServer);
  const auto child = t.Begin("child");
  const auto grandchild = t.Add("grandchild", child, 5, 6);
  t.Set(child, "k", std::string("v"));
  t.Fail(grandchild, "boom");
  const std::string downstream = t.TraceParentFor(child);
  t.End(child);
  const TraceData data = t.Take();
  const std::vector<Span>& spans = data.spans;
  ASSERT_EQ(spans.size(), 3u);
  ASSERT_EQ(data.attributes.size(), 1u);
  EXPECT_EQ(data.attributes[0].span, child);
  EXPECT_EQ(Hex(spans[root].parent_span_id), "00f067aa0ba902b7");
  EXPECT_EQ(spans[child].parent_span_id, spans[root].span_id);
  EXPECT_EQ(spans[grandchild].parent_span_id, spans[child].span_id);
  EXPECT_GT(spans[root].end_unix_ns, 0);  // closed by Take
  EXPECT_TRUE(spans[grandchild].error);
  EXPECT_EQ(downstream, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + Hex(spans[child].span_id) + "-01");
}

TEST(RequestTrace, AnUnsampledTraceRecordsNothingButPropagates) {
  RequestTrace t(TraceParent{NewTraceId(), {}, false}, false);
  EXPECT_EQ(t.Begin("root"), RequestTrace::kNone);
  t.Set(RequestTrace::kNone, "k", int64_t{1});  // harmless
  EXPECT_TRUE(t.Take().spans.empty());
  const std::string tp = t.TraceParentFor(RequestTrace::kNone);
  auto parsed = ParseTraceParent(tp);
  ASSERT_TRUE(parsed) << tp;
  EXPECT_FALSE(parsed->sampled);
  EXPECT_EQ(parsed->trace_id, t.trace_id());
}

TEST(OtlpJson, FollowsTheOtlpJsonMapping) {
  TraceData trace;
  Span& s = trace.spans.emplace_back();
  s.name = "semantic_router.upstream.request";
  s.trace_id = NewTraceId();
  s.span_id = NewSpanId();
  s.kind = SpanKind::kClient;
  s.start_unix_ns = 1700000000000000001;
  s.end_unix_ns = 1700000000000000002;
  trace.attributes = {{0, "model.name", std::string("fast \"quoted\"\n")},
                      {0, "model.token_count_prompt", int64_t{12}},
                      {0, "signal.confidence", 0.5},
                      {0, "cache.hit", true},
                      {0, "signal.matched_rules", std::vector<std::string>{"a", "b"}}};
  s.error = true;
  s.status_message = "HTTP 502";
  const json::object body =
      json::parse(OtlpJson({trace}, {"vllm-sr", "v0.3.0", "dev"})).as_object();
  const json::object& rs = body.at("resourceSpans").as_array()[0].as_object();
  EXPECT_EQ(json::serialize(rs.at("resource").at("attributes").as_array()[0]),
            R"({"key":"service.name","value":{"stringValue":"vllm-sr"}})");
  const json::object& span =
      rs.at("scopeSpans").as_array()[0].at("spans").as_array()[0].as_object();
  EXPECT_EQ(span.at("traceId"), json::value(Hex(s.trace_id)));  // hex, not base64
  EXPECT_FALSE(span.contains("parentSpanId"));                  // a root
  EXPECT_EQ(span.at("kind"), 3);
  EXPECT_EQ(span.at("startTimeUnixNano"), "1700000000000000001");  // 64-bit ints as strings
  const json::array& attrs = span.at("attributes").as_array();
  EXPECT_EQ(attrs[0].at("value").at("stringValue"), "fast \"quoted\"\n");  // escaped, read back
  EXPECT_EQ(json::serialize(attrs[1].at("value")), R"({"intValue":"12"})");
  EXPECT_EQ(json::serialize(attrs[2].at("value")), R"({"doubleValue":5E-1})");
  EXPECT_EQ(json::serialize(attrs[3].at("value")), R"({"boolValue":true})");
  EXPECT_EQ(json::serialize(attrs[4].at("value")),
            R"({"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}})");
  EXPECT_EQ(json::serialize(span.at("status")), R"({"code":2,"message":"HTTP 502"})");
}

TraceData Spans(size_t n) {
  TraceData out;
  out.spans.resize(n);
  for (Span& s : out.spans) s.name = "s";
  return out;
}

TEST(TraceExporter, BatchesAndNeverQueuesBeyondItsLimit) {
  std::mutex mu;
  std::vector<size_t> batch_sizes;
  TraceExporterOptions options;
  options.max_queue = 100;
  options.max_batch = 40;
  options.flush_interval = std::chrono::hours(1);  // only size or Flush sends
  TraceExporter exporter(
      {},
      [&](const std::string& body, std::string&) {
        std::lock_guard lock(mu);
        batch_sizes.push_back(json::parse(body)
                                  .at("resourceSpans")
                                  .at(0)
                                  .at("scopeSpans")
                                  .at(0)
                                  .at("spans")
                                  .as_array()
                                  .size());
        return true;
      },
      {}, options);
  exporter.Submit(Spans(30));
  exporter.Submit(Spans(30));
  exporter.Submit(Spans(30));
  exporter.Submit(Spans(30));  // 120 > 100 queued unless the thread already took a batch
  exporter.Flush();
  EXPECT_EQ(exporter.exported() + exporter.dropped(), 120u);
  EXPECT_LE(exporter.dropped(), 30u);
  std::lock_guard lock(mu);
  for (size_t n : batch_sizes) EXPECT_LE(n, 40u);
}

TEST(TraceExporter, ACollectorThatIsDownIsReportedOnceAndRequestsNeverWait) {
  std::mutex mu;
  std::vector<std::string> log;
  bool up = false;
  TraceExporterOptions options;
  options.flush_interval = std::chrono::milliseconds(5);
  TraceExporter exporter(
      {},
      [&](const std::string&, std::string& error) {
        std::lock_guard lock(mu);
        error = "connection refused";
        return up;
      },
      [&](const std::string& line) {
        std::lock_guard lock(mu);
        log.push_back(line);
      },
      options);
  for (int i = 0; i < 5; ++i) {
    exporter.Submit(Spans(2));
    exporter.Flush();
  }
  EXPECT_EQ(exporter.dropped(), 10u);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("cannot export spans: connection refused"), std::string::npos);
    up = true;
  }
  exporter.Submit(Spans(3));
  exporter.Flush();
  EXPECT_EQ(exporter.exported(), 3u);
  std::lock_guard lock(mu);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("accepts spans again"), std::string::npos);
}

TEST(Tracer, EndpointsBecomeOtlpHttpUrls) {
  std::string note;
  EXPECT_EQ(OtlpHttpUrl("http://jaeger:4318", note), "http://jaeger:4318/v1/traces");
  EXPECT_TRUE(note.empty());
  EXPECT_EQ(OtlpHttpUrl("http://collector:9999/custom/path", note),
            "http://collector:9999/custom/path");
  EXPECT_EQ(OtlpHttpUrl("vllm-sr-jaeger:4317", note), "http://vllm-sr-jaeger:4318/v1/traces");
  EXPECT_NE(note.find("OTLP/gRPC"), std::string::npos);
  note.clear();
  EXPECT_EQ(OtlpHttpUrl("otel:4318", note), "http://otel:4318/v1/traces");
  EXPECT_TRUE(note.empty());
  EXPECT_EQ(OtlpHttpUrl("https://secure:4318", note), "");
  EXPECT_NE(note.find("https collectors are not supported"), std::string::npos);
  EXPECT_EQ(OtlpHttpUrl("grpc://x:1", note), "");
}

TEST(Tracer, OffWhenDisabledOrNeverSampling) {
  config::Tracing cfg;
  cfg.enabled = false;
  EXPECT_FALSE(Tracer::Create(cfg, {}, {}));
  cfg.enabled = true;
  cfg.sampling.type = "always_off";
  EXPECT_FALSE(Tracer::Create(cfg, {}, {}));
  cfg.sampling.type = "always_on";
  cfg.exporter.endpoint = "https://secure:4318";
  std::string warned;
  EXPECT_FALSE(Tracer::Create(cfg, {}, [&](const std::string& l) { warned = l; }));
  EXPECT_NE(warned.find("tracing is off"), std::string::npos);
}

}  // namespace
}  // namespace vsr::observability
