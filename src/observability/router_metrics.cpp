#include "observability/router_metrics.h"

#include <array>
#include <atomic>
#include <bitset>
#include <cstdlib>
#include <cstring>

namespace vsr::observability {

namespace {

const std::vector<double>& TokenBuckets() {
  static const std::vector<double> kBuckets = {0,   8,    16,   32,   64,   128,  256,
                                               512, 1024, 2048, 4096, 8192, 16384};
  return kBuckets;
}

}  // namespace

RouterMetrics::RouterMetrics()
    : id_([] {
        static std::atomic<uint64_t> next{1};
        return next.fetch_add(1);
      }()),
      requests_(registry_.Counter("llm_model_requests_total",
                                  "The total number of requests made to each LLM model",
                                  {"model"})),
      errors_(registry_.Counter("llm_request_errors_total",
                                "The total number of request errors categorized by reason",
                                {"model", "reason"})),
      cost_(registry_.Counter("llm_model_cost_total",
                              "The total cost attributed to each LLM model, labeled by currency",
                              {"model", "currency"})),
      tokens_(registry_.Counter("llm_model_tokens_total",
                                "The total number of tokens used by each LLM model", {"model"})),
      prompt_tokens_(registry_.Counter("llm_model_prompt_tokens_total",
                                       "The total number of prompt tokens used by each LLM model",
                                       {"model"})),
      completion_tokens_(registry_.Counter(
          "llm_model_completion_tokens_total",
          "The total number of completion tokens used by each LLM model", {"model"})),
      prompt_per_request_(registry_.Histogram("llm_prompt_tokens_per_request",
                                              "Distribution of prompt tokens per request by model",
                                              {"model"}, TokenBuckets())),
      completion_per_request_(registry_.Histogram(
          "llm_completion_tokens_per_request",
          "Distribution of completion tokens per request by model", {"model"}, TokenBuckets())),
      completion_latency_(registry_.Histogram("llm_model_completion_latency_seconds",
                                              "The latency of LLM model completions in seconds",
                                              {"model"}, DefaultBuckets())),
      ttft_(registry_.Histogram("llm_model_ttft_seconds",
                                "Time to first token for LLM model responses in seconds", {"model"},
                                DefaultBuckets())),
      tpot_(registry_.Histogram("llm_model_tpot_seconds",
                                "Time per output token (completion latency / completion tokens) "
                                "for LLM model responses in seconds",
                                {"model"}, DefaultBuckets())),
      routing_latency_(registry_.Histogram("llm_model_routing_latency_seconds",
                                           "The latency of model routing operations in seconds", {},
                                           DefaultBuckets())),
      signal_latency_(registry_.Histogram("llm_signal_extraction_latency_seconds",
                                          "Latency of signal extraction in seconds",
                                          {"signal_type"}, DefaultBuckets())),
      signal_match_(registry_.Counter("llm_signal_match_total", "Total number of signal matches",
                                      {"signal_type", "signal_name"})),
      decision_evaluations_(registry_.Counter("llm_decision_evaluation_total",
                                              "Total number of decision evaluations", {})),
      decision_match_(registry_.Counter("llm_decision_match_total",
                                        "Total number of decision matches", {"decision_name"})),
      decision_confidence_(registry_.Histogram(
          "llm_decision_confidence", "Confidence of matched decisions", {"decision_name"},
          {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0})),
      selection_(registry_.Counter("llm_model_selection_total",
                                   "Total number of model selections by method",
                                   {"method", "model", "decision", "tier"})),
      cache_hits_(registry_.Counter("llm_cache_plugin_hits_total",
                                    "The total number of cache hits by decision and plugin type",
                                    {"decision_name", "plugin_type"})),
      cache_misses_(
          registry_.Counter("llm_cache_plugin_misses_total",
                            "The total number of cache misses by decision and plugin type",
                            {"decision_name", "plugin_type"})),
      cache_operations_(registry_.Counter("llm_cache_operations_total",
                                          "The total number of cache operations",
                                          {"backend", "operation", "status"})),
      cache_duration_(registry_.Histogram("llm_cache_operation_duration_seconds",
                                          "The duration of cache operations in seconds",
                                          {"backend", "operation"}, DefaultBuckets())),
      cache_entries_(registry_.Gauge("llm_cache_entries_total",
                                     "The total number of entries in the cache", {"backend"})),
      plugin_executions_(
          registry_.Counter("llm_plugin_execution_total",
                            "Total number of plugin executions by type, decision, and status",
                            {"plugin_type", "decision_name", "status"})),
      plugin_latency_(registry_.Histogram("llm_plugin_execution_latency_seconds",
                                          "Latency of plugin execution by type in seconds",
                                          {"plugin_type"}, DefaultBuckets())),
      plugin_errors_(registry_.Counter("llm_plugin_execution_errors_total",
                                       "Total number of plugin execution errors by type and reason",
                                       {"plugin_type", "error_reason"})),
      hallucination_latency_(registry_.Histogram(
          "llm_hallucination_detection_latency_seconds",
          "The latency of hallucination detection operations in seconds", {}, DefaultBuckets())),
      unverified_factual_(registry_.Counter("llm_unverified_factual_responses_total",
                                            "The total number of factual responses that could not "
                                            "be verified due to missing tool context",
                                            {})),
      rag_attempts_(registry_.Counter("rag_retrieval_attempts_total",
                                      "Total number of RAG retrieval attempts",
                                      {"backend", "decision", "status"})),
      rag_latency_(registry_.Histogram("rag_retrieval_latency_seconds",
                                       "RAG retrieval latency in seconds", {"backend", "decision"},
                                       {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0})),
      rag_similarity_(registry_.Gauge("rag_similarity_score",
                                      "Average similarity score of retrieved documents",
                                      {"backend", "decision"})),
      rag_context_(registry_.Histogram(
          "rag_context_length_chars", "Length of retrieved context in characters",
          {"backend", "decision"}, {100, 500, 1000, 2000, 5000, 10000, 20000})),
      rag_cache_hits_(
          registry_.Counter("rag_cache_hits_total", "Total number of RAG cache hits", {"backend"})),
      rag_cache_misses_(registry_.Counter("rag_cache_misses_total",
                                          "Total number of RAG cache misses", {"backend"})),
      image_gen_requests_(registry_.Counter("image_gen_requests_total",
                                            "Total number of image generation requests",
                                            {"backend", "status"})),
      image_gen_latency_(registry_.Histogram("image_gen_latency_seconds",
                                             "Image generation latency in seconds", {"backend"},
                                             {1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0})) {}

void RouterMetrics::RecordCacheLookup(const std::string& backend, const std::string& decision,
                                      bool hit, double seconds) {
  (hit ? cache_hits_ : cache_misses_).Add({decision, "semantic-cache"});
  cache_operations_.Add({backend, "find_similar", hit ? "hit" : "miss"});
  cache_duration_.Observe({backend, "find_similar"}, seconds);
}

void RouterMetrics::RecordPluginExecution(const std::string& plugin, const std::string& decision,
                                          const std::string& status, double seconds) {
  plugin_executions_.Add({plugin, decision, status});
  plugin_latency_.Observe({plugin}, seconds);
}

void RouterMetrics::RecordPluginError(const std::string& plugin, const std::string& reason) {
  plugin_errors_.Add({plugin, reason});
}

void RouterMetrics::RecordHallucinationDetection(double seconds) {
  hallucination_latency_.Observe({}, seconds);
}

void RouterMetrics::RecordUnverifiedFactualResponse() {
  unverified_factual_.Add({});
}

void RouterMetrics::RecordRagRetrieval(const std::string& backend, const std::string& decision,
                                       const std::string& status, double seconds) {
  rag_attempts_.Add({backend, decision, status});
  rag_latency_.Observe({backend, decision}, seconds);
}

void RouterMetrics::RecordRagContext(const std::string& backend, const std::string& decision,
                                     size_t chars, double similarity) {
  rag_context_.Observe({backend, decision}, static_cast<double>(chars));
  if (similarity > 0) rag_similarity_.Set({backend, decision}, similarity);
}

void RouterMetrics::RecordRagCache(const std::string& backend, bool hit) {
  (hit ? rag_cache_hits_ : rag_cache_misses_).Add({backend});
}

void RouterMetrics::RecordImageGen(const std::string& backend, bool ok, double seconds) {
  image_gen_requests_.Add({backend, ok ? "success" : "error"});
  if (seconds > 0) image_gen_latency_.Observe({backend}, seconds);
}

void RouterMetrics::RecordCacheStore(const std::string& backend, double seconds, size_t entries) {
  cache_operations_.Add({backend, "add_entry", "success"});
  cache_duration_.Observe({backend, "add_entry"}, seconds);
  cache_entries_.Set({backend}, static_cast<double>(entries));
}

// The series routing updates, in the calling thread's slot: those without labels, each signal
// family's latency, and the last few matched rules and decisions (with the model they selected).
// A request's routing made about ten lookups, each hashing its label values and comparing them
// with a series' in the arena (~2k instructions); they are the same series request after
// request, so each thread resolves them once and then updates them with no lookup, as
// CompletionSeries does for a completion's model.
struct RouterMetrics::RoutingSeries {
  uint64_t metrics = 0;  // the RouterMetrics' id_ (0: nothing resolved)
  detail::Series *latency = nullptr, *evaluations = nullptr;
  std::array<detail::Series*, signals::kFamilyCount> signal_latency{};
  std::bitset<signals::kFamilyCount> latency_resolved;  // a null series is a full family
  struct Match {
    bool used = false;
    signals::Family family{};
    std::string name;
    detail::Series* series = nullptr;
  };
  std::array<Match, 8> matches;  // a request matches a rule or two of a few families
  size_t next_match = 0;         // the entry replaced next
  struct Decision {
    bool used = false, has_decision = false;
    std::string name, method, model;
    int tier = 0;
    detail::Series *match = nullptr, *confidence = nullptr, *selection = nullptr;
  };
  std::array<Decision, 4> decisions;  // traffic routes through a few decisions at a time
  size_t next_decision = 0;
};

RouterMetrics::RoutingSeries& RouterMetrics::RoutingSeriesOfThread() {
  thread_local RoutingSeries series;
  if (series.metrics != id_) {
    series = RoutingSeries();
    series.metrics = id_;
    series.latency = routing_latency_.SeriesOf({});
    series.evaluations = decision_evaluations_.SeriesOf({});
  }
  return series;
}

void RouterMetrics::RecordRouting(const routing::RoutingResult& r, double seconds) {
  UpdateBatch batch(registry_);  // the series below are this thread's, its slot locked
  RoutingSeries& cached = RoutingSeriesOfThread();
  routing_latency_.Observe(cached.latency, seconds);
  CounterFamily::Add(cached.evaluations, 1);
  r.signals.ForEachReported(
      [&](const signals::FamilyNames& names, const routing::FamilyResult& fr) {
        if (!fr.evaluated) return;
        const auto f = static_cast<size_t>(names.family);
        if (!cached.latency_resolved[f]) {
          cached.signal_latency[f] = signal_latency_.SeriesOf({names.leaf_type});
          cached.latency_resolved[f] = true;
        }
        signal_latency_.Observe(cached.signal_latency[f], fr.output.execution_ms / 1000.0);
        for (const std::string& name : fr.output.matched) {
          RoutingSeries::Match* m = nullptr;
          for (RoutingSeries::Match& e : cached.matches) {
            if (e.used && e.family == names.family && e.name == name) m = &e;
          }
          if (m == nullptr) {
            m = &cached.matches[cached.next_match++ % cached.matches.size()];
            *m = {true, names.family, name, signal_match_.SeriesOf({names.leaf_type, name})};
          }
          CounterFamily::Add(m->series, 1);
        }
      });
  const bool has_decision = r.decision != nullptr;
  const std::string_view name = has_decision ? std::string_view(r.decision->name) : "";
  const int tier = has_decision ? r.decision->tier : 0;
  RoutingSeries::Decision* d = nullptr;
  for (RoutingSeries::Decision& e : cached.decisions) {
    if (e.used && e.has_decision == has_decision && e.name == name && e.tier == tier &&
        e.method == r.selection_method && e.model == r.selected_model) {
      d = &e;
    }
  }
  if (d == nullptr) {
    d = &cached.decisions[cached.next_decision++ % cached.decisions.size()];
    *d = {true, has_decision, std::string(name), r.selection_method, r.selected_model, tier};
    if (has_decision) {
      d->match = decision_match_.SeriesOf({name});
      d->confidence = decision_confidence_.SeriesOf({name});
    }
    if (!r.selected_model.empty()) {
      d->selection =
          selection_.SeriesOf({r.selection_method, r.selected_model, name, std::to_string(tier)});
    }
  }
  if (has_decision) {
    CounterFamily::Add(d->match, 1);
    decision_confidence_.Observe(d->confidence, r.decision_confidence);
  }
  CounterFamily::Add(d->selection, 1);
}

void RouterMetrics::RecordRequest(const std::string& model) {
  requests_.Add({model});
}

void RouterMetrics::RecordError(const std::string& model, const std::string& reason) {
  errors_.Add({model, reason});
}

// The eight series a completion updates with its model as their label, in the calling thread's
// slot. A request's completion updated them through eight lookups (hash the model, probe,
// compare); they are the same series on every request of a model, so each thread resolves them
// once per model and keeps them in a small cache.
struct RouterMetrics::ModelSeries {
  uint64_t metrics = 0;  // the RouterMetrics' id_ (0: an empty entry)
  std::string model;
  detail::Series *latency = nullptr, *ttft = nullptr, *prompt_tokens = nullptr,
                 *prompt_per_request = nullptr, *completion_tokens = nullptr,
                 *completion_per_request = nullptr, *tpot = nullptr, *tokens = nullptr;
};

const RouterMetrics::ModelSeries& RouterMetrics::CompletionSeries(const std::string& model) {
  thread_local std::array<ModelSeries, 4> cache;  // a fleet routes to a few models at a time
  thread_local size_t next = 0;                   // the entry replaced next
  for (const ModelSeries& m : cache) {
    if (m.metrics == id_ && m.model == model) return m;
  }
  ModelSeries& m = cache[next++ % cache.size()];
  m.metrics = id_;
  m.model = model;
  m.latency = completion_latency_.SeriesOf({model});
  m.ttft = ttft_.SeriesOf({model});
  m.prompt_tokens = prompt_tokens_.SeriesOf({model});
  m.prompt_per_request = prompt_per_request_.SeriesOf({model});
  m.completion_tokens = completion_tokens_.SeriesOf({model});
  m.completion_per_request = completion_per_request_.SeriesOf({model});
  m.tpot = tpot_.SeriesOf({model});
  m.tokens = tokens_.SeriesOf({model});
  return m;
}

void RouterMetrics::RecordCompletion(const CompletionSample& s,
                                     const config::ModelPricing* pricing) {
  UpdateBatch batch(registry_);  // the series below are updated with this thread's slot locked
  if (!s.error_reason.empty()) RecordError(s.model, s.error_reason);
  if (s.status < 200 || s.status >= 300) return;
  const ModelSeries& m = CompletionSeries(s.model);
  completion_latency_.Observe(m.latency, s.completion_s);
  ttft_.Observe(m.ttft, s.ttft_s);
  if (s.prompt_tokens >= 0) {
    CounterFamily::Add(m.prompt_tokens, static_cast<double>(s.prompt_tokens));
    prompt_per_request_.Observe(m.prompt_per_request, static_cast<double>(s.prompt_tokens));
  }
  if (s.completion_tokens >= 0) {
    CounterFamily::Add(m.completion_tokens, static_cast<double>(s.completion_tokens));
    completion_per_request_.Observe(m.completion_per_request,
                                    static_cast<double>(s.completion_tokens));
    if (s.completion_tokens > 0) {
      tpot_.Observe(m.tpot, s.completion_s / static_cast<double>(s.completion_tokens));
    }
  }
  const int64_t total =
      std::max<int64_t>(0, s.prompt_tokens) + std::max<int64_t>(0, s.completion_tokens);
  if (total > 0) CounterFamily::Add(m.tokens, static_cast<double>(total));
  if (pricing != nullptr && (pricing->prompt_per_1m > 0 || pricing->completion_per_1m > 0)) {
    const double cost = (std::max<int64_t>(0, s.prompt_tokens) * pricing->prompt_per_1m +
                         std::max<int64_t>(0, s.completion_tokens) * pricing->completion_per_1m) /
                        1e6;
    cost_.Add({s.model, pricing->currency.empty() ? "USD" : pricing->currency}, cost);
  }
}

int64_t LastIntegerField(std::string_view text, std::string_view key) {
  // The key's last occurrence as `"<key>":`, found from its closing quote and colon: each
  // candidate is a memrchr step, where rfind compared the whole key at every position.
  size_t i = std::string_view::npos;
  for (size_t end = text.size(); end > 0;) {
    const void* hit = memrchr(text.data(), ':', end);
    if (hit == nullptr) break;
    const size_t colon = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    end = colon;
    if (colon >= key.size() + 2 && text[colon - 1] == '"' && text[colon - key.size() - 2] == '"' &&
        text.substr(colon - key.size() - 1, key.size()) == key) {
      i = colon + 1;
      break;
    }
  }
  if (i == std::string_view::npos) return -1;
  while (i < text.size() && text[i] == ' ') ++i;
  int64_t v = 0;
  bool any = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    v = v * 10 + (text[i] - '0');
    any = true;
    ++i;
  }
  return any ? v : -1;
}

}  // namespace vsr::observability
