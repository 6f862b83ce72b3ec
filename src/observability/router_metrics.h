// The router's metrics under upstream's names and labels (pkg/observability/metrics): what the
// data plane records per request and the metrics endpoint (:9190/metrics) renders.
#pragma once

#include <cstdint>
#include <string>

#include "observability/metrics_registry.h"
#include "routing/router.h"

namespace vsr::observability {

struct CompletionSample {
  std::string model;  // providers.models name
  int status = 0;
  bool streamed = false;
  double ttft_s = 0;           // first byte of the answer
  double completion_s = 0;     // whole answer
  int64_t prompt_tokens = -1;  // -1: the backend did not say
  int64_t completion_tokens = -1;
  std::string error_reason;  // llm_request_errors_total reason, "" when none
};

class RouterMetrics {
 public:
  RouterMetrics();
  void RecordRouting(const routing::RoutingResult& result, double seconds);
  void RecordRequest(const std::string& model);
  // Latencies, tokens, cost (from the model's pricing) and errors of one answer.
  void RecordCompletion(const CompletionSample& s, const config::ModelPricing* pricing);
  void RecordError(const std::string& model, const std::string& reason);
  // A decision's semantic-cache plugin looked a question up (and how long that took) in the
  // cache whose backend_type is `backend`.
  void RecordCacheLookup(const std::string& backend, const std::string& decision, bool hit,
                         double seconds = 0);
  // An answer was stored; `entries` is the cache's size after it.
  void RecordCacheStore(const std::string& backend, double seconds, size_t entries);
  // A plugin ran for a decision: status as upstream labels it (detected, not_detected, ...).
  void RecordPluginExecution(const std::string& plugin, const std::string& decision,
                             const std::string& status, double seconds);
  void RecordPluginError(const std::string& plugin, const std::string& reason);
  void RecordHallucinationDetection(double seconds);
  void RecordUnverifiedFactualResponse();
  // rag: one retrieval (status success | error | config_error), what it brought, its cache.
  void RecordRagRetrieval(const std::string& backend, const std::string& decision,
                          const std::string& status, double seconds);
  void RecordRagContext(const std::string& backend, const std::string& decision, size_t chars,
                        double similarity);
  void RecordRagCache(const std::string& backend, bool hit);
  // image_gen: one image generation (upstream's image_gen_requests_total, ..._latency_seconds).
  void RecordImageGen(const std::string& backend, bool ok, double seconds);
  std::string Render() const { return registry_.Render(); }

  Registry& registry() { return registry_; }

 private:
  struct ModelSeries;
  const ModelSeries& CompletionSeries(const std::string& model);
  struct RoutingSeries;
  RoutingSeries& RoutingSeriesOfThread();

  const uint64_t id_;  // tells this registry's series apart from another's in thread caches
  Registry registry_;
  CounterFamily& requests_;
  CounterFamily& errors_;
  CounterFamily& cost_;
  CounterFamily& tokens_;
  CounterFamily& prompt_tokens_;
  CounterFamily& completion_tokens_;
  HistogramFamily& prompt_per_request_;
  HistogramFamily& completion_per_request_;
  HistogramFamily& completion_latency_;
  HistogramFamily& ttft_;
  HistogramFamily& tpot_;
  HistogramFamily& routing_latency_;
  HistogramFamily& signal_latency_;
  CounterFamily& signal_match_;
  CounterFamily& decision_evaluations_;
  CounterFamily& decision_match_;
  HistogramFamily& decision_confidence_;
  CounterFamily& selection_;
  CounterFamily& cache_hits_;
  CounterFamily& cache_misses_;
  CounterFamily& cache_operations_;
  HistogramFamily& cache_duration_;
  GaugeFamily& cache_entries_;
  CounterFamily& plugin_executions_;
  HistogramFamily& plugin_latency_;
  CounterFamily& plugin_errors_;
  HistogramFamily& hallucination_latency_;
  CounterFamily& unverified_factual_;
  CounterFamily& rag_attempts_;
  HistogramFamily& rag_latency_;
  GaugeFamily& rag_similarity_;
  HistogramFamily& rag_context_;
  CounterFamily& rag_cache_hits_;
  CounterFamily& rag_cache_misses_;
  CounterFamily& image_gen_requests_;
  HistogramFamily& image_gen_latency_;
};

// Token counts from an answer in any of our formats (OpenAI usage, Anthropic/Responses usage):
// the last integer after `"<key>":` in `text`, or -1.
int64_t LastIntegerField(std::string_view text, std::string_view key);

}  // namespace vsr::observability
