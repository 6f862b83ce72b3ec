// router_dc (arXiv:2409.19886, upstream's RouterDCSelector): each model's modelCards
// description (plus capabilities) is embedded once; a query goes to the candidate whose
// embedding is most similar, scored sigmoid(cos / temperature). Below min_similarity, or with
// no embedding model, the first candidate is chosen with uniform scores. all_scores are the
// softmax of the similarities at the same temperature.
#pragma once

#include <memory>

#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

// Router-wide settings: global.router.model_selection.router_dc with the first router_dc
// decision's block over it (temperature when set; require_descriptions and use_capabilities).
config::RouterDcSelection RouterDcSettings(const config::Config& c);

// `embed` null or empty: every selection falls back to the first candidate.
std::unique_ptr<Selector> MakeRouterDcSelector(const config::RouterDcSelection& settings,
                                               const ModelFacts& facts,
                                               const QueryEmbedding::EmbedFn& embed);

}  // namespace vsr::selection
