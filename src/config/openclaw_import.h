// `vllm-sr config import --from openclaw`: OpenClaw's model providers (models.providers.<key>)
// become providers.models[] + routing.modelCards[] of a canonical config, and OpenClaw is pointed
// at the router. Pure functions over parsed documents; the command does the file I/O.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_tree.h"

namespace vsr::config {

struct OpenClawModel {
  std::string provider_key;      // models.providers.<key>
  std::string source_model_id;   // the model's "id"
  std::string logical_name;      // id, or "<provider>/<id>" when two providers share an id
  boost::json::object provider;  // the provider block (baseUrl, apiKey, headers, ...)
  boost::json::object model;     // the model entry (id, contextWindow, input, reasoning)
};

// The importable models of an OpenClaw config, or nullopt with upstream's error text.
std::optional<std::vector<OpenClawModel>> CollectOpenClawModels(const boost::json::object& source,
                                                                std::string& error);

// What a missing target starts from: one listener on 8899 and empty providers/routing.
YamlNode MinimalImportTarget();

// Makes sure version/listeners/providers.{defaults,models}/routing.{modelCards,signals,decisions}
// exist with the right kinds (drops `setup`: an imported config is no longer a bootstrap stub).
void NormalizeImportTarget(YamlNode& target);

// Adds or updates a provider model and a model card per imported model; keeps everything else.
// Sets the default model when missing or stale; adds a catch-all decision when there is none.
void MergeOpenClawModels(YamlNode& target, const std::vector<OpenClawModel>& models);

// http://<first listener host, 127.0.0.1 for wildcard>:<port>/v1, or nullopt + error.
std::optional<std::string> ListenerBaseUrl(const YamlNode& target, std::string& error);

// Points every imported provider at `base_url` and renames collision-renamed model ids (and the
// "<provider>/<id>" references to them anywhere in the file).
void RewriteOpenClawSource(boost::json::object& source, const std::vector<OpenClawModel>& models,
                           const std::string& base_url);

}  // namespace vsr::config
