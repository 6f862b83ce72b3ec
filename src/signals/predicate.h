// Numeric bounds (gt/gte/lt/lte) shared by the structure and conversation signals and the
// projection bands.
#pragma once

#include "config/model_signals.h"

namespace vsr::signals {

// Every bound that is set holds. `Bounds` has optional gt, gte, lt, lte members
// (config::NumericPredicate, config::ProjectionOutput).
template <typename Bounds>
bool WithinBounds(double value, const Bounds& b) {
  if (b.gt && !(value > *b.gt)) return false;
  if (b.gte && !(value >= *b.gte)) return false;
  if (b.lt && !(value < *b.lt)) return false;
  if (b.lte && !(value <= *b.lte)) return false;
  return true;
}

// A signal predicate: its bounds, or value > 0 when it has none (upstream's structure rule).
inline bool PredicateHolds(double value, const config::NumericPredicate& p) {
  return p.empty() ? value > 0 : WithinBounds(value, p);
}

}  // namespace vsr::signals
