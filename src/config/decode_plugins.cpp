// DecodeFields for decision plugins: the type picks which configuration struct is read.
#include "common/strings.h"
#include "config/decode_fields.h"

namespace vsr::config {

const std::vector<std::string>& PluginTypeNames() {
  static const std::vector<std::string> kNames = {
      "semantic-cache",     "memory", "system_prompt", "header_mutation", "hallucination",
      "router_replay",      "rag",    "image_gen",     "fast_response",   "request_params",
      "response_jailbreak", "tools"};
  return kNames;
}

namespace {

// An action enum where upstream's runtime also accepts older words and treats them as
// `canonical` (upstream's reference config writes "annotate" and "warn"). Those are accepted
// with a warning; anything else outside `allowed` is an error.
void ActionField(MapReader& r, std::string_view key, std::string& out,
                 const std::vector<std::string>& allowed, const std::vector<std::string>& legacy,
                 const std::string& canonical) {
  if (!r.Optional(key, out)) return;
  const std::string field = KeyPath(r.path(), key);
  for (const std::string& word : legacy) {
    if (out == word) {
      r.ctx().Warning(field,
                      "'" + out + "' is an old value that the router treats as '" + canonical + "'",
                      "write '" + canonical + "'");
      out = canonical;
      return;
    }
  }
  if (std::optional<Problem> p = OneOf(allowed)(out)) r.ctx().Error(field, p->message, p->hint);
}

// Plugins whose `enabled` flag has no default must state it.
void EnabledFlag(MapReader& r, bool& enabled) {
  r.Required("enabled", enabled);
}

template <class T>
void DecodeConfiguration(const YamlNode& node, const std::string& path, DecodeContext& ctx,
                         PluginConfig& out) {
  T value{};
  if (Decode(node, path, ctx, value)) out = std::move(value);
}

using ConfigDecoder = void (*)(const YamlNode&, const std::string&, DecodeContext&, PluginConfig&);

// The one place that maps a plugin type name to its configuration struct.
ConfigDecoder DecoderFor(const std::string& type) {
  if (type == "semantic-cache") return DecodeConfiguration<SemanticCachePluginConfig>;
  if (type == "memory") return DecodeConfiguration<MemoryPluginConfig>;
  if (type == "system_prompt") return DecodeConfiguration<SystemPromptPluginConfig>;
  if (type == "header_mutation") return DecodeConfiguration<HeaderMutationPluginConfig>;
  if (type == "hallucination") return DecodeConfiguration<HallucinationPluginConfig>;
  if (type == "router_replay") return DecodeConfiguration<RouterReplayPluginConfig>;
  if (type == "rag") return DecodeConfiguration<RagPluginConfig>;
  if (type == "image_gen") return DecodeConfiguration<ImageGenPluginConfig>;
  if (type == "fast_response") return DecodeConfiguration<FastResponsePluginConfig>;
  if (type == "request_params") return DecodeConfiguration<RequestParamsPluginConfig>;
  if (type == "response_jailbreak") return DecodeConfiguration<ResponseJailbreakPluginConfig>;
  if (type == "tools") return DecodeConfiguration<ToolsPluginConfig>;
  return nullptr;
}

}  // namespace

void DecodeFields(MapReader& r, PluginSpec& v) {
  if (!r.Required("type", v.type, OneOf(PluginTypeNames()))) {
    r.Known("configuration");  // its shape depends on a type we could not read
    return;
  }
  const YamlNode* configuration = r.Raw("configuration");
  if (configuration == nullptr) {
    r.ctx().Error(r.path(), "missing required field 'configuration'",
                  "add 'configuration:' with the " + v.type + " plugin's settings");
    return;
  }
  DecoderFor(v.type)(*configuration, KeyPath(r.path(), "configuration"), r.ctx(), v.config);
}

void DecodeFields(MapReader& r, SemanticCachePluginConfig& v) {
  EnabledFlag(r, v.enabled);
  double threshold = 0;
  if (r.Optional("similarity_threshold", threshold, UnitInterval())) {
    v.similarity_threshold = threshold;
  }
  int ttl = 0;
  if (r.Optional("ttl_seconds", ttl, IntAtLeast(0))) v.ttl_seconds = ttl;
}

void DecodeFields(MapReader& r, MemoryReflectionConfig& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("algorithm", v.algorithm);
  r.Optional("max_inject_tokens", v.max_inject_tokens, IntAtLeast(0));
  r.Optional("recency_decay_days", v.recency_decay_days, IntAtLeast(0));
  r.Optional("dedup_threshold", v.dedup_threshold, UnitInterval());
  r.Optional("block_patterns", v.block_patterns);
}

void DecodeFields(MapReader& r, MemoryPluginConfig& v) {
  r.Optional("enabled", v.enabled);
  int limit = 0;
  if (r.Optional("retrieval_limit", limit, IntAtLeast(1))) v.retrieval_limit = limit;
  double threshold = 0;
  if (r.Optional("similarity_threshold", threshold, UnitInterval())) {
    v.similarity_threshold = threshold;
  }
  r.Optional("auto_store", v.auto_store);
  r.Optional("hybrid_search", v.hybrid_search);
  r.Optional("hybrid_mode", v.hybrid_mode, OneOf({"rerank", "filter"}));
  r.Optional("reflection", v.reflection);
}

void DecodeFields(MapReader& r, SystemPromptPluginConfig& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("system_prompt", v.system_prompt);
  r.Optional("mode", v.mode, OneOf({"replace", "insert"}));
}

void DecodeFields(MapReader& r, HeaderPair& v) {
  if (!r.Optional("name", v.name) && !r.LegacyAlias("key", "name", v.name)) {
    r.ctx().Error(r.path(), "missing required field 'name'", "add 'name:' with the header name");
  }
  r.Required("value", v.value);
}

void DecodeFields(MapReader& r, HeaderMutationPluginConfig& v) {
  r.Optional("add", v.add);
  r.Optional("update", v.update);
  r.Optional("delete", v.delete_);
}

void DecodeFields(MapReader& r, HallucinationPluginConfig& v) {
  EnabledFlag(r, v.enabled);
  r.Optional("use_nli", v.use_nli);
  ActionField(r, "hallucination_action", v.hallucination_action, {"header", "body", "none"},
              {"annotate", "warn"}, "header");
  ActionField(r, "unverified_factual_action", v.unverified_factual_action,
              {"header", "body", "none"}, {"annotate", "warn"}, "header");
  r.Optional("include_hallucination_details", v.include_hallucination_details);
}

void DecodeFields(MapReader& r, RouterReplayPluginConfig& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("max_records", v.max_records, IntAtLeast(1));
  r.Optional("capture_request_body", v.capture_request_body);
  r.Optional("capture_response_body", v.capture_response_body);
  r.Optional("max_body_bytes", v.max_body_bytes, IntAtLeast(1));
  r.Optional("max_tool_trace_bytes", v.max_tool_trace_bytes, IntAtLeast(0));
  r.Optional("max_tool_trace_steps", v.max_tool_trace_steps, IntAtLeast(0));
}

// Upstream's RAGPluginConfig.Validate: the backend_config keys each backend cannot do without.
void CheckRagBackendConfig(MapReader& r, const RagPluginConfig& v) {
  struct Need {
    std::string_view backend, key, message;
  };
  static constexpr Need kNeeds[] = {
      {"milvus", "collection", "milvus collection name is required"},
      {"external_api", "endpoint", "external API endpoint is required"},
      {"external_api", "request_format", "request format is required for external API"},
      {"mcp", "server_name", "MCP server name is required"},
      {"mcp", "tool_name", "MCP tool name is required"},
      {"openai", "vector_store_id", "vector store ID is required for OpenAI backend"},
      {"openai", "api_key", "API key is required for OpenAI backend"},
      {"hybrid", "primary", "primary backend is required for hybrid RAG"},
  };
  for (const Need& need : kNeeds) {
    if (need.backend != v.backend) continue;
    const YamlNode* n = v.backend_config ? v.backend_config->Find(need.key) : nullptr;
    if (n != nullptr && n->IsScalar() && !n->scalar.empty()) continue;
    r.ctx().Error(KeyPath(r.path(), "backend_config"), std::string(need.message),
                  "add '" + std::string(need.key) + ":' under backend_config");
  }
  // Upstream's mcp backend cannot reach a server by name (it always fails); this router calls
  // the server_name URL. A bare name loads, as upstream's does, and `validate` says so.
  if (v.backend == "mcp" && v.backend_config) {
    const YamlNode* n = v.backend_config->Find("server_name");
    if (n != nullptr && n->IsScalar() && !n->scalar.empty() && !n->scalar.starts_with("http://") &&
        !n->scalar.starts_with("https://")) {
      r.ctx().Warning(KeyPath(KeyPath(r.path(), "backend_config"), "server_name"),
                      "MCP server '" + n->scalar +
                          "' is a name, not a URL: the rag plugin is skipped until it is one",
                      "set server_name to the server's Streamable HTTP URL, e.g. "
                      "http://127.0.0.1:8000/mcp");
    }
  }
}

void DecodeFields(MapReader& r, RagPluginConfig& v) {
  EnabledFlag(r, v.enabled);
  r.Required("backend", v.backend,
             OneOf({"milvus", "external_api", "mcp", "openai", "hybrid", "vectorstore"}));
  double d = 0;
  int i = 0;
  if (r.Optional("similarity_threshold", d, UnitInterval())) v.similarity_threshold = d;
  if (r.Optional("top_k", i, IntAtLeast(1))) v.top_k = i;
  if (r.Optional("max_context_length", i, IntAtLeast(1))) v.max_context_length = i;
  r.Optional("injection_mode", v.injection_mode, OneOf({"tool_role", "system_prompt"}));
  r.Optional("backend_config", v.backend_config);
  r.Optional("on_failure", v.on_failure, OneOf({"skip", "block", "warn"}));
  r.Optional("cache_results", v.cache_results);
  if (r.Optional("cache_ttl_seconds", i, IntAtLeast(1))) v.cache_ttl_seconds = i;
  if (r.Optional("min_confidence_threshold", d, UnitInterval())) v.min_confidence_threshold = d;
  CheckRagBackendConfig(r, v);
}

void DecodeFields(MapReader& r, ModalityClassifierConfig& v) {
  r.Optional("model_path", v.model_path);
  r.Optional("use_cpu", v.use_cpu);
}

void DecodeFields(MapReader& r, ModalityDetectionConfig& v) {
  r.Optional("method", v.method, OneOf({"classifier", "keyword", "hybrid"}));
  r.Optional("classifier", v.classifier);
  r.Optional("keywords", v.keywords);
  r.Optional("both_keywords", v.both_keywords);
  r.Optional("confidence_threshold", v.confidence_threshold, UnitInterval());
  r.Optional("lower_threshold_ratio", v.lower_threshold_ratio, UnitInterval());
}

void DecodeFields(MapReader& r, ImageGenBackendConfig& v) {
  r.Optional("base_url", v.base_url);
  r.Optional("model", v.model);
  r.Optional("num_inference_steps", v.num_inference_steps, IntAtLeast(1));
  r.Optional("cfg_scale", v.cfg_scale);
  r.Optional("seed", v.seed);
  r.Optional("api_key", v.api_key);
  r.Optional("quality", v.quality);
  r.Optional("style", v.style);
}

// Upstream's ModalityDetectionConfig.Validate, for the plugin's own modality_detection and the
// global modality_detector.
void CheckModalityDetection(DecodeContext& ctx, const std::string& path,
                            const ModalityDetectionConfig& v) {
  const std::string& m = v.method;
  auto error = [&](std::string_view key, const std::string& message, const std::string& hint) {
    ctx.Error(key.empty() ? path : KeyPath(path, key), message, hint);
  };
  if (m.empty()) {
    error("", "modality detection needs 'method' (classifier, keyword or hybrid)",
          "add 'method: keyword' with a keywords list, or 'method: hybrid'");
    return;
  }
  const bool has_classifier = v.classifier && !v.classifier->model_path.empty();
  if (m == "classifier" && !has_classifier) {
    error("classifier", "method \"classifier\" requires classifier.model_path to be set",
          "add classifier: {model_path: ...}");
  }
  if (m == "keyword" && v.keywords.empty()) {
    error("keywords", "method \"keyword\" requires at least one entry in keywords",
          "add keywords: [image, picture, ...]");
  }
  if (m == "hybrid" && !has_classifier && v.keywords.empty()) {
    error("", "method \"hybrid\" requires at least one of classifier.model_path or keywords",
          "add a keywords list or classifier.model_path");
  }
  if ((m == "classifier" || m == "hybrid") && v.confidence_threshold == 0) {
    error("confidence_threshold", "confidence_threshold is required when method is \"" + m + "\"",
          "add 'confidence_threshold: 0.6'");
  }
  if (m == "hybrid" && v.lower_threshold_ratio == 0) {
    error("lower_threshold_ratio", "lower_threshold_ratio is required when method is \"hybrid\"",
          "add 'lower_threshold_ratio: 0.7'");
  }
}

void DecodeFields(MapReader& r, ImageGenPluginConfig& v) {
  EnabledFlag(r, v.enabled);
  r.Required("backend", v.backend, OneOf({"vllm_omni", "openai"}));
  r.Optional("backend_config", v.backend_config);
  // Upstream's ImageGenPluginConfig.Validate: what each backend cannot do without.
  if (v.enabled && v.backend == "vllm_omni" &&
      (!v.backend_config || v.backend_config->base_url.empty())) {
    r.ctx().Error(KeyPath(r.path(), "backend_config"), "base_url is required for vllm_omni backend",
                  "add 'base_url: http://host:port' (the vLLM-Omni server) under backend_config");
  }
  if (v.enabled && v.backend == "openai" &&
      (!v.backend_config || v.backend_config->api_key.empty())) {
    r.ctx().Error(KeyPath(r.path(), "backend_config"), "api_key is required for openai backend",
                  "add 'api_key:' under backend_config");
  }
  if (r.Optional("modality_detection", v.modality_detection) && v.enabled) {
    CheckModalityDetection(r.ctx(), KeyPath(r.path(), "modality_detection"), *v.modality_detection);
  }
  r.Optional("default_width", v.default_width, IntAtLeast(1));
  r.Optional("default_height", v.default_height, IntAtLeast(1));
  r.Optional("max_inference_steps", v.max_inference_steps, IntAtLeast(1));
  r.Optional("timeout_seconds", v.timeout_seconds, IntAtLeast(1));
}

void DecodeFields(MapReader& r, FastResponsePluginConfig& v) {
  r.Required("message", v.message);
}

void DecodeFields(MapReader& r, RequestParamsPluginConfig& v) {
  r.Optional("blocked_params", v.blocked_params);
  int i = 0;
  if (r.Optional("max_tokens_limit", i, IntAtLeast(1))) v.max_tokens_limit = i;
  if (r.Optional("max_n", i, IntAtLeast(1))) v.max_n = i;
  r.Optional("strip_unknown", v.strip_unknown);
}

void DecodeFields(MapReader& r, ResponseJailbreakPluginConfig& v) {
  EnabledFlag(r, v.enabled);
  r.Optional("threshold", v.threshold, UnitInterval());
  ActionField(r, "action", v.action, {"block", "header", "none"}, {"annotate", "warn"}, "header");
}

void DecodeFields(MapReader& r, ToolsPluginConfig& v) {
  EnabledFlag(r, v.enabled);
  r.Optional("mode", v.mode, OneOf({"none", "passthrough", "filtered"}));
  r.Optional("semantic_selection", v.semantic_selection);
  r.Optional("allow_tools", v.allow_tools);
  r.Optional("block_tools", v.block_tools);
  r.Optional("strategy", v.strategy);
}

}  // namespace vsr::config
