// The list of pre-v0.3 keys; upstream's migrate maps each of these into the canonical layout.
#include "config/legacy_layout.h"

namespace vsr::config {

const std::vector<LegacySignalKey>& LegacySignalKeys() {
  static const std::vector<LegacySignalKey> kKeys = {
      {"keyword_rules", "keywords"},       {"embedding_rules", "embeddings"},
      {"categories", "domains"},           {"fact_check_rules", "fact_check"},
      {"user_feedback_rules", "user_feedbacks"}, {"reask_rules", "reasks"},
      {"preference_rules", "preferences"}, {"language_rules", "language"},
      {"context_rules", "context"},        {"structure_rules", "structure"},
      {"complexity_rules", "complexity"},  {"modality_rules", "modality"},
      {"role_bindings", "role_bindings"},  {"jailbreak", "jailbreak"},
      {"pii", "pii"},                      {"kb", "kb"},
      {"conversation", "conversation"}};
  return kKeys;
}

std::vector<std::string> LegacyTopLevelKeys(const YamlNode& root) {
  static const std::vector<std::string> kOther = {
      "signals", "decisions", "vllm_endpoints", "model_config", "default_model",
      "reasoning_families", "default_reasoning_effort", "provider_profiles", "bert_model",
      "classifier", "prompt_guard", "semantic_cache", "tools", "api", "observability",
      "embedding_models", "strategy", "model_selection", "auto_model_name",
      "include_config_models_in_list", "clear_route_cache", "projections", "session_states"};
  std::vector<std::string> found;
  if (!root.IsMap()) return found;
  for (const YamlEntry& e : root.entries) {
    bool legacy = false;
    for (const LegacySignalKey& k : LegacySignalKeys()) legacy = legacy || e.key == k.legacy;
    for (const std::string& k : kOther) legacy = legacy || e.key == k;
    if (legacy) found.push_back(e.key);
  }
  return found;
}

std::vector<std::string> DeprecatedFields(const YamlNode& root) {
  std::vector<std::string> found;
  if (!root.IsMap()) return found;
  if (const YamlNode* routing = root.Find("routing"); routing && routing->Find("models")) {
    found.emplace_back("routing.models");
  }
  if (const YamlNode* providers = root.Find("providers")) {
    for (const char* key : {"model_targets", "backends", "auth_profiles", "default_model",
                            "reasoning_families", "default_reasoning_effort"}) {
      if (providers->Find(key)) found.push_back(std::string("providers.") + key);
    }
    if (const YamlNode* models = providers->Find("models"); models && models->IsSequence()) {
      for (size_t i = 0; i < models->items.size(); ++i) {
        for (const char* key : {"access", "endpoints", "access_key", "param_size",
                                "context_window_size", "description", "capabilities", "loras",
                                "quality_score", "modality", "tags"}) {
          if (models->items[i].Find(key)) {
            found.push_back("providers.models[" + std::to_string(i) + "]." + key);
          }
        }
      }
    }
  }
  if (const YamlNode* global = root.Find("global"); global && global->Find("modules")) {
    found.emplace_back("global.modules");
  }
  return found;
}

}  // namespace vsr::config
