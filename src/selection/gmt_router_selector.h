// gmtrouter (upstream's GMTRouterSelector, after arXiv:2510.08916): personalized selection
// from each user's feedback history. A user with fewer than
// min_interactions_for_personalization interactions gets the cold-start choice (the highest
// modelCards quality_score); after that, each model's score blends that base (0.3) with the
// user's learned preference (0.7): the mean of the user's recency-weighted ratings of it (a win
// rates 1, a loss 0; half-life one week), damped by their variance, plus a little influence from
// users whose preferences look alike (cosine >= 0.3). Upstream's trained graph model
// (model_path) does not take part in its selection either. Settings: upstream's defaults with the
// first gmtrouter decision's block over them. With storage_path the users' histories are saved
// after every feedback (upstream's file format, written atomically) and read back at start, so
// a restart or a config reload keeps what users taught it.
#pragma once

#include <memory>

#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

// `embed` (may be empty) embeds model descriptions, which earn a small quality bonus as
// upstream's graph features do. `now` (seconds) is injectable for tests of recency.
std::unique_ptr<Selector> MakeGmtRouterSelector(const config::Config& c, const ModelFacts& facts,
                                                const QueryEmbedding::EmbedFn& embed,
                                                std::function<int64_t()> now = {});

}  // namespace vsr::selection
