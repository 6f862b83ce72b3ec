// Which model folder each learned signal family (and the semantic cache) uses, resolved from
// global.model_catalog the way upstream resolves it, with the config key a user edits to
// change it — so "model missing" messages can say where the router looked and how to fix it.
#pragma once

#include <string>

#include "config/config.h"
#include "signals/family.h"

namespace vsr::signals {

struct ModelRef {
  std::string what;        // "domain classifier"
  std::string name;        // embedding models: the catalog name (mmbert, bert...)
  std::string path;        // the folder ("" when the config names none)
  std::string config_key;  // where the path is configured
  std::string mapping;     // the label mapping file, when the family has one configured
  std::string repo;        // the Hugging Face repo that provides `path` ("" = local only)
  // Embedding models: set when `name` is no embedding model type, to the config key that
  // named it; Missing() then says that instead of where a folder goes.
  std::string unknown_type_key;

  // Where the model is: `path` when that folder exists, else the cached snapshot of `repo`
  // (downloaded by `vllm-sr serve`), else `path` (loading then says what is missing).
  std::string Folder() const;
  // The mapping file for the model found at `folder` (Folder()): moved along when it lives in
  // `path` and the model is in the cache.
  std::string MappingFile(const std::string& folder) const;

  // "<what> (<path>): <error>; put a Hugging Face model folder (config.json,
  // model.safetensors, tokenizer.json) there or point <config_key> at one (a folder, or a Hub id
  // already in the Hugging Face cache)", plus, when a repo provides the folder, how to get it.
  std::string Missing(const std::string& error) const;
};

// The embedding model named `name` (bert | mmbert | qwen3 | gemma | multimodal; "" = the
// embedding_config.model_type): global.model_catalog.embeddings.semantic.<name>_model_path.
// `named_by` is the config key that gave `name`, for the message when it is no such type.
ModelRef EmbeddingModel(const config::Config& c, const std::string& name = "",
                        const std::string& named_by = "");

// The classifier of a classifier-backed family (domain, jailbreak, pii, fact_check,
// user_feedback): the module's model_id, else its model_ref looked up in
// global.model_catalog.system.
ModelRef ClassifierModel(const config::Config& c, Family family);

// The modality signal's classifier: modules.modality_detector.classifier.model_path.
ModelRef ModalityModel(const config::Config& c);

// The hallucination plugin's models: modules.hallucination_mitigation.detector (a token
// classifier) and .explainer (an NLI sequence classifier).
ModelRef HallucinationDetectorModel(const config::Config& c);
ModelRef HallucinationExplainerModel(const config::Config& c);

}  // namespace vsr::signals
