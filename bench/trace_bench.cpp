// What tracing costs per request, without the network: building a routed request's trace (ten
// spans and their attributes, like the data plane's with plugin spans), encoding its spans as
// OTLP protobuf or JSON into the batch being filled (done where the request ends), and a whole
// batch filled and sealed for the collector, per request.
// Run: build/release/bench/trace_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include "observability/trace_exporter.h"

namespace {

using vsr::observability::RequestTrace;
using vsr::observability::SpanKind;
using vsr::observability::TraceData;

// The spans of one routed request: root, signal evaluation with three signals, decision, three
// plugin hooks, upstream call, with the data plane's attributes.
TraceData OneRequest() {
  RequestTrace t(vsr::observability::TraceParent{vsr::observability::NewTraceId(), {}, true}, true);
  const auto root =
      t.Begin("semantic_router.request.received", RequestTrace::kNone, SpanKind::kServer);
  t.Set(root, "request.id", std::string("9f2c4a7be1d34f0a8c6b5e4d3c2b1a09"));
  t.Set(root, "http.method", std::string("POST"));
  t.Set(root, "http.path", std::string("/v1/chat/completions"));
  const auto eval = t.Begin("semantic_router.signal.evaluation");
  for (const char* name : {"semantic_router.signal.keyword", "semantic_router.signal.context",
                           "semantic_router.signal.language"}) {
    const auto s = t.Add(name, eval, 1, 2);
    t.Set(s, "signal.type", std::string("keyword"));
    t.Set(s, "signal.matched_rules", std::vector<std::string>{"code"});
    t.Set(s, "signal.confidence", 1.0);
    t.Set(s, "signal.latency_ms", int64_t{0});
  }
  const auto d = t.Add("semantic_router.decision.evaluation", eval, 2, 3);
  t.Set(d, "decision.name", std::string("code"));
  t.Set(d, "decision.confidence", 1.0);
  t.Set(d, "decision.matched_rules", std::vector<std::string>{"keyword:code", "language:en"});
  t.Set(d, "decision.strategy", std::string("static"));
  t.Set(d, "routing.selected_model", std::string("coder"));
  t.End(eval);
  for (const char* phase : {"routed", "forward", "response"}) {
    const auto p = t.Begin("semantic_router.plugin.execution");
    t.End(p);
    t.Set(p, "plugin.type", std::string("router_replay"));
    t.Set(p, "plugin.decision", std::string("code"));
    t.Set(p, "plugin.phase", std::string(phase));
    t.Set(p, "plugin.status", std::string("success"));
    t.Set(p, "plugin.latency_ms", int64_t{0});
  }
  const auto up = t.Begin("semantic_router.upstream.request", root, SpanKind::kClient);
  t.Set(up, "model.name", std::string("coder"));
  t.Set(up, "endpoint.name", std::string("sim"));
  t.Set(up, "endpoint.address", std::string("127.0.0.1:8000"));
  benchmark::DoNotOptimize(t.TraceParentFor(up));
  t.Set(up, "http.status_code", int64_t{200});
  t.Set(up, "model.token_count_prompt", int64_t{40});
  t.Set(up, "model.token_count_completion", int64_t{16});
  t.End(up);
  t.Set(root, "http.status_code", int64_t{200});
  t.Set(root, "decision.name", std::string("code"));
  t.End(root);
  return t.Take();
}

// Recycled as Tracer::Finish does: the next trace reuses its buffers.
void BM_BuildRequestTrace(benchmark::State& state) {
  for (auto _ : state) {
    TraceData trace = OneRequest();
    benchmark::DoNotOptimize(trace.spans.data());
    RequestTrace::Recycle(std::move(trace));
  }
  state.counters["spans_per_request"] = static_cast<double>(OneRequest().spans.size());
}
BENCHMARK(BM_BuildRequestTrace);

// A request's spans encoded where the request ends (TraceExporter::Submit, called by
// Tracer::Finish), in each OTLP encoding, into a batch buffer that already holds spans.
void EncodeSpansOfARequest(benchmark::State& state, vsr::observability::OtlpEncoding encoding) {
  const TraceData trace = OneRequest();
  std::string batch;  // reused, as the exporter's are
  size_t bytes = 0;
  for (auto _ : state) {
    batch.assign(64, '\0');
    AppendSpans(encoding, trace, false, batch);
    bytes = batch.size() - 64;
    benchmark::DoNotOptimize(batch.data());
  }
  state.counters["bytes_per_request"] = static_cast<double>(bytes);
}
void BM_EncodeSpansProtobuf(benchmark::State& state) {
  EncodeSpansOfARequest(state, vsr::observability::OtlpEncoding::kProtobuf);
}
void BM_EncodeSpansJson(benchmark::State& state) {
  EncodeSpansOfARequest(state, vsr::observability::OtlpEncoding::kJson);
}
BENCHMARK(BM_EncodeSpansProtobuf);
BENCHMARK(BM_EncodeSpansJson);

// A batch of 200 requests (up to 2,048 spans go at a time) filled and sealed for the
// collector, per request: the encoding above plus the batch's share of the envelope.
void JoinBatch(benchmark::State& state, vsr::observability::OtlpEncoding encoding) {
  const TraceData trace = OneRequest();
  const vsr::observability::TraceResource resource{"vllm-sr", "v0.3.0", ""};
  const size_t headroom = BatchHeadroom(encoding, resource);
  std::string batch;
  for (auto _ : state) {
    batch.assign(headroom, '\0');
    for (int i = 0; i < 200; ++i) AppendSpans(encoding, trace, i == 0, batch);
    benchmark::DoNotOptimize(SealBatch(encoding, resource, headroom, batch).data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 200);
}
void BM_JoinBatchProtobuf(benchmark::State& state) {
  JoinBatch(state, vsr::observability::OtlpEncoding::kProtobuf);
}
void BM_JoinBatchJson(benchmark::State& state) {
  JoinBatch(state, vsr::observability::OtlpEncoding::kJson);
}
BENCHMARK(BM_JoinBatchProtobuf);
BENCHMARK(BM_JoinBatchJson);

}  // namespace
