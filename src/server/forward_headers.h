// The headers of a request sent to a backend: the client's own headers pass through (as they do
// through Envoy upstream), except those that describe the client's connection or body, which
// the router re-creates; then the backend's configured headers (auth), then the decision's
// header_mutation plugin (sets override, deletes go last). With tracing on, `traceparent`
// replaces the client's (the router's span is the backend's parent).
//
// The other way, a backend's answer headers pass on to the client (rate limits, retry-after,
// the backend's own ids), except those the router writes itself: framing, connection,
// content type and encoding (the router may rewrite the body; it asks backends for no
// encoding), server, x-request-id and x-vsr-*.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_exchange.h"

namespace vsr::server {

HeaderList ForwardHeaders(const std::map<std::string, std::string>& client,  // lower-case names
                          const HeaderList& backend, const HeaderList& plugin_set,
                          const std::vector<std::string>& plugin_remove,
                          const std::string& request_id, std::string traceparent = {});

// Header list edits by case-insensitive name: drop every `name`; replace them with one.
void RemoveHeader(HeaderList& list, std::string_view name);
void SetHeader(HeaderList& list, const std::string& name, const std::string& value);

// Moves the backend answer headers that pass on to the client from `backend` to the end of `out`.
void PassBackHeaders(HeaderList& backend, HeaderList& out);

}  // namespace vsr::server
