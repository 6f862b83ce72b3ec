// Typed v0.3 config: the configuration block of each of the 12 decision plugin types.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/yaml_tree.h"

namespace vsr::config {

struct SemanticCachePluginConfig {
  bool enabled = false;
  std::optional<double> similarity_threshold;
  std::optional<int> ttl_seconds;
};

struct MemoryReflectionConfig {
  std::optional<bool> enabled;
  std::string algorithm;
  int max_inject_tokens = 0;
  int recency_decay_days = 0;
  double dedup_threshold = 0;
  std::vector<std::string> block_patterns;
};

struct MemoryPluginConfig {
  bool enabled = true;
  std::optional<int> retrieval_limit;
  std::optional<double> similarity_threshold;
  std::optional<bool> auto_store;
  bool hybrid_search = false;
  std::string hybrid_mode;
  std::optional<MemoryReflectionConfig> reflection;
};

struct SystemPromptPluginConfig {
  std::optional<bool> enabled;
  std::string system_prompt;
  std::string mode;  // replace (default) | insert
};

struct HeaderPair {
  std::string name;
  std::string value;
};

struct HeaderMutationPluginConfig {
  std::vector<HeaderPair> add;
  std::vector<HeaderPair> update;
  std::vector<std::string> delete_;
};

struct HallucinationPluginConfig {
  bool enabled = false;
  bool use_nli = false;
  std::string hallucination_action;       // header | body | none
  std::string unverified_factual_action;  // header | body | none
  bool include_hallucination_details = false;
};

struct RouterReplayPluginConfig {
  std::optional<bool> enabled;  // unset: as global.services.router_replay.enabled says
  int max_records = 10000;
  bool capture_request_body = true;
  bool capture_response_body = true;
  int max_body_bytes = 4096;
  int max_tool_trace_bytes = 0;
  int max_tool_trace_steps = 0;
};

struct RagPluginConfig {
  bool enabled = false;
  std::string backend;  // milvus | external_api | mcp | openai | hybrid | vectorstore
  std::optional<double> similarity_threshold;
  std::optional<int> top_k;
  std::optional<int> max_context_length;
  std::string injection_mode;  // tool_role | system_prompt
  std::optional<YamlNode> backend_config;
  std::string on_failure;  // skip | block | warn
  bool cache_results = false;
  std::optional<int> cache_ttl_seconds;
  std::optional<double> min_confidence_threshold;
};

struct ModalityClassifierConfig {
  std::string model_path;
  bool use_cpu = false;
};

struct ModalityDetectionConfig {
  std::string method;  // classifier | keyword | hybrid
  std::optional<ModalityClassifierConfig> classifier;
  std::vector<std::string> keywords;
  std::vector<std::string> both_keywords;
  double confidence_threshold = 0;
  double lower_threshold_ratio = 0;
};

// image_gen backend_config: vllm_omni reads base_url, model, num_inference_steps, cfg_scale,
// seed; openai reads api_key, base_url, model, quality, style.
struct ImageGenBackendConfig {
  std::string base_url;
  std::string model;
  int num_inference_steps = 0;
  double cfg_scale = 0;
  std::optional<int64_t> seed;
  std::string api_key;
  std::string quality;  // standard | hd (openai)
  std::string style;    // vivid | natural (openai)
};

struct ImageGenPluginConfig {
  bool enabled = false;
  std::string backend;  // vllm_omni | openai
  std::optional<ImageGenBackendConfig> backend_config;
  std::optional<ModalityDetectionConfig> modality_detection;
  int default_width = 0;
  int default_height = 0;
  int max_inference_steps = 0;
  int timeout_seconds = 0;
};

struct FastResponsePluginConfig {
  std::string message;
};

struct RequestParamsPluginConfig {
  std::vector<std::string> blocked_params;
  std::optional<int> max_tokens_limit;
  std::optional<int> max_n;
  bool strip_unknown = false;
};

struct ResponseJailbreakPluginConfig {
  bool enabled = false;
  double threshold = 0;
  std::string action;  // block | header | none
};

struct ToolsPluginConfig {
  bool enabled = false;
  std::string mode = "passthrough";  // none | passthrough | filtered
  std::optional<bool> semantic_selection;
  std::vector<std::string> allow_tools;
  std::vector<std::string> block_tools;
  std::string strategy;
};

using PluginConfig =
    std::variant<std::monostate, SemanticCachePluginConfig, MemoryPluginConfig,
                 SystemPromptPluginConfig, HeaderMutationPluginConfig, HallucinationPluginConfig,
                 RouterReplayPluginConfig, RagPluginConfig, ImageGenPluginConfig,
                 FastResponsePluginConfig, RequestParamsPluginConfig, ResponseJailbreakPluginConfig,
                 ToolsPluginConfig>;

struct PluginSpec {
  std::string type;
  PluginConfig config;  // monostate when the type is unknown or the block failed to decode
};

// The 12 plugin type names, in the seed's order.
const std::vector<std::string>& PluginTypeNames();

}  // namespace vsr::config
