// The Signal interface: one class per family, built from config, evaluated per request.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "request/request.h"
#include "signals/family.h"

namespace vsr::signals {

// What one family found in one request.
struct SignalOutput {
  std::vector<std::string> matched;           // names as decision conditions reference them
  std::map<std::string, double> confidences;  // "type:name" -> [0,1], where the family scores
  std::map<std::string, double> values;       // "type:name" -> raw feature value
  double confidence = 0;                      // the family's metric confidence
  double execution_ms = 0;
  double started_ms = 0;                      // when it started, from the start of routing (traces)
  std::string error;                          // why it failed or could not run ("" = fine)
  std::vector<std::string> matched_keywords;  // keyword family: the words that matched
  int token_count = -1;                       // context family: the count it compared
  std::vector<float> embedding;  // embedding family: the query's vector (selection reuses it)
};

class Signal {
 public:
  virtual ~Signal() = default;
  virtual Family family() const = 0;
  // Every name a condition may use (for unmatched lists and "did it run" reports).
  virtual std::vector<std::string> RuleNames() const = 0;
  // Empty when the family can evaluate; otherwise why not (e.g. its model is not loaded).
  virtual std::string NotReadyReason() const { return {}; }
  // True when evaluation costs more than a few microseconds (models): such signals run
  // concurrently under a time budget; cheap ones run inline.
  virtual bool IsExpensive() const { return false; }
  virtual void Evaluate(const request::Request& request, SignalOutput& out) const = 0;
};

// The `name` of every rule in a config list, in order (what most RuleNames() return).
template <typename Rule>
std::vector<std::string> RuleNamesOf(const std::vector<Rule>& rules) {
  std::vector<std::string> names;
  names.reserve(rules.size());
  for (const Rule& r : rules) names.push_back(r.name);
  return names;
}

}  // namespace vsr::signals
