// The selectors a router uses, built from config in one place.
#pragma once

#include <memory>

#include "selection/elo_selector.h"
#include "selection/latency_stats.h"
#include "selection/selector.h"

namespace vsr::selection {

class SelectorSet {
 public:
  static std::shared_ptr<SelectorSet> Build(const config::Config& c);

  // Selects for a decision. Unknown or not-yet-implemented algorithm types, and selector
  // failures, fall back to static (upstream falls back to the first modelRef too); the result's
  // method says which algorithm actually chose.
  SelectionResult Select(const config::Decision& decision, const std::string& query) const;

  EloSelector* elo() const { return elo_.get(); }  // nullptr unless some decision uses elo
  // Where the data plane records per-model TTFT/TPOT for latency_aware selection.
  LatencyStats& latency() const { return *latency_; }

 private:
  std::unique_ptr<Selector> static_;
  std::unique_ptr<EloSelector> elo_;
  std::shared_ptr<LatencyStats> latency_ = std::make_shared<LatencyStats>();
  std::unique_ptr<Selector> latency_aware_;
};

}  // namespace vsr::selection
