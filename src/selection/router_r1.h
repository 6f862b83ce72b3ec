// Router-R1 (arXiv:2506.09033), the LLM-as-router of upstream's rl_driven selection: with
// `enable_llm_routing` and `router_r1_server_url`, an external server (upstream's
// router_r1_server.py) is asked which candidate should answer. The request and its reading are
// upstream's: POST <url>/route {"query": "Task: <decision>\nAvailable models: a, b"}, answered
// {"selected_model", "thinking", "full_response"}; the named model must be a candidate (or,
// failing that, contain or be contained in one's name).
#pragma once

#include <optional>
#include <string>

#include "selection/selector.h"

namespace vsr::selection {

struct RouterR1Choice {
  const config::ModelRef* ref = nullptr;  // one of ctx.candidates
  std::string thinking;                   // the server's reasoning
};

// The server's choice for `ctx`; nullopt with `error` when the call fails, the answer is not
// upstream's shape, or it names no candidate.
std::optional<RouterR1Choice> AskRouterR1(const HttpPostFn& post, const std::string& server_url,
                                          const SelectionContext& ctx, std::string& error);

}  // namespace vsr::selection
