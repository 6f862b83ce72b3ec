// Trace context (traceparent per W3C), sampling, the OTLP JSON and protobuf encodings, the
// batching exporter's limits, and how exporter endpoints are read.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "observability/trace_exporter.h"
#include "observability/tracer.h"
#include "support/otlp_reader.h"

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
  EXPECT_EQ(data.spans[child].first_attribute, 0u);  // the one attribute is the child's
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

// A trace recording from the start (a new trace: its root has no parent).
RequestTrace Recording() {
  return RequestTrace(TraceParent{NewTraceId(), {}, true}, true);
}

// A thread serves dozens of requests at once: each of its next traces gets the buffers of one
// that finished (no allocation, memory still in cache), up to a bound, and a huge one's are freed.
TEST(RequestTrace, ATraceReusesTheBuffersOfOneTheThreadFinished) {
  std::thread([] {  // a thread of its own: no spares from other tests
    auto run = [](size_t traces, size_t spans_each) {
      std::vector<RequestTrace> open;
      for (size_t i = 0; i < traces; ++i) {
        open.push_back(Recording());
        for (size_t s = 0; s < spans_each; ++s) open.back().End(open.back().Begin("span"));
      }
      std::vector<size_t> capacities;
      for (RequestTrace& t : open) {
        TraceData data = t.Take();
        capacities.push_back(data.spans.capacity());
        RequestTrace::Recycle(std::move(data));
      }
      return capacities;
    };
    const size_t max = RequestTrace::kMaxSpareTraces;
    for (size_t c : run(max + 10, 40)) EXPECT_GE(c, 40u);  // grown past the first reservation
    // A trace of one span now starts with the capacity a 40-span one left, as many as were kept.
    const std::vector<size_t> reused = run(max + 10, 1);
    EXPECT_EQ(std::count_if(reused.begin(), reused.end(), [](size_t c) { return c >= 40; }),
              static_cast<std::ptrdiff_t>(max));
    run(max, 300);  // over 256 spans: freed, not kept
    const std::vector<size_t> after_huge = run(1, 1);
    EXPECT_LT(after_huge[0], 300u);
  })
      .join();
}

TEST(OtlpJson, FollowsTheOtlpJsonMapping) {
  RequestTrace t = Recording();
  const auto i = t.Add("semantic_router.upstream.request", RequestTrace::kNone, 1700000000000000001,
                       1700000000000000002, SpanKind::kClient);
  t.Set(i, "model.name", "fast \"quoted\"\n");
  t.Set(i, "model.token_count_prompt", int64_t{12});
  t.Set(i, "signal.confidence", 0.5);
  t.Set(i, "cache.hit", true);
  t.Set(i, "signal.matched_rules", std::vector<std::string>{"a", "b"});
  t.Fail(i, "HTTP 502");
  const TraceData trace = t.Take();
  const json::object body =
      json::parse(OtlpJson({trace}, {"vllm-sr", "v0.3.0", "dev"})).as_object();
  const json::object& rs = body.at("resourceSpans").as_array()[0].as_object();
  EXPECT_EQ(json::serialize(rs.at("resource").at("attributes").as_array()[0]),
            R"({"key":"service.name","value":{"stringValue":"vllm-sr"}})");
  const json::object& span =
      rs.at("scopeSpans").as_array()[0].at("spans").as_array()[0].as_object();
  EXPECT_EQ(span.at("traceId"), json::value(Hex(trace.trace_id)));  // hex, not base64
  EXPECT_FALSE(span.contains("parentSpanId"));                      // a root
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

// Two requests' spans with every kind of value, a parent, an error status, a status message
// longer than 127 bytes (a two-byte length), attributes around the longest with one-byte
// lengths, a value longer than 16,383 (three-byte lengths for it, its attribute and its span)
// and strings of every length the encoder copies differently.
std::vector<TraceData> SampleTraces() {
  std::vector<TraceData> out;
  for (int n = 0; n < 2; ++n) {
    RequestTrace t = Recording();
    const auto root = t.Add("semantic_router.request.received", RequestTrace::kNone,
                            1700000000000000001, 1700000000999999999, SpanKind::kServer);
    const auto up = t.Add("semantic_router.upstream.request", root, 1700000000000000002,
                          1700000000000000003, SpanKind::kClient);
    t.Fail(up, std::string(300, 'x') + " \"quoted\" \u00fcn\u00efcode\\n");
    t.Set(up, "model.name", "fast");
    std::string long_value(20000, 'p');
    long_value.back() = 'q';
    t.Set(up, "prompt", long_value);
    std::vector<std::string> lengths;
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
    for (size_t len : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 46}) {
      lengths.push_back(alphabet.substr(0, len));
    }
    t.Set(root, "lengths", lengths);
    // Around the longest attribute whose three lengths are one byte each (a 127-byte KeyValue).
    for (size_t len = 105; len <= 120; ++len)
      t.Set(up, "boundary", alphabet + std::string(len - 46, 'b'));
    t.Set(root, "request.id", "");
    t.Set(up, "model.token_count_prompt", int64_t{12});
    t.Set(up, "negative", int64_t{-5});
    t.Set(root, "signal.confidence", 0.25);
    t.Set(root, "cache.hit", false);
    t.Set(up, "signal.matched_rules", std::vector<std::string>{"a", "b", ""});
    t.Set(root, "empty.list", std::vector<std::string>{});
    for (int64_t i = 0; i < 200; ++i) t.Set(i % 2 == 0 ? root : up, "many", i);  // buffers grow
    out.push_back(t.Take());
  }
  return out;
}

