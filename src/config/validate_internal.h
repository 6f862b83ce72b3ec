// Shared pieces of the semantic validator, split by area (providers, signals, decisions).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/decoder.h"

namespace vsr::config::validate_detail {

// Leaf `type` in rule trees -> the routing.signals family that declares its names.
struct LeafFamily {
  const char* type;
  const char* family;  // routing.signals key, or "projections"
};
const std::vector<LeafFamily>& LeafFamilies();
const LeafFamily* FindLeafFamily(std::string_view type);  // case-insensitive

// Names declared per leaf type (e.g. "keyword" -> {"code_keywords", ...}).
std::set<std::string> DeclaredNames(const Config& cfg, std::string_view leaf_type);

// Reports the second and later occurrences of each name in `names` (paths parallel to names).
void CheckUnique(DecodeContext& ctx, const std::vector<std::string>& names,
                 const std::vector<std::string>& paths, std::string_view what,
                 std::string_view noun = "name");

template <class T>
void CheckUniqueNames(DecodeContext& ctx, const std::vector<T>& items, const std::string& path,
                      std::string_view what) {
  std::vector<std::string> names, paths;
  for (size_t i = 0; i < items.size(); ++i) {
    names.push_back(items[i].name);
    paths.push_back(KeyPath(IndexPath(path, i), "name"));
  }
  CheckUnique(ctx, names, paths, what);
}

void CheckPredicate(DecodeContext& ctx, const NumericPredicate& p, const std::string& path);
// Compiles with RE2; reports RE2's message when the pattern is invalid.
void CheckRegex(DecodeContext& ctx, const std::string& pattern, const std::string& path);

void ValidateProviders(const Config& cfg, DecodeContext& ctx);
void ValidateSignals(const Config& cfg, DecodeContext& ctx);
void ValidateProjections(const Config& cfg, DecodeContext& ctx);
void ValidateDecisions(const Config& cfg, DecodeContext& ctx);
// Rule-tree references (decisions and complexity composers share it).
void ValidateRuleTree(const Config& cfg, DecodeContext& ctx, const RuleNode& node,
                      const std::string& path, std::string_view owner);

}  // namespace vsr::config::validate_detail
