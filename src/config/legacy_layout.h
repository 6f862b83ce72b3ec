// Keys of the pre-v0.3 flat layout, shared by the loader (to reject them) and `config migrate`.
#pragma once

#include <string>
#include <vector>

#include "config/yaml_tree.h"

namespace vsr::config {

// Legacy flat signal keys and their canonical routing.signals names.
struct LegacySignalKey {
  const char* legacy;
  const char* canonical;
};
const std::vector<LegacySignalKey>& LegacySignalKeys();

// Top-level keys of an old file that mark it as pre-v0.3 (e.g. vllm_endpoints, categories).
std::vector<std::string> LegacyTopLevelKeys(const YamlNode& root);

// Deprecated nested fields still present in a canonical-looking file, as field paths.
std::vector<std::string> DeprecatedFields(const YamlNode& root);

}  // namespace vsr::config
