// Loading a config file: parse YAML, decode into typed Config (defaults + overrides), validate.
#pragma once

#include <optional>
#include <string>

#include "common/diagnostics.h"
#include "config/config.h"
#include "config/yaml_tree.h"

namespace vsr::config {

struct LoadResult {
  std::optional<YamlNode> tree;  // the parsed document (present unless YAML itself was broken)
  Config config;                 // meaningful only when diags.ok()
  Diagnostics diags;             // every problem found, errors and warnings, in file order
};

// Reads, decodes and validates `path`. Never throws; all problems are in the diagnostics.
LoadResult LoadConfigFile(const std::string& path, const YamlLimits& limits = {});

// Decodes and validates an already-parsed document (e.g. a base config with fragments merged).
LoadResult LoadConfigTree(YamlNode tree);

}  // namespace vsr::config
