// Typed v0.3 config: routing (modelCards, signals, projections, session_states, decisions).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/model_plugins.h"
#include "config/model_signals.h"

namespace vsr::config {

struct LoraAdapter {
  std::string name;
  std::string description;
};

struct ModelCard {
  std::string name;
  std::string param_size;
  int context_window_size = 0;
  std::string description;
  std::vector<std::string> capabilities;
  std::vector<LoraAdapter> loras;
  double quality_score = 0;
  std::string modality;  // ar | omni | diffusion
  std::vector<std::string> tags;
};

struct ProjectionPartition {
  std::string name;
  std::string semantics;  // exclusive | softmax_exclusive
  double temperature = 0;
  std::vector<std::string> members;
  std::string default_;
};

struct ProjectionScoreInput {
  std::string type;
  std::string name;
  std::string kb;
  std::string metric;
  double weight = 0;
  std::string value_source;  // binary | confidence | raw (kb_metric: score)
  std::optional<double> match;
  std::optional<double> miss;
};

struct ProjectionScore {
  std::string name;
  std::string method;  // weighted_sum
  std::vector<ProjectionScoreInput> inputs;
};

struct ProjectionCalibration {
  std::string method;  // sigmoid_distance
  double slope = 0;
};

struct ProjectionOutput {
  std::string name;
  std::optional<double> lt, lte, gt, gte;
};

struct ProjectionMapping {
  std::string name;
  std::string source;
  std::string method;  // threshold_bands
  std::optional<ProjectionCalibration> calibration;
  std::vector<ProjectionOutput> outputs;
};

struct Projections {
  std::vector<ProjectionPartition> partitions;
  std::vector<ProjectionScore> scores;
  std::vector<ProjectionMapping> mappings;
};

struct SessionStateField {
  std::string name;
  std::string type;  // int | float | string | bool
};

struct SessionState {
  std::string name;
  std::vector<SessionStateField> fields;
};

struct ModelRef {
  std::string model;
  std::string lora_name;
  double weight = 0;
  std::optional<bool> use_reasoning;
  std::string reasoning_description;
  std::string reasoning_effort;  // low | medium | high
};

struct HybridWeights {
  double logprob_weight = 0;
  double margin_weight = 0;
};

struct ConfidenceAlgorithm {
  std::string confidence_method;
  double threshold = 0;
  std::optional<HybridWeights> hybrid_weights;
  std::string on_error;
  std::string escalation_order;
  double cost_quality_tradeoff = 0;
  std::string token_filter;
  std::string verifier_server_url;  // automix_entailment's verifier (not implemented here)
  int verifier_timeout_seconds = 0;
};

struct RatingsAlgorithm {
  int max_concurrent = 0;
  std::string on_error;
};

struct RemomAlgorithm {
  std::vector<int> breadth_schedule;
  std::string model_distribution;
  double temperature = 0;
  bool include_reasoning = false;
  std::string compaction_strategy;
  int compaction_tokens = 0;
  std::string synthesis_template;
  int max_concurrent = 0;
  std::string on_error;
  int shuffle_seed = 0;
  bool include_intermediate_responses = false;
  int max_responses_per_round = 0;
  std::string synthesis_model;    // the final round goes to this model only
  int max_completion_tokens = 0;  // per call (0: the client's limit)
  int round_timeout_seconds = 0;
  int min_successful_responses = 0;
};

struct EloSelection {
  double initial_rating = 0;
  double k_factor = 0;
  bool category_weighted = false;
  double decay_factor = 0;
  int min_comparisons = 0;
  double cost_scaling_factor = 0;
  std::string storage_path;
  std::string auto_save_interval;
};

struct RouterDcSelection {
  double temperature = 0;
  int dimension_size = 0;
  double min_similarity = 0;
  bool use_query_contrastive = false;
  bool use_model_contrastive = false;
  bool require_descriptions = false;
  bool use_capabilities = false;
};

struct AutoMixSelection {
  double verification_threshold = 0;
  int max_escalations = 0;
  bool cost_aware_routing = false;
  double cost_quality_tradeoff = 0;
  double discount_factor = 0;
  bool use_logprob_verification = false;
};

struct HybridSelection {
  std::optional<double> elo_weight;
  std::optional<double> router_dc_weight;
  std::optional<double> automix_weight;
  std::optional<double> cost_weight;
  double quality_gap_threshold = 0;
  bool normalize_scores = false;
};

struct RlDrivenSelection {
  double exploration_rate = 0;
  double exploration_decay = 0;
  double min_exploration = 0;
  bool use_thompson_sampling = false;
  bool enable_personalization = false;
  double personalization_blend = 0;
  double session_context_weight = 0;
  double implicit_feedback_weight = 0;
  bool cost_awareness = false;
  double cost_weight = 0;
  std::string storage_path;
  std::string auto_save_interval;
  bool use_router_r1_rewards = false;
  double cost_reward_alpha = 0;
  double format_reward_penalty = 0;
  bool enable_llm_routing = false;
  std::string router_r1_server_url;
  std::string llm_routing_fallback;
  bool enable_multi_round_aggregation = false;
  int max_aggregation_rounds = 0;
};

struct GmtRouterSelection {
  bool enable_personalization = false;
  int history_sample_size = 0;
  int min_interactions_for_personalization = 0;
  int max_interactions_per_user = 0;
  std::string model_path;
  std::string storage_path;
  // The trained graph model's shape (upstream reads them; selection here does not use them).
  int embedding_dimension = 0;
  int num_gnn_layers = 0;
  int attention_heads = 0;
  std::vector<std::string> feedback_types;
};

struct LatencyAwareAlgorithm {
  int tpot_percentile = 0;
  int ttft_percentile = 0;
  std::string description;
};

// Per-decision settings of the learned selectors (override global.router.model_selection.ml).
struct MlAlgorithmBlock {
  int k = 0;                     // knn
  int num_clusters = 0;          // kmeans
  double efficiency_weight = 0;  // kmeans
  std::string kernel;            // svm
  double gamma = 0;              // svm
  std::string device;            // mlp
  std::string pretrained_path;
};

struct Algorithm {
  std::string type;
  std::optional<ConfidenceAlgorithm> confidence;
  std::optional<RatingsAlgorithm> ratings;
  std::optional<RemomAlgorithm> remom;
  std::optional<EloSelection> elo;
  std::optional<RouterDcSelection> router_dc;
  std::optional<AutoMixSelection> automix;
  std::optional<HybridSelection> hybrid;
  std::optional<RlDrivenSelection> rl_driven;
  std::optional<GmtRouterSelection> gmtrouter;
  std::optional<LatencyAwareAlgorithm> latency_aware;
  std::optional<MlAlgorithmBlock> knn, kmeans, svm, mlp;
  std::string on_error;

  // Names of the configured per-algorithm blocks, in declaration order.
  std::vector<std::string> ConfiguredBlocks() const;
};

struct CandidateIterationOutput {
  std::string type;
  std::string value;
};

struct CandidateIteration {
  std::string variable;
  std::string source;  // decision.candidates | models
  std::vector<ModelRef> models;
  std::vector<CandidateIterationOutput> outputs;
};

struct Decision {
  std::string name;
  std::string description;
  int priority = 0;
  int tier = 0;
  RuleNode rules;
  std::vector<ModelRef> model_refs;
  std::optional<Algorithm> algorithm;
  std::vector<PluginSpec> plugins;
  std::vector<CandidateIteration> candidate_iterations;
};

struct Routing {
  std::vector<ModelCard> model_cards;
  Signals signals;
  Projections projections;
  std::vector<Decision> decisions;
  std::vector<SessionState> session_states;
};

// The 15 algorithm types the router ships, plus the looper/selection names the upstream CLI
// also accepts.
const std::vector<std::string>& AlgorithmTypeNames();

}  // namespace vsr::config
