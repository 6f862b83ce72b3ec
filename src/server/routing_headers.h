// The x-vsr-* response headers that tell a client how its request was routed (upstream's
// names; empty values and zero numbers are left out, as upstream does).
#pragma once

#include <string>

#include "routing/router.h"
#include "server/http_exchange.h"

namespace vsr::server {

struct RoutedTo {
  std::string model;                    // the providers.models name the request went to
  bool reasoning = false;               // reasoning mode switched on
  std::string endpoint;                 // host:port of the backend
  bool injected_system_prompt = false;  // a system_prompt plugin rewrote the request
  std::string replay_id;                // the router_replay record of this request
  double cache_similarity = 0;          // best semantic-cache similarity seen (a miss)
};

// Appends them to `out`.
void AppendRoutingHeaders(const routing::RoutingResult& result, const RoutedTo& to,
                          HeaderList& out);

}  // namespace vsr::server
