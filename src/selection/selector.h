// Model selection: a decision's modelRefs and its `algorithm` choose one model. Each algorithm
// is one class behind Selector; selectors.cpp is the one place that builds them from config.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace vsr::selection {

struct SelectionContext {
  std::string decision_name;
  const std::vector<config::ModelRef>* candidates = nullptr;  // the decision's modelRefs
  std::string query;
  int tpot_percentile = 0;  // latency_aware block of the decision
  int ttft_percentile = 0;
};

struct SelectionResult {
  const config::ModelRef* ref = nullptr;  // one of the candidates
  double score = 0;
  double confidence = 0;
  std::string method;  // "static", "elo", ...
  std::string reasoning;
  std::map<std::string, double> all_scores;
};

// Pairwise preference from a user or an evaluator (POST /api/v1/feedback).
struct Feedback {
  std::string winner_model;
  std::string loser_model;
  bool tie = false;
  std::string decision_name;  // empty: global ratings only
};

class Selector {
 public:
  virtual ~Selector() = default;
  virtual std::string Method() const = 0;
  // Picks one candidate; nullopt (with `error`) when it cannot, and the caller falls back.
  virtual std::optional<SelectionResult> Select(const SelectionContext& ctx,
                                                std::string& error) const = 0;
  // Learns from feedback; false (with `error`) when the feedback is unusable or not supported.
  virtual bool UpdateFeedback(const Feedback&, std::string& error) {
    error = Method() + " selection does not learn from feedback";
    return false;
  }
};

}  // namespace vsr::selection
