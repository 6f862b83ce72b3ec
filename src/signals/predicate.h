// Numeric predicates shared by the structure and conversation signals.
#pragma once

#include "config/model_signals.h"

namespace vsr::signals {

// All set bounds hold (gt/gte/lt/lte); no bounds -> value > 0 (upstream's structure rule).
inline bool PredicateHolds(double value, const config::NumericPredicate& p) {
  if (p.empty()) return value > 0;
  if (p.gt && !(value > *p.gt)) return false;
  if (p.gte && !(value >= *p.gte)) return false;
  if (p.lt && !(value < *p.lt)) return false;
  if (p.lte && !(value <= *p.lte)) return false;
  return true;
}

}  // namespace vsr::signals
