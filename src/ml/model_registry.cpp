#include "ml/model_registry.h"

namespace vsr::ml {

const std::map<std::string, std::string>& DefaultModelRegistry() {
  // The primary folders of upstream's registry for the release we follow; aliases are not
  // carried over (configs name the folders).
  static const std::map<std::string, std::string> kRegistry = {
      {"models/mom-domain-classifier",
       "LLM-Semantic-Router/lora_intent_classifier_bert-base-uncased_model"},
      {"models/mom-pii-classifier",
       "LLM-Semantic-Router/lora_pii_detector_bert-base-uncased_model"},
      {"models/mom-mmbert-pii-detector", "llm-semantic-router/mmbert-pii-detector-merged"},
      {"models/mom-jailbreak-classifier",
       "LLM-Semantic-Router/jailbreak_classifier_modernbert-base_model"},
      {"models/mom-halugate-sentinel", "LLM-Semantic-Router/halugate-sentinel"},
      {"models/mom-halugate-detector", "KRLabsOrg/lettucedect-base-modernbert-en-v1"},
      {"models/mom-halugate-explainer", "tasksource/ModernBERT-base-nli"},
      {"models/mom-feedback-detector", "llm-semantic-router/feedback-detector"},
      {"models/mom-embedding-pro", "Qwen/Qwen3-Embedding-0.6B"},
      {"models/mom-embedding-flash", "google/embeddinggemma-300m"},
      {"models/mom-embedding-light", "sentence-transformers/all-MiniLM-L12-v2"},
      {"models/mom-embedding-ultra", "llm-semantic-router/mmbert-embed-32k-2d-matryoshka"},
      {"models/mmbert-embed-32k-2d-matryoshka",
       "llm-semantic-router/mmbert-embed-32k-2d-matryoshka"},
      {"models/mmbert32k-intent-classifier-lora",
       "llm-semantic-router/mmbert32k-intent-classifier-lora"},
      {"models/mmbert32k-factcheck-classifier-lora",
       "llm-semantic-router/mmbert32k-factcheck-classifier-lora"},
      {"models/mmbert32k-jailbreak-detector-lora",
       "llm-semantic-router/mmbert32k-jailbreak-detector-lora"},
      {"models/mmbert32k-feedback-detector-lora",
       "llm-semantic-router/mmbert32k-feedback-detector-lora"},
      {"models/mmbert32k-pii-detector-lora", "llm-semantic-router/mmbert32k-pii-detector-lora"},
      {"models/mmbert32k-intent-classifier-merged",
       "llm-semantic-router/mmbert32k-intent-classifier-merged"},
      {"models/mmbert32k-factcheck-classifier-merged",
       "llm-semantic-router/mmbert32k-factcheck-classifier-merged"},
      {"models/mmbert32k-jailbreak-detector-merged",
       "llm-semantic-router/mmbert32k-jailbreak-detector-merged"},
      {"models/mmbert32k-feedback-detector-merged",
       "llm-semantic-router/mmbert32k-feedback-detector-merged"},
      {"models/mmbert32k-pii-detector-merged", "llm-semantic-router/mmbert32k-pii-detector-merged"},
      {"models/mmbert32k-modality-router-merged",
       "llm-semantic-router/mmbert32k-modality-router-merged"},
  };
  return kRegistry;
}

bool IsHubRepoId(const std::string& name) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos || name.find('/', slash + 1) != std::string::npos ||
      name.find("..") != std::string::npos) {
    return false;
  }
  for (const std::string& part : {name.substr(0, slash), name.substr(slash + 1)}) {
    if (part.empty() || part.size() > 96 || part[0] == '.' || part[0] == '-') return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

std::string HubRepoFor(const std::string& path,
                       const std::map<std::string, std::string>& configured) {
  const auto& registry = configured.empty() ? DefaultModelRegistry() : configured;
  std::string key = path;
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  if (auto it = registry.find(key); it != registry.end()) {
    return IsHubRepoId(it->second) ? it->second : "";
  }
  if (key.rfind("models/", 0) == 0) return "";
  return IsHubRepoId(key) ? key : "";
}

}  // namespace vsr::ml