TEST(OtlpProtobuf, CarriesWhatTheJsonEncodingCarries) {
  std::vector<TraceData> traces = SampleTraces();
  // Traces without spans add nothing to a batch (no stray JSON comma), first or not.
  traces.insert(traces.begin(), TraceData{});
  traces.insert(traces.begin() + 2, TraceData{});
  const TraceResource resource{"vllm-sr", "v0.3.0", "dev"};
  const json::object from_json = json::parse(OtlpJson(traces, resource)).as_object();
  const json::object from_protobuf = test::OtlpProtobufAsJson(OtlpProtobuf(traces, resource));
  EXPECT_EQ(from_protobuf, from_json) << json::serialize(from_protobuf) << "\n"
                                      << json::serialize(from_json);
  EXPECT_EQ(
      from_json.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size(), 4u);
}

TEST(OtlpProtobuf, WritesTheOtlpFieldNumbersAndWireTypes) {
  RequestTrace trace = Recording();
  trace.Set(trace.Add("n", RequestTrace::kNone, 0x0102030405060708, 0x0102030405060709,
                      SpanKind::kClient),
            "k", int64_t{300});
  TraceData t = trace.Take();
  t.trace_id.fill(0x11);
  t.spans[0].span_id.fill(0x22);
  const std::string bytes = OtlpProtobuf({t}, {"svc", "", ""});
  const auto has = [&bytes](std::initializer_list<int> seq) {
    std::string needle;
    for (int b : seq) needle += static_cast<char>(b);
    return bytes.find(needle) != std::string::npos;
  };
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 0x0a);  // resource_spans = 1, length delimited
  EXPECT_TRUE(has({0x0a, 0x10, 0x11, 0x11}));       // trace_id = 1: 16 bytes
  EXPECT_TRUE(has({0x12, 0x08, 0x22, 0x22}));       // span_id = 2: 8 bytes
  EXPECT_TRUE(has({0x2a, 0x01, 'n'}));              // name = 5
  EXPECT_TRUE(has({0x30, 0x03}));                   // kind = 6: SPAN_KIND_CLIENT
  EXPECT_TRUE(has({0x39, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));  // start = 7, fixed64
  EXPECT_TRUE(has({0x41, 0x09, 0x07}));                                      // end = 8
  // attributes = 9: KeyValue{key "k", value AnyValue{int_value = 3: varint 300}}.
  EXPECT_TRUE(has({0x4a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x18, 0xac, 0x02}));
  EXPECT_TRUE(has({0x0a, 0x0f, 's', 'e', 'm', 'a', 'n', 't', 'i', 'c', '-'}));  // scope name
}

TEST(OtlpProtobuf, TheProtocolComesFromTheOpenTelemetryVariables) {
  std::map<std::string, std::string> env;
  const auto get = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  std::string note;
  EXPECT_EQ(OtlpEncodingFromEnv(get, note), OtlpEncoding::kProtobuf);
  env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json";
  EXPECT_EQ(OtlpEncodingFromEnv(get, note), OtlpEncoding::kJson);
  env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf";  // the traces variable wins
  EXPECT_EQ(OtlpEncodingFromEnv(get, note), OtlpEncoding::kProtobuf);
  EXPECT_TRUE(note.empty());
  env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "grpc";
  EXPECT_EQ(OtlpEncodingFromEnv(get, note), OtlpEncoding::kProtobuf);
  EXPECT_NE(note.find("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc is not supported"),
            std::string::npos);
  EXPECT_EQ(OtlpContentType(OtlpEncoding::kProtobuf), "application/x-protobuf");
  EXPECT_EQ(OtlpContentType(OtlpEncoding::kJson), "application/json");
}

