// The JSON of POST /api/v1/eval (upstream's EvalResponse), built from a RoutingResult.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "routing/router.h"

namespace vsr::server {

// Field names and order follow upstream (classification_signal_contract.go). One addition:
// "signal_errors" ({family metrics key: reason}) names the families that could not run (a
// model not loaded, a failed authz lookup), so a dry run never hides why a signal was silent.
boost::json::object BuildEvalResponse(const routing::Router& router,
                                      const request::Request& request,
                                      const routing::RoutingResult& result, bool with_trace);

}  // namespace vsr::server
