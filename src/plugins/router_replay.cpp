#include "plugins/router_replay.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/unix_time.h"
#include "common/utf8.h"

namespace vsr::plugins {

namespace json = boost::json;

std::optional<config::RouterReplayPluginConfig> EffectiveReplayConfig(
    const config::Config& config, const config::Decision& decision) {
  config::RouterReplayPluginConfig effective;
  bool enabled = config.global.services.router_replay.enabled;
  for (const config::PluginSpec& spec : decision.plugins) {
    if (const auto* own = std::get_if<config::RouterReplayPluginConfig>(&spec.config)) {
      effective = *own;
      enabled = own->enabled.value_or(enabled);
      break;
    }
  }
  if (!enabled) return std::nullopt;
  effective.enabled = true;
  return effective;
}

namespace {

size_t MaxBodyBytes(const config::RouterReplayPluginConfig& cfg) {
  return static_cast<size_t>(cfg.max_body_bytes > 0 ? cfg.max_body_bytes : 4096);
}

// Cuts at max_bytes without splitting a UTF-8 sequence (records are JSON strings).
std::string_view Bounded(std::string_view text, size_t max_bytes, bool& truncated) {
  truncated = text.size() > max_bytes;
  return utf8::Prefix(text, max_bytes);
}

// The most expensive priced model: upstream's baseline for "what routing saved".
const config::ProviderModel* Baseline(const config::Config& cfg) {
  const config::ProviderModel* best = nullptr;
  double best_rate = 0;
  for (const config::ProviderModel& m : cfg.providers.models) {
    const double rate = m.pricing.prompt_per_1m + m.pricing.completion_per_1m;
    if (rate > best_rate) {
      best = &m;
      best_rate = rate;
    }
  }
  return best;
}

// Views into ctx, response and config.
void AddUsageAndCost(const RequestContext& ctx, const ResponseContext& response,
                     replay::OutcomeFieldsView& r) {
  const int64_t prompt = std::max(0, response.prompt_tokens);
  const int64_t completion = std::max(0, response.completion_tokens);
  if (prompt + completion == 0) return;
  r.prompt_tokens = prompt;
  r.completion_tokens = completion;
  r.total_tokens = prompt + completion;
  const config::Config& cfg = *ctx.config;
  const config::ProviderModel* selected = nullptr;
  for (const config::ProviderModel& m : cfg.providers.models) {
    if (m.name == ctx.selected_model) selected = &m;
  }
  const config::ProviderModel* baseline = Baseline(cfg);
  if (selected == nullptr || baseline == nullptr) return;
  const auto cost = [&](const config::ModelPricing& p) {
    return (static_cast<double>(prompt) * p.prompt_per_1m +
            static_cast<double>(completion) * p.completion_per_1m) /
           1e6;
  };
  r.actual_cost = cost(selected->pricing);
  r.baseline_cost = cost(baseline->pricing);
  r.cost_savings = *r.baseline_cost - *r.actual_cost;
  std::string_view currency = selected->pricing.currency;
  if (currency.empty()) currency = baseline->pricing.currency;
  r.currency = currency.empty() ? std::string_view("USD") : currency;
  r.baseline_model = baseline->name;
}

// What is known once the request is routed, as views into `ctx` and into `own`, which holds
// what is made here (the record's id, the request's tools as JSON). For a forwarded request this
// is recorded before its body goes to the backend (the body is read here, while it is still ours).
struct OwnFields {
  std::string id = replay::NewReplayId();
  std::string tool_definitions;
};
replay::RequestFieldsView RequestPart(const RequestContext& ctx,
                                      const config::RouterReplayPluginConfig& cfg, OwnFields& own) {
  replay::RequestFieldsView r;
  r.id = own.id;
  r.timestamp_ns = UnixNanos();
  r.request_id = ctx.request_id;
  if (ctx.request != nullptr) {
    if (const auto it = ctx.request->headers.find("x-session-id");
        it != ctx.request->headers.end()) {
      r.session_id = it->second;
    }
    // max_tool_trace_bytes bounds the structured text fields (0: no bound), as upstream's.
    r.prompt = ctx.request->current_user_text;
    if (cfg.max_tool_trace_bytes > 0) {
      r.prompt =
          Bounded(r.prompt, static_cast<size_t>(cfg.max_tool_trace_bytes), r.prompt_truncated);
    }
  }
  if (ctx.decision != nullptr) {
    r.decision = ctx.decision->name;
    r.decision_tier = ctx.decision->tier;
    r.decision_priority = ctx.decision->priority;
  }
  r.original_model = ctx.requested_model;
  r.selected_model = ctx.selected_model.empty() ? ctx.requested_model : ctx.selected_model;
  r.reasoning_mode = ctx.reasoning ? "on" : "off";
  if (ctx.routing != nullptr) {
    const routing::RoutingResult& routing = *ctx.routing;
    r.category = routing.category;
    r.confidence_score = routing.decision_confidence;
    r.selection_method = routing.selection_method;
    routing.signals.ForEachReported(
        [&](const signals::FamilyNames& names, const routing::FamilyResult& fr) {
          if (fr.evaluated && !fr.output.matched.empty()) {
            r.signals.emplace_back(names.leaf_type, &fr.output.matched);
          }
        });
    r.projections = routing.signals.projection_matches;
    r.projection_scores = &routing.signals.projection_scores;
    r.signal_confidences = &routing.signals.confidences;
  }
  if (ctx.decision != nullptr) {  // only matched families have an entry in r.signals
    const auto has = [&r](std::string_view key) {
      return std::any_of(r.signals.begin(), r.signals.end(),
                         [key](const auto& s) { return s.first == key; });
    };
    r.jailbreak_enabled = has("jailbreak");
    r.pii_enabled = has("pii");
    r.guardrails_enabled = r.jailbreak_enabled || r.pii_enabled;
  }
  if (cfg.capture_request_body) {
    r.request_body = Bounded(ctx.original_body, MaxBodyBytes(cfg), r.request_body_truncated);
  }
  if (ctx.readable_body != nullptr) {
    if (const json::value* tools = ctx.readable_body->if_contains("tools");
        tools && !tools->is_null()) {
      own.tool_definitions = CompactJson(*tools);
      r.tool_definitions = own.tool_definitions;
      if (cfg.max_tool_trace_bytes > 0) {
        r.tool_definitions =
            Bounded(r.tool_definitions, static_cast<size_t>(cfg.max_tool_trace_bytes),
                    r.tool_definitions_truncated);
      }
    }
  }
  r.streaming = ctx.stream;
  return r;
}

// How the request ended: the record's outcome fields (replay/record_codec.h), all of them, so
// that the store's Complete can set them on the record OnForward stored.
replay::OutcomeFieldsView OutcomePart(const RequestContext& ctx, const ResponseContext& response,
                                      const config::RouterReplayPluginConfig& cfg) {
  replay::OutcomeFieldsView r;
  if (cfg.capture_response_body) {
    r.response_body = Bounded(response.completion, MaxBodyBytes(cfg), r.response_body_truncated);
  }
  r.response_status = response.status;
  r.response_jailbreak_detected = ctx.response_jailbreak_detected;
  r.response_jailbreak_type = ctx.response_jailbreak_type;
  r.response_jailbreak_confidence = ctx.response_jailbreak_confidence;
  r.rag_enabled = !ctx.rag_backend.empty();
  r.rag_backend = ctx.rag_backend;
  r.rag_context_length = static_cast<int>(ctx.rag_context.size());
  r.rag_similarity_score = ctx.rag_similarity;
  r.hallucination_enabled = ctx.hallucination_enabled;
  r.hallucination_detected = ctx.hallucination_detected;
  r.hallucination_confidence = ctx.hallucination_confidence;
  r.hallucination_spans = ctx.hallucination_spans;
  r.from_cache = response.from_cache;
  r.streaming = response.streamed || ctx.stream;
  r.latency_ms = response.latency_ms;
  AddUsageAndCost(ctx, response, r);
  return r;
}

}  // namespace

void RouterReplayPlugin::OnForward(RequestContext& ctx) {
  // Recorded now (as upstream does), so the id the client gets in x-vsr-replay-id names a
  // record from the first byte of the answer on; OnResponse completes it.
  OwnFields own;
  const replay::RequestFieldsView fields = RequestPart(ctx, cfg_, own);
  store_->AddPacked(fields.decision, fields.timestamp_ns, replay::PackRequestFields(fields),
                    max_records());
  ctx.replay_id = std::move(own.id);
}

void RouterReplayPlugin::OnResponse(const RequestContext& ctx, const ResponseContext& response) {
  const replay::OutcomeFieldsView outcome = OutcomePart(ctx, response, cfg_);
  if (!ctx.replay_id.empty() &&
      store_->Complete(ctx.replay_id, replay::PackOutcomeFields(outcome))) {
    return;
  }
  // Answered before forwarding (fast_response, a cache hit), or evicted meanwhile: the whole
  // record, packed once.
  OwnFields own;
  const replay::RequestFieldsView fields = RequestPart(ctx, cfg_, own);
  store_->AddPacked(fields.decision, fields.timestamp_ns, replay::PackRecordFields(fields, outcome),
                    max_records());
}

}  // namespace vsr::plugins
