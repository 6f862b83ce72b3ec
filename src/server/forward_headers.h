// The headers of a request sent to a backend: the client's own headers pass through (as they do
// through Envoy upstream), except those that describe the client's connection or body, which
// the router re-creates; then the backend's configured headers (auth), then the decision's
// header_mutation plugin (sets override, deletes go last). With tracing on, `traceparent`
// replaces the client's (the router's span is the backend's parent).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "server/http_exchange.h"

namespace vsr::server {

HeaderList ForwardHeaders(const std::map<std::string, std::string>& client,  // lower-case names
                          const HeaderList& backend, const HeaderList& plugin_set,
                          const std::vector<std::string>& plugin_remove,
                          const std::string& request_id, std::string traceparent = {});

}  // namespace vsr::server