// Submits a trace of `n` spans.
void Submit(TraceExporter& exporter, size_t n) {
  TraceData trace;
  trace.spans.resize(n);
  for (Span& s : trace.spans) s.name = "s";
  exporter.Submit(trace);
}

// How many spans an OTLP export body carries.
size_t SpansIn(std::string_view body, std::string_view content_type) {
  return test::ReadOtlpExport(body, content_type)
      .at("resourceSpans")
      .at(0)
      .at("scopeSpans")
      .at(0)
      .at("spans")
      .as_array()
      .size();
}

// A collector that is down: every post refused, and counted.
TraceExporter::Post RefusingCollector(std::atomic<int>& posts) {
  return [&posts](std::string_view, std::string_view, std::string& error) {
    ++posts;
    error = "connection refused";
    return false;
  };
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
      [&](std::string_view body, std::string_view content_type, std::string&) {
        std::lock_guard lock(mu);
        batch_sizes.push_back(SpansIn(body, content_type));
        return true;
      },
      {}, options);
  Submit(exporter, 30);
  Submit(exporter, 30);
  Submit(exporter, 30);
  Submit(exporter, 30);  // 120 > 100 queued unless the thread already took a batch
  exporter.Flush();
  EXPECT_EQ(exporter.exported() + exporter.dropped(), 120u);
  EXPECT_LE(exporter.dropped(), 30u);
  std::lock_guard lock(mu);
  for (size_t n : batch_sizes) EXPECT_LE(n, 40u);
}

TEST(TraceExporter, TracesThatArriveDuringAPostWaitForTheirBatchToFill) {
  // A busy router: traces keep coming while a full batch is being posted. They go out when
  // their batch is full (or at the end of the interval, or on a flush), not in a post of
  // their own right after the one they waited for.
  std::mutex mu;
  std::condition_variable cv;
  bool posting = false, release = false;
  std::vector<size_t> batch_sizes;
  TraceExporterOptions options;
  options.max_batch = 4;
  options.flush_interval = std::chrono::hours(1);  // only size or Flush sends
  TraceExporter exporter(
      {},
      [&](std::string_view body, std::string_view content_type, std::string&) {
        std::unique_lock lock(mu);
        batch_sizes.push_back(SpansIn(body, content_type));
        posting = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });  // the first post lasts until the test says
        return true;
      },
      {}, options);
  const auto posts = [&] {
    std::lock_guard lock(mu);
    return batch_sizes.size();
  };
  Submit(exporter, 4);  // a full batch: posted
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return posting; }));
  }
  Submit(exporter, 1);  // arrive during the post
  Submit(exporter, 1);
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(posts(), 1u) << "the exporter posted a batch that was not full";
  Submit(exporter, 2);  // now their batch is full
  for (int i = 0; i < 1000 && posts() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Submit(exporter, 1);
  exporter.Flush();  // the batch being filled goes too
  std::lock_guard lock(mu);
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{4, 4, 1}));
  EXPECT_EQ(exporter.exported(), 9u);
}

TEST(TraceExporter, ACollectorThatIsDownIsReportedOnceAndRequestsNeverWait) {
  std::mutex mu;
  std::vector<std::string> log;
  bool up = false;
  TraceExporterOptions options;
  options.flush_interval = std::chrono::milliseconds(5);
  TraceExporter exporter(
      {},
      [&](std::string_view, std::string_view, std::string& error) {
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
    Submit(exporter, 2);
    exporter.Flush();
  }
  EXPECT_EQ(exporter.dropped(), 10u);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("cannot export spans: connection refused"), std::string::npos);
    up = true;
  }
  Submit(exporter, 3);
  exporter.Flush();
  EXPECT_EQ(exporter.exported(), 3u);
  std::lock_guard lock(mu);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("accepts spans again"), std::string::npos);
}

