// `vllm-sr config migrate`: the pre-v0.3 flat layout (vllm_endpoints, model_config, categories,
// keyword_rules, decisions, default_model, semantic_cache, ...) rewritten as canonical v0.3.
//
// The mapping follows upstream's CLI migrator. Two things are ours: every moved block carries a
// comment saying where it came from, and nothing is dropped silently — keys with no canonical
// home are listed in `dropped` (and in the file's header comment).
#pragma once

#include <string>
#include <vector>

#include "config/yaml_tree.h"

namespace vsr::config {

struct MigrationResult {
  YamlNode canonical;                // version, listeners, providers, routing, [global], [setup]
  std::vector<std::string> moved;    // "categories -> routing.signals.domains"
  std::vector<std::string> dropped;  // "jailbreak_mapping_path: no canonical equivalent"
};

// The listener upstream's CLI bootstraps: http-8899 on 0.0.0.0:8899, timeout 300s.
inline constexpr int kDefaultListenerPort = 8899;
YamlNode DefaultListener();

// `source_name` only appears in the header comment of the result.
MigrationResult MigrateLegacyConfig(const YamlNode& source, const std::string& source_name);

}  // namespace vsr::config
