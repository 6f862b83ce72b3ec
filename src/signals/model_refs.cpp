#include "signals/model_refs.h"

#include <string_view>
#include <utility>

#include "ml/default_model.h"
#include "ml/hf_cache.h"
#include "ml/model_registry.h"

namespace vsr::signals {
namespace {

std::string SystemModel(const config::SystemModels& s, const std::string& ref) {
  if (ref == "prompt_guard") return s.prompt_guard;
  if (ref == "domain_classifier") return s.domain_classifier;
  if (ref == "pii_classifier") return s.pii_classifier;
  if (ref == "fact_check_classifier") return s.fact_check_classifier;
  if (ref == "hallucination_detector") return s.hallucination_detector;
  if (ref == "hallucination_explainer") return s.hallucination_explainer;
  if (ref == "feedback_detector") return s.feedback_detector;
  return {};
}

ModelRef FromModule(const config::Config& c, const config::ClassifierModule& m, std::string what,
                    const std::string& module_key) {
  ModelRef r;
  r.what = std::move(what);
  r.mapping = m.mapping_path;
  const std::string key = "global.model_catalog.modules." + module_key;
  if (!m.model_id.empty()) {
    r.path = m.model_id;
    r.config_key = key + ".model_id";
  } else {
    r.path = SystemModel(c.global.model_catalog.system, m.model_ref);
    r.config_key = "global.model_catalog.system." + (m.model_ref.empty() ? "?" : m.model_ref) +
                   " (or " + key + ".model_id)";
  }
  r.repo = ml::HubRepoFor(r.path, c.mom_registry);
  return r;
}

}  // namespace

std::string ModelRef::Missing(const std::string& error) const {
  if (!unknown_type_key.empty()) {
    return what + ": " + unknown_type_key +
           " names no embedding model type; set it to bert, mmbert, qwen3, gemma or multimodal "
           "(the folder of each is global.model_catalog.embeddings.semantic.<type>_model_path)";
  }
  std::string out = what;
  if (!path.empty()) out += " (" + path + ")";
  out += ": " + error +
         "; put a Hugging Face model folder (config.json, model.safetensors, "
         "tokenizer.json) ";
  out += path.empty() ? "somewhere" : "there";
  out += " or point " + config_key +
         " at one (a folder, or a Hub id already in the Hugging Face cache)";
  if (!repo.empty()) {
    out += "; `vllm-sr serve` downloads it from the Hugging Face repo " + repo +
           " (HF_ENDPOINT, HF_TOKEN) into the Hugging Face cache";
  }
  if (!path.empty() && path == ml::DefaultEmbeddingModelDir()) {
    out += "; this is the embedded default embedding model: bash scripts/setup installs it there";
  }
  return out;
}

std::string ModelRef::Folder() const {
  return ml::ResolveModelFolder(path, repo);
}

std::string ModelRef::MappingFile(const std::string& folder) const {
  std::string prefix = path;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (folder == path || prefix.empty() || mapping.rfind(prefix + "/", 0) != 0) return mapping;
  return folder + mapping.substr(prefix.size());
}

ModelRef EmbeddingModel(const config::Config& c, const std::string& name,
                        const std::string& named_by) {
  const config::SemanticEmbeddings& m = c.global.model_catalog.embeddings.semantic;
  ModelRef r;
  const std::string n = name.empty() ? m.embedding_config.model_type : name;
  r.name = n;
  r.what = "embedding model '" + n + "'";
  const std::pair<std::string_view, const std::string*> types[] = {
      {"bert", &m.bert_model_path},
      {"mmbert", &m.mmbert_model_path},
      {"qwen3", &m.qwen3_model_path},
      {"gemma", &m.gemma_model_path},
      {"multimodal", &m.multimodal_model_path}};
  bool known = false;
  for (const auto& [type, path] : types) {
    if (n == type) {
      r.path = *path;
      known = true;
    }
  }
  r.config_key = "global.model_catalog.embeddings.semantic." + n + "_model_path";
  // embedding_config.model_type is one of the types (the decoder checks it); a name given by
  // another key is not.
  if (!known) r.unknown_type_key = named_by.empty() ? "the configuration" : named_by;
  r.repo = ml::HubRepoFor(r.path, c.mom_registry);
  return r;
}

ModelRef ClassifierModel(const config::Config& c, Family family) {
  const config::ModelModules& m = c.global.model_catalog.modules;
  switch (family) {
    case Family::kDomain:
      return FromModule(c, m.classifier.domain, "domain classifier", "classifier.domain");
    case Family::kJailbreak:
      return FromModule(c, m.prompt_guard, "jailbreak classifier", "prompt_guard");
    case Family::kPii:
      return FromModule(c, m.classifier.pii, "PII classifier", "classifier.pii");
    case Family::kFactCheck:
      return FromModule(c, m.hallucination_mitigation.fact_check, "fact-check classifier",
                        "hallucination_mitigation.fact_check");
    case Family::kUserFeedback:
      return FromModule(c, m.feedback_detector, "feedback detector", "feedback_detector");
    default:
      return {};
  }
}

ModelRef ModalityModel(const config::Config& c) {
  const config::ModalityDetectionConfig& d =
      c.global.model_catalog.modules.modality_detector.detection;
  ModelRef r;
  r.what = "modality classifier";
  r.path = d.classifier ? d.classifier->model_path : "";
  r.config_key = "global.model_catalog.modules.modality_detector.classifier.model_path";
  r.repo = ml::HubRepoFor(r.path, c.mom_registry);
  return r;
}

ModelRef HallucinationDetectorModel(const config::Config& c) {
  return FromModule(c, c.global.model_catalog.modules.hallucination_mitigation.detector,
                    "hallucination detector", "hallucination_mitigation.detector");
}

ModelRef HallucinationExplainerModel(const config::Config& c) {
  return FromModule(c, c.global.model_catalog.modules.hallucination_mitigation.explainer,
                    "hallucination explainer (NLI)", "hallucination_mitigation.explainer");
}

}  // namespace vsr::signals
