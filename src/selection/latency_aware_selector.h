// latency_aware: among candidates with latency samples, the one whose TPOT and/or TTFT
// percentiles are lowest relative to the best candidate's (upstream's LatencyAwareSelector).
// Confidence is the relative gap to the runner-up. No percentiles configured or no samples yet:
// no choice (the caller falls back to static).
#pragma once

#include <memory>

#include "selection/latency_stats.h"
#include "selection/selector.h"

namespace vsr::selection {

std::unique_ptr<Selector> MakeLatencyAwareSelector(std::shared_ptr<const LatencyStats> stats);

}  // namespace vsr::selection
