// What the signals found for one request, in the shape the decision engine, projections and
// the eval API read.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signals/signal.h"

namespace vsr::routing {

struct FamilyResult {
  bool evaluated = false;        // Evaluate ran (used, configured and ready)
  std::string not_ready;         // set when the family is used but cannot run
  signals::SignalOutput output;  // matched names, values, error, timing
};

struct SignalResults {
  std::array<FamilyResult, signals::kFamilyCount> families{};
  std::vector<std::string> projection_matches;  // mapping output names
  std::map<std::string, double> projection_scores;
  std::map<std::string, double> confidences;  // "type:name", signals and projections
  std::map<std::string, double> values;       // "type:name"

  const FamilyResult& Of(signals::Family f) const { return families[static_cast<size_t>(f)]; }
  FamilyResult& Of(signals::Family f) { return families[static_cast<size_t>(f)]; }
  // True when `name` is among the matches of leaf type `type` (signals or "projection").
  bool Matched(std::string_view type, std::string_view name) const;
};

}  // namespace vsr::routing