TEST(TraceExporter, RequestsDoNotWakeTheExporterWhileTheCollectorIsDown) {
  std::atomic<int> posts{0};
  TraceExporterOptions options;
  options.max_queue = 1000;
  options.max_batch = 10;
  options.flush_interval = std::chrono::hours(1);  // no retry during the test
  TraceExporter exporter({}, RefusingCollector(posts), {}, options);
  Submit(exporter, 10);  // a full batch: the exporter wakes, posts, and learns it is down
  for (int i = 0; i < 200 && posts.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(posts.load(), 1);
  uint64_t before = exporter.wakeups();
  for (int i = 0; i < 100; ++i) {  // until it is back in its wait (no wake-up for 10 ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (exporter.wakeups() == before) break;
    before = exporter.wakeups();
  }
  for (int i = 0; i < 50; ++i) Submit(exporter, 10);  // each one a batch's worth
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(exporter.wakeups(), before);
  EXPECT_EQ(posts.load(), 1);
}

TEST(TraceExporter, ACollectorThatIsDownIsRetriedOncePerInterval) {
  // Requests keep the queue full while the collector is down; the exporter still waits a whole
  // interval between attempts, and meanwhile the queue says it is full, so requests stop
  // encoding spans that would be dropped.
  std::atomic<int> posts{0};
  TraceExporterOptions options;
  options.max_queue = 8;
  options.max_batch = 2;
  options.flush_interval = std::chrono::milliseconds(200);
  TraceExporter exporter({}, RefusingCollector(posts), {}, options);
  const auto start = std::chrono::steady_clock::now();
  int saturated_seen = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300)) {
    Submit(exporter, 1);
    saturated_seen += exporter.saturated() ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  EXPECT_LE(posts.load(), 3) << "the exporter retried a refused collector without waiting";
  EXPECT_GE(posts.load(), 1);
  EXPECT_GT(saturated_seen, 0);
}

TEST(TraceExporter, AFullQueueSaysSoUntilTheExporterTakesABatch) {
  TraceExporterOptions options;
  options.max_queue = 4;
  options.max_batch = 100;                         // size never wakes the exporter
  options.flush_interval = std::chrono::hours(1);  // only Flush sends
  TraceExporter exporter(
      {}, [](std::string_view, std::string_view, std::string&) { return true; }, {}, options);
  Submit(exporter, 3);
  EXPECT_FALSE(exporter.saturated());
  Submit(exporter, 3);  // 6 > 4: dropped
  EXPECT_TRUE(exporter.saturated());
  EXPECT_EQ(exporter.dropped(), 3u);
  exporter.Flush();
  EXPECT_FALSE(exporter.saturated());
  EXPECT_EQ(exporter.exported(), 3u);
}

TEST(Tracer, WithTheCollectorDownRequestsStopRecordingSpansBoundToBeDropped) {
  config::Tracing cfg;
  cfg.exporter.endpoint = "http://127.0.0.1:9/v1/traces";
  std::atomic<int> posts{0};
  TraceExporterOptions options;
  options.max_queue = 8;
  options.max_batch = 1000;
  options.flush_interval = std::chrono::hours(1);
  auto tracer = Tracer::Create(
      cfg,
      [&](const std::string&, std::string_view, std::string_view, std::string& error) {
        ++posts;
        error = "connection refused";
        return false;
      },
      {}, options);
  ASSERT_TRUE(tracer);
  // Three spans each: two traces fill the queue, the third is recorded and dropped when it
  // finishes, and from then on requests record nothing, their spans bound to be dropped.
  for (int i = 0; i < 20; ++i) {
    RequestTrace t = tracer->StartRequest("");
    EXPECT_EQ(t.recording(), i < 3) << "trace " << i;
    const auto root = t.Begin("root", RequestTrace::kNone, SpanKind::kServer);
    t.End(t.Begin("a"));
    t.End(t.Begin("b"));
    t.End(root);
    tracer->Finish(t);
  }
  EXPECT_TRUE(tracer->exporter().saturated());
  // A trace that is not recorded still tells the backend it is sampled, and so does the client's.
  EXPECT_TRUE(tracer->StartRequest("").TraceParentFor(RequestTrace::kNone).ends_with("-01"));
  const std::string client = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  RequestTrace continued = tracer->StartRequest(client);
  EXPECT_FALSE(continued.recording());
  const std::string forwarded = continued.TraceParentFor(RequestTrace::kNone);
  EXPECT_TRUE(forwarded.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")) << forwarded;
  EXPECT_TRUE(forwarded.ends_with("-01")) << forwarded;
  tracer->exporter().Flush();
  EXPECT_EQ(tracer->exporter().exported(), 0u);
  EXPECT_EQ(tracer->exporter().dropped(), 9u);  // the queued two and the third
  EXPECT_EQ(posts.load(), 1);
  EXPECT_FALSE(tracer->exporter().saturated());  // the failed attempt emptied the queue
  EXPECT_TRUE(tracer->StartRequest("").recording());
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
