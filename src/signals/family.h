// The signal families and the names each one goes by in config, rules, eval JSON and metrics.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace vsr::signals {

enum class Family {
  kKeyword,
  kEmbedding,
  kDomain,
  kFactCheck,
  kUserFeedback,
  kReask,
  kPreference,
  kLanguage,
  kContext,
  kStructure,
  kComplexity,
  kModality,
  kAuthz,
  kJailbreak,
  kPii,
  kKb,
  kConversation,
  kSessionMetric,
};
inline constexpr size_t kFamilyCount = 18;

struct FamilyNames {
  Family family;
  std::string_view leaf_type;    // decision condition `type` (keyword)
  std::string_view matched_key;  // eval JSON matched_signals key (keywords)
  std::string_view metrics_key;  // eval JSON metrics key (keyword)
  std::string_view header;       // x-vsr-matched-<header>
};

const std::array<FamilyNames, kFamilyCount>& AllFamilies();
const FamilyNames& NamesOf(Family f);
// Decision leaf type -> family, case-insensitive; legacy `session`/`lookup` are session metrics.
std::optional<Family> FamilyForLeafType(std::string_view type);

}  // namespace vsr::signals
