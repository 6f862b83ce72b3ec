// Reasoning mode in the forwarded body, per the chosen model's reasoning family
// (providers.defaults.reasoning_families): upstream's req_filter_reason.go semantics.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "config/config.h"

namespace vsr::routing {

struct ReasoningApplied {
  bool applied = false;       // reasoning was switched on for a model whose family is known
  std::string effort;         // the effort written, for reasoning_effort families
  bool body_changed = false;  // a field was removed or written (else the body is as it came)
};

// `model` is a providers.models name (or its provider_model_id). With `enabled`:
// chat_template_kwargs families get chat_template_kwargs[parameter] = true; reasoning_effort
// families get chat_template_kwargs[parameter] = the decision's modelRef reasoning_effort, else
// providers.defaults.default_reasoning_effort, else "medium". Without it: the former get false,
// the latter the client's own reasoning_effort (default "low"). The top-level reasoning_effort
// is removed either way. Models without a family are left as they are (apart from that field).
ReasoningApplied ApplyReasoningMode(boost::json::object& body, const std::string& model,
                                    bool enabled, const std::string& decision_name,
                                    const config::Config& config);

}  // namespace vsr::routing
