// DecodeFields for routing: model cards, projections, session states, decisions, algorithms.
#include "common/go_template.h"
#include "config/decode_fields.h"

namespace vsr::config {

const std::vector<std::string>& AlgorithmTypeNames() {
  static const std::vector<std::string> kNames = {
      // shipped by the router (selection and looper)
      "static", "confidence", "ratings", "remom", "elo", "router_dc", "automix", "hybrid", "knn",
      "kmeans", "svm", "mlp", "gmtrouter", "latency_aware", "rl_driven",
      // also accepted by the upstream CLI
      "concurrent", "sequential", "thompson", "router_r1"};
  return kNames;
}

std::vector<std::string> Algorithm::ConfiguredBlocks() const {
  std::vector<std::string> out;
  if (confidence) out.emplace_back("confidence");
  if (ratings) out.emplace_back("ratings");
  if (remom) out.emplace_back("remom");
  if (elo) out.emplace_back("elo");
  if (router_dc) out.emplace_back("router_dc");
  if (automix) out.emplace_back("automix");
  if (hybrid) out.emplace_back("hybrid");
  if (rl_driven) out.emplace_back("rl_driven");
  if (gmtrouter) out.emplace_back("gmtrouter");
  if (latency_aware) out.emplace_back("latency_aware");
  if (knn) out.emplace_back("knn");
  if (kmeans) out.emplace_back("kmeans");
  if (svm) out.emplace_back("svm");
  if (mlp) out.emplace_back("mlp");
  return out;
}

void DecodeFields(MapReader& r, LoraAdapter& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
}

void DecodeFields(MapReader& r, ModelCard& v) {
  r.Required("name", v.name);
  r.Optional("param_size", v.param_size);
  r.Optional("context_window_size", v.context_window_size, IntAtLeast(1));
  r.Optional("description", v.description);
  r.Optional("capabilities", v.capabilities);
  r.Optional("loras", v.loras);
  r.Optional("quality_score", v.quality_score, UnitInterval());
  r.Optional("modality", v.modality, OneOf({"ar", "omni", "diffusion"}));
  r.Optional("tags", v.tags);
}

void DecodeFields(MapReader& r, ProjectionPartition& v) {
  r.Required("name", v.name);
  r.Required("semantics", v.semantics, OneOf({"exclusive", "softmax_exclusive"}));
  r.Optional("temperature", v.temperature, AtLeast(0));
  r.Required("members", v.members);
  r.Optional("default", v.default_);
}

void DecodeFields(MapReader& r, ProjectionScoreInput& v) {
  r.Required("type", v.type);
  r.Optional("name", v.name);
  r.Optional("kb", v.kb);
  r.Optional("metric", v.metric);
  r.Required("weight", v.weight);
  r.Optional("value_source", v.value_source, OneOf({"binary", "confidence", "raw", "score"}));
  r.Optional("match", v.match);
  r.Optional("miss", v.miss);
}

void DecodeFields(MapReader& r, ProjectionScore& v) {
  r.Required("name", v.name);
  r.Required("method", v.method, OneOf({"weighted_sum"}));
  r.Required("inputs", v.inputs);
}

void DecodeFields(MapReader& r, ProjectionCalibration& v) {
  r.Required("method", v.method, OneOf({"sigmoid_distance"}));
  r.Optional("slope", v.slope, AtLeast(0));
}

void DecodeFields(MapReader& r, ProjectionOutput& v) {
  r.Required("name", v.name);
  r.Optional("lt", v.lt);
  r.Optional("lte", v.lte);
  r.Optional("gt", v.gt);
  r.Optional("gte", v.gte);
}

void DecodeFields(MapReader& r, ProjectionMapping& v) {
  r.Required("name", v.name);
  r.Required("source", v.source);
  r.Required("method", v.method, OneOf({"threshold_bands"}));
  r.Optional("calibration", v.calibration);
  r.Required("outputs", v.outputs);
}

void DecodeFields(MapReader& r, Projections& v) {
  r.Optional("partitions", v.partitions);
  r.Optional("scores", v.scores);
  r.Optional("mappings", v.mappings);
}

void DecodeFields(MapReader& r, SessionStateField& v) {
  r.Required("name", v.name);
  r.Required("type", v.type, OneOf({"int", "float", "string", "bool"}));
}

void DecodeFields(MapReader& r, SessionState& v) {
  r.Required("name", v.name);
  r.Optional("fields", v.fields);
}

void DecodeFields(MapReader& r, RuleNode& v) {
  r.Optional("type", v.type);
  r.Optional("name", v.name);
  r.Optional("operator", v.operator_, OneOfIgnoreCase({"AND", "OR", "NOT"}));
  r.Optional("conditions", v.conditions);
  if (!v.type.empty() && (!v.operator_.empty() || !v.conditions.empty())) {
    r.ctx().Error(r.path(),
                  "a condition has either 'type'/'name' (a signal) or 'operator'/'conditions' (a "
                  "group), not both",
                  "split it into a leaf {type, name} inside a group {operator, conditions}");
  } else if (!v.type.empty() && v.name.empty()) {
    r.ctx().Error(r.path(), "missing required field 'name'",
                  "name the signal this condition tests");
  }
}

void DecodeFields(MapReader& r, ModelRef& v) {
  r.Required("model", v.model);
  r.Optional("lora_name", v.lora_name);
  r.Optional("weight", v.weight, AtLeast(0));
  r.Optional("use_reasoning", v.use_reasoning);
  r.Optional("reasoning_description", v.reasoning_description);
  r.Optional("reasoning_effort", v.reasoning_effort, OneOf({"low", "medium", "high"}));
}

void DecodeFields(MapReader& r, HybridWeights& v) {
  r.Optional("logprob_weight", v.logprob_weight, UnitInterval());
  r.Optional("margin_weight", v.margin_weight, UnitInterval());
}

namespace {
const auto kOnError = [] { return OneOf({"skip", "fail", "fallback"}); };
}  // namespace

void DecodeFields(MapReader& r, ConfidenceAlgorithm& v) {
  r.Optional("confidence_method", v.confidence_method,
             OneOf({"avg_logprob", "margin", "hybrid", "self_verify", "automix_entailment"}));
  r.Optional("threshold", v.threshold);
  r.Optional("hybrid_weights", v.hybrid_weights);
  r.Optional("on_error", v.on_error, kOnError());
  r.Optional("escalation_order", v.escalation_order);
  r.Optional("cost_quality_tradeoff", v.cost_quality_tradeoff, UnitInterval());
  r.Optional("token_filter", v.token_filter);
  r.Optional("verifier_server_url", v.verifier_server_url);
  r.Optional("verifier_timeout_seconds", v.verifier_timeout_seconds, IntAtLeast(0));
}

void DecodeFields(MapReader& r, RatingsAlgorithm& v) {
  r.Optional("max_concurrent", v.max_concurrent, IntAtLeast(0));
  r.Optional("on_error", v.on_error, kOnError());
}

void DecodeFields(MapReader& r, RemomAlgorithm& v) {
  r.Optional("breadth_schedule", v.breadth_schedule);
  r.Optional("model_distribution", v.model_distribution,
             OneOf({"weighted", "equal", "first_only", "round_robin"}));
  r.Optional("temperature", v.temperature, AtLeast(0));
  r.Optional("include_reasoning", v.include_reasoning);
  r.Optional("compaction_strategy", v.compaction_strategy,
             OneOf({"full", "last_n_tokens", "summarize"}));
  r.Optional("compaction_tokens", v.compaction_tokens, IntAtLeast(0));
  r.Optional("synthesis_template", v.synthesis_template,
             [](const std::string& text) -> std::optional<Problem> {
               std::string error;
               if (GoTemplate::Parse(text, error)) return std::nullopt;
               return Problem{error,
                              "use Go template actions on .OriginalContent and "
                              ".ReferenceResponses (Model, Content, Reasoning), e.g. {{range $i, "
                              "$r := .ReferenceResponses}}{{add $i 1}}: {{$r.Content}}{{end}}"};
             });
  r.Optional("max_concurrent", v.max_concurrent, IntAtLeast(0));
  r.Optional("on_error", v.on_error, kOnError());
  r.Optional("shuffle_seed", v.shuffle_seed);
  r.Optional("include_intermediate_responses", v.include_intermediate_responses);
  r.Optional("max_responses_per_round", v.max_responses_per_round, IntAtLeast(0));
  r.Optional("synthesis_model", v.synthesis_model);
  r.Optional("max_completion_tokens", v.max_completion_tokens, IntAtLeast(0));
  r.Optional("round_timeout_seconds", v.round_timeout_seconds, IntAtLeast(0));
  r.Optional("min_successful_responses", v.min_successful_responses, IntAtLeast(0));
}

void DecodeFields(MapReader& r, EloSelection& v) {
  r.Optional("initial_rating", v.initial_rating);
  r.Optional("k_factor", v.k_factor, AtLeast(0));
  r.Optional("category_weighted", v.category_weighted);
  r.Optional("decay_factor", v.decay_factor, UnitInterval());
  r.Optional("min_comparisons", v.min_comparisons, IntAtLeast(0));
  r.Optional("cost_scaling_factor", v.cost_scaling_factor, AtLeast(0));
  r.Optional("storage_path", v.storage_path);
  r.Optional("auto_save_interval", v.auto_save_interval);
}

void DecodeFields(MapReader& r, RouterDcSelection& v) {
  r.Optional("temperature", v.temperature, AtLeast(0));
  r.Optional("dimension_size", v.dimension_size, IntAtLeast(0));
  r.Optional("min_similarity", v.min_similarity, Between(-1, 1));
  r.Optional("use_query_contrastive", v.use_query_contrastive);
  r.Optional("use_model_contrastive", v.use_model_contrastive);
  r.Optional("require_descriptions", v.require_descriptions);
  r.Optional("use_capabilities", v.use_capabilities);
}

void DecodeFields(MapReader& r, AutoMixSelection& v) {
  r.Optional("verification_threshold", v.verification_threshold, UnitInterval());
  r.Optional("max_escalations", v.max_escalations, IntAtLeast(0));
  r.Optional("cost_aware_routing", v.cost_aware_routing);
  r.Optional("cost_quality_tradeoff", v.cost_quality_tradeoff, UnitInterval());
  r.Optional("discount_factor", v.discount_factor, UnitInterval());
  r.Optional("use_logprob_verification", v.use_logprob_verification);
}

void DecodeFields(MapReader& r, HybridSelection& v) {
  r.Optional("elo_weight", v.elo_weight);
  r.Optional("experience_weight", v.elo_weight);  // upstream's later name for the same weight
  r.Optional("router_dc_weight", v.router_dc_weight);
  r.Optional("automix_weight", v.automix_weight);
  r.Optional("cost_weight", v.cost_weight);
  r.Optional("quality_gap_threshold", v.quality_gap_threshold, AtLeast(0));
  r.Optional("normalize_scores", v.normalize_scores);
}

void DecodeFields(MapReader& r, RlDrivenSelection& v) {
  r.Optional("exploration_rate", v.exploration_rate, UnitInterval());
  r.Optional("exploration_decay", v.exploration_decay, UnitInterval());
  r.Optional("min_exploration", v.min_exploration, UnitInterval());
  r.Optional("use_thompson_sampling", v.use_thompson_sampling);
  r.Optional("enable_personalization", v.enable_personalization);
  r.Optional("personalization_blend", v.personalization_blend, UnitInterval());
  r.Optional("session_context_weight", v.session_context_weight, UnitInterval());
  r.Optional("implicit_feedback_weight", v.implicit_feedback_weight, UnitInterval());
  r.Optional("cost_awareness", v.cost_awareness);
  r.Optional("cost_weight", v.cost_weight, AtLeast(0));
  r.Optional("storage_path", v.storage_path);
  r.Optional("auto_save_interval", v.auto_save_interval);
  r.Optional("use_router_r1_rewards", v.use_router_r1_rewards);
  r.Optional("cost_reward_alpha", v.cost_reward_alpha, UnitInterval());
  r.Optional("format_reward_penalty", v.format_reward_penalty);
  r.Optional("enable_llm_routing", v.enable_llm_routing);
  r.Optional("router_r1_server_url", v.router_r1_server_url);
  r.Optional("llm_routing_fallback", v.llm_routing_fallback, OneOf({"thompson", "error"}));
  r.Optional("enable_multi_round_aggregation", v.enable_multi_round_aggregation);
  r.Optional("max_aggregation_rounds", v.max_aggregation_rounds, IntAtLeast(0));
}

void DecodeFields(MapReader& r, GmtRouterSelection& v) {
  r.Optional("enable_personalization", v.enable_personalization);
  r.Optional("history_sample_size", v.history_sample_size, IntAtLeast(0));
  r.Optional("min_interactions_for_personalization", v.min_interactions_for_personalization,
             IntAtLeast(0));
  r.Optional("max_interactions_per_user", v.max_interactions_per_user, IntAtLeast(0));
  r.Optional("model_path", v.model_path);
  r.Optional("storage_path", v.storage_path);
  r.Optional("embedding_dimension", v.embedding_dimension, IntAtLeast(0));
  r.Optional("num_gnn_layers", v.num_gnn_layers, IntAtLeast(0));
  r.Optional("attention_heads", v.attention_heads, IntAtLeast(0));
  r.Optional("feedback_types", v.feedback_types);
}

void DecodeFields(MapReader& r, LatencyAwareAlgorithm& v) {
  r.Optional("tpot_percentile", v.tpot_percentile, IntBetween(0, 100));
  r.Optional("ttft_percentile", v.ttft_percentile, IntBetween(0, 100));
  r.Optional("description", v.description);
}

void DecodeFields(MapReader& r, MlAlgorithmBlock& v) {
  r.Optional("k", v.k, IntAtLeast(1));
  r.Optional("num_clusters", v.num_clusters, IntAtLeast(1));
  r.Optional("efficiency_weight", v.efficiency_weight, UnitInterval());
  r.Optional("kernel", v.kernel, OneOf({"linear", "rbf", "poly", "sigmoid"}));
  r.Optional("gamma", v.gamma, AtLeast(0));
  r.Optional("device", v.device, OneOf({"cpu", "cuda", "gpu"}));
  r.Optional("pretrained_path", v.pretrained_path);
}

void DecodeFields(MapReader& r, Algorithm& v) {
  r.Required("type", v.type, OneOf(AlgorithmTypeNames()));
  r.Optional("confidence", v.confidence);
  r.Optional("ratings", v.ratings);
  r.Optional("remom", v.remom);
  r.Optional("elo", v.elo);
  r.Optional("router_dc", v.router_dc);
  r.Optional("automix", v.automix);
  r.Optional("hybrid", v.hybrid);
  r.Optional("rl_driven", v.rl_driven);
  r.Optional("gmtrouter", v.gmtrouter);
  r.Optional("latency_aware", v.latency_aware);
  r.Optional("knn", v.knn);
  r.Optional("kmeans", v.kmeans);
  r.Optional("svm", v.svm);
  r.Optional("mlp", v.mlp);
  r.Optional("on_error", v.on_error, kOnError());
}

void DecodeFields(MapReader& r, CandidateIterationOutput& v) {
  r.Required("type", v.type, OneOf({"model"}));
  r.Optional("value", v.value);
}

void DecodeFields(MapReader& r, CandidateIteration& v) {
  r.Required("variable", v.variable);
  r.Required("source", v.source, OneOf({"decision.candidates", "models"}));
  r.Optional("models", v.models);
  r.Optional("outputs", v.outputs);
}

void DecodeFields(MapReader& r, Decision& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  r.Optional("priority", v.priority);
  r.Optional("tier", v.tier, IntAtLeast(0));
  r.Required("rules", v.rules);
  r.Optional("modelRefs", v.model_refs);
  r.Optional("algorithm", v.algorithm);
  r.Optional("plugins", v.plugins);
  r.Optional("candidateIterations", v.candidate_iterations);
}

void DecodeFields(MapReader& r, Routing& v) {
  r.Optional("modelCards", v.model_cards);
  r.Optional("signals", v.signals);
  r.Optional("projections", v.projections);
  r.Optional("decisions", v.decisions);
  r.Optional("session_states", v.session_states);
}

}  // namespace vsr::config
