// automix (arXiv:2310.12963, upstream's AutoMixSelector in pre-selection mode): each model's
// expected value is its quality (modelCards quality_score, default 0.8) minus a cost penalty
// (prompt price / 10 * cost_quality_tradeoff when cost_aware_routing), plus a discounted
// escalation value when its verification probability is under verification_threshold.
// Cost-aware routing then weighs each value by 1 / (1 + price * cost_weight) and a 10% bonus
// for models likely to pass verification; otherwise the highest value wins. Candidates are
// considered cheapest first, so ties go to the cheaper model. Settings:
// global.router.model_selection.automix under the first automix decision's block.
#pragma once

#include <memory>

#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

std::unique_ptr<Selector> MakeAutoMixSelector(const config::AutoMixSelection& settings,
                                              const ModelFacts& facts);

}  // namespace vsr::selection
