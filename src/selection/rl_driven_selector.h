// rl_driven (Router-R1 style, upstream's RLDrivenSelector): every model holds a Beta(alpha,
// beta) belief about its win probability — globally, per decision (seeded from the domain's
// model_scores as Beta(1 + 10s, 1 + 10(1 - s))), per user and per session — updated by
// POST /api/v1/feedback (a win adds to alpha, a loss to beta, a tie half to each; implicit
// feedback, one with a feedback_type, counts implicit_feedback_weight times its confidence).
// Selection is Thompson sampling: one draw from each candidate's blended belief (user beliefs
// weigh personalization_blend, the decision's 0.5 / 0.3), cheaper models boosted by up to
// cost_weight, the session's win rate blended in; the highest draw wins. With
// enable_llm_routing and router_r1_server_url, the Router-R1 server is asked first
// (router_r1.h) through `post`; when it fails, Thompson sampling chooses (the reasoning says
// why) unless llm_routing_fallback is "error". Settings: upstream's defaults with the first
// rl_driven decision's block over them.
#pragma once

#include <memory>

#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

// Whether the rl_driven selector `c` builds asks a Router-R1 server (the settings it reads).
bool RlDrivenAsksRouterR1(const config::Config& c);

// `seed` 0: seeded from the system's random device.
std::unique_ptr<Selector> MakeRlDrivenSelector(const config::Config& c, const ModelFacts& facts,
                                               unsigned long long seed = 0, HttpPostFn post = {});

}  // namespace vsr::selection
