// hybrid (arXiv:2404.14618, upstream's HybridSelector): the weighted blend of the elo,
// router_dc and automix selectors' per-candidate scores (each min-max normalized when
// normalize_scores), renormalized over the components that answered, then multiplied by a
// cheapness bonus (1 + (1 - normalized price) * cost_weight * request cost weight). Confidence
// is the mean of the components' agreement with the winner and their own confidence. Settings:
// global.router.model_selection.hybrid under the first hybrid decision's block.
#pragma once

#include <memory>

#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

// The components are borrowed (the SelectorSet owns them); any may be null.
std::unique_ptr<Selector> MakeHybridSelector(const config::HybridSelection& settings,
                                             const ModelFacts& facts, const Selector* elo,
                                             const Selector* router_dc, const Selector* automix);

}  // namespace vsr::selection
