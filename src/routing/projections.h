// Projections over signal results: weighted scores and threshold-band mappings whose outputs
// decisions reference as {type: projection, name: <output>}.
#pragma once

#include "config/model_routing.h"
#include "routing/signal_results.h"

namespace vsr::routing {

// Upstream classifier_projections.go: each score is a weighted sum of its inputs (binary:
// match/miss values, confidence, or raw signal value); each mapping picks the first output band
// its source score falls in, with confidence sigmoid(slope * distance to the nearest bound).
void ApplyProjections(const config::Projections& projections, SignalResults& results);

}  // namespace vsr::routing
