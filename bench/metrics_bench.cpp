// What Prometheus metrics cost per request, without the network: the updates the data plane
// makes for one routed, completed request (routing: latency, decision, three signals; request;
// completion: latencies and tokens), and rendering /metrics. Run:
// build/release/bench/metrics_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include "config/config.h"
#include "observability/router_metrics.h"

namespace {

using vsr::observability::CompletionSample;
using vsr::observability::RouterMetrics;

struct OneRequest {
  vsr::config::Decision decision;
  vsr::routing::RoutingResult result;
  CompletionSample sample;
  vsr::config::ModelPricing pricing;

  OneRequest() {
    decision.name = "code";
    result.decision = &decision;
    result.decision_confidence = 1;
    result.selected_model = "coder";
    result.selection_method = "static";
    for (auto family : {vsr::signals::Family::kKeyword, vsr::signals::Family::kContext,
                        vsr::signals::Family::kLanguage}) {
      result.signals.MarkEvaluated(family);
      result.signals.Of(family).output.execution_ms = 0.004;
    }
    result.signals.Of(vsr::signals::Family::kKeyword).output.matched = {"code"};
    result.signals.Of(vsr::signals::Family::kLanguage).output.matched = {"en"};
    sample.model = "coder";
    sample.status = 200;
    sample.ttft_s = 0.0004;
    sample.completion_s = 0.0005;
    sample.prompt_tokens = 25;
    sample.completion_tokens = 16;
  }
};

void BM_RecordRequestMetrics(benchmark::State& state) {
  RouterMetrics metrics;
  OneRequest r;
  for (auto _ : state) {
    metrics.RecordRouting(r.result, 0.00002);
    metrics.RecordRequest(r.sample.model);
    metrics.RecordCompletion(r.sample, &r.pricing);
  }
}
BENCHMARK(BM_RecordRequestMetrics);

void BM_RenderMetrics(benchmark::State& state) {
  RouterMetrics metrics;
  OneRequest r;
  metrics.RecordRouting(r.result, 0.00002);
  metrics.RecordRequest(r.sample.model);
  metrics.RecordCompletion(r.sample, &r.pricing);
  for (auto _ : state) benchmark::DoNotOptimize(metrics.Render());
}
BENCHMARK(BM_RenderMetrics);

}  // namespace
