// What the signals found for one request, in the shape the decision engine, projections and
// the eval API read.
#pragma once

#include <array>
#include <bit>
#include <boost/container/static_vector.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signals/family.h"
#include "signals/signal.h"

namespace vsr::routing {

struct FamilyResult {
  bool evaluated = false;        // Evaluate ran (used, configured and ready)
  std::string not_ready;         // set when the family is used but cannot run
  signals::SignalOutput output;  // matched names, values, error, timing
};

struct SignalResults {
  std::vector<std::string> projection_matches;  // mapping output names
  std::map<std::string, double> projection_scores;
  std::map<std::string, double> confidences;  // "type:name", signals and projections
  std::map<std::string, double> values;       // "type:name"

  // A family's result; one never written reads as empty (not evaluated, nothing matched).
  const FamilyResult& Of(signals::Family f) const {
    const uint8_t slot = slots_[static_cast<size_t>(f)];
    return slot == 0 ? Unwritten() : results_[slot - 1];
  }
  // The same for writing: made (empty) on first use, at a stable address.
  FamilyResult& Of(signals::Family f) {
    uint8_t& slot = slots_[static_cast<size_t>(f)];
    if (slot == 0) {
      results_.emplace_back();
      slot = static_cast<uint8_t>(results_.size());
    }
    return results_[slot - 1];
  }
  // Sets `f` evaluated, or not ready for `reason`, and reported.
  void MarkEvaluated(signals::Family f) {
    Of(f).evaluated = true;
    Report(f);
  }
  void MarkNotReady(signals::Family f, std::string reason) {
    if (reason.empty()) return;
    Of(f).not_ready = std::move(reason);
    Report(f);
  }
  // Calls `f(const signals::FamilyNames&, const FamilyResult&)` for each family evaluated or not
  // ready, in AllFamilies() order. What reads a request's signals after routing (headers, replay,
  // metrics, spans) visits the two or three that ran instead of all 18 results, ~270 bytes each.
  template <typename F>
  void ForEachReported(F f) const {
    for (uint32_t left = reported_; left != 0; left &= left - 1) {
      const auto i = static_cast<size_t>(std::countr_zero(left));
      f(signals::AllFamilies()[i], Of(static_cast<signals::Family>(i)));
    }
  }
  // True when `name` is among the matches of leaf type `type` (signals or "projection").
  bool Matched(std::string_view type, std::string_view name) const;

 private:
  void Report(signals::Family f) { reported_ |= uint32_t{1} << static_cast<size_t>(f); }
  static const FamilyResult& Unwritten();

  // A request runs two or three of the 18 families: only their results are made, in the order
  // first written (each ~270 bytes; all 18 made and destroyed per request dirtied ~80 cache
  // lines). slots_[family] is 1 + its index in results_, 0 when not made.
  std::array<uint8_t, signals::kFamilyCount> slots_{};
  // A bit per family (its Family value) marked evaluated or not ready: what ForEachReported visits.
  uint32_t reported_ = 0;
  static_assert(signals::kFamilyCount <= 32);
  boost::container::static_vector<FamilyResult, signals::kFamilyCount> results_;
};

}  // namespace vsr::routing
