// The whole typed v0.3 configuration, as the rest of the router sees it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/model_global.h"
#include "config/model_providers.h"
#include "config/model_routing.h"
#include "config/yaml_tree.h"

namespace vsr::config {

inline constexpr const char* kCanonicalVersion = "v0.3";

struct Config {
  std::string version;
  std::vector<Listener> listeners;
  Providers providers;
  Routing routing;
  Global global = DefaultGlobal();
  std::optional<YamlNode> setup;  // bootstrap marker written by `vllm-sr serve` (setup mode)
  // Model folders named like "models/<name>" -> the Hugging Face repo that provides them
  // (upstream's top-level mom_registry); when set it replaces the built-in registry.
  std::map<std::string, std::string> mom_registry;
  // The directory of the file this config was read from ("" for text): relative data paths
  // that upstream resolves against the config file (knowledge-base sources) resolve here.
  std::string source_dir;
};

}  // namespace vsr::config
