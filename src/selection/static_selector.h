// static: the first modelRef, unless the decision's domain carries model_scores (then the best
// scored candidate), as upstream's StaticSelector.
#pragma once

#include "selection/selector.h"

namespace vsr::selection {

std::unique_ptr<Selector> MakeStaticSelector(const config::Config& c);

}  // namespace vsr::selection
