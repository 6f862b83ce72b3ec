// Test helper: a validated Config from YAML text or a fixture file; fails the test on errors.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/loader.h"

namespace vsr::testing {

inline std::shared_ptr<const config::Config> ConfigFromFile(const std::string& path) {
  config::LoadResult r = config::LoadConfigFile(path);
  for (const Diagnostic& d : r.diags.items()) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.Format();
  }
  return std::make_shared<const config::Config>(std::move(r.config));
}

inline std::shared_ptr<const config::Config> HeuristicsConfig() {
  return ConfigFromFile(std::string(VSR_FIXTURES_DIR) + "/routing/heuristics.yaml");
}

// The head of a config with one model `m` (its backend never called), up to the decisions list:
// tests append their decisions ("    - name: ...").
inline const std::string kOneModelConfigHead =
    "version: v0.3\n"
    "providers:\n"
    "  defaults: {default_model: m}\n"
    "  models: [{name: m, backend_refs: [{endpoint: '127.0.0.1:1'}]}]\n"
    "routing:\n"
    "  modelCards: [{name: m}]\n"
    "  decisions:\n";

// A whole config from YAML text (errors fail the test).
inline std::shared_ptr<const config::Config> ConfigFromText(const std::string& text) {
  Diagnostics diags;
  auto tree = config::ParseYaml(text, std::make_shared<const std::string>("inline"), diags);
  if (!tree) {
    ADD_FAILURE() << "bad YAML in test: "
                  << (diags.items().empty() ? "" : diags.items()[0].Format());
    return std::make_shared<const config::Config>();
  }
  config::LoadResult r = config::LoadConfigTree(*tree);
  for (const Diagnostic& d : r.diags.items()) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.Format();
  }
  return std::make_shared<const config::Config>(std::move(r.config));
}

// Routing YAML spliced under a minimal valid base (one model "m", listener, provider).
inline std::shared_ptr<const config::Config> ConfigFromRouting(const std::string& routing_yaml) {
  const std::string text =
      "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8899}]\n"
      "providers:\n  defaults: {default_model: m}\n"
      "  models: [{name: m, backend_refs: [{name: b, endpoint: '127.0.0.1:1'}]}]\n" +
      routing_yaml;
  Diagnostics diags;
  auto tree = config::ParseYaml(text, std::make_shared<const std::string>("inline"), diags);
  if (!tree) {
    ADD_FAILURE() << "bad YAML in test";
    return std::make_shared<const config::Config>();
  }
  config::YamlNode& routing = tree->GetOrAdd("routing");
  if (routing.Find("modelCards") == nullptr) {
    config::YamlNode card = config::YamlNode::Map();
    card.GetOrAdd("name") = config::YamlNode::String("m");
    config::YamlNode& cards = routing.GetOrAdd("modelCards");
    cards = config::YamlNode::Sequence();
    cards.items.push_back(std::move(card));
  }
  config::LoadResult r = config::LoadConfigTree(*tree);
  for (const Diagnostic& d : r.diags.items()) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.Format();
  }
  return std::make_shared<const config::Config>(std::move(r.config));
}

}  // namespace vsr::testing
