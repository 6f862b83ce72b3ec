// Per-user provider keys: upstream's authz credential chain (`global.services.authz`). An auth
// service in front of the router (Authorino, an ext_authz filter) checks the user and injects
// the user's own key for each LLM provider as a request header (`x-user-openai-key`,
// `x-user-anthropic-key`, ...); the router sends the backend the first key the chain finds for
// the backend's provider type — a `header-injection` source reads those headers, a
// `static-config` source is the model's configured api_key — and never passes the injected
// headers on. With no `providers` configured the chain is upstream's default: injected headers,
// then the configured key, failing open (no key found: the request goes as the client sent it).
#pragma once

#include <map>
#include <string>

#include "config/config.h"
#include "server/backends.h"
#include "server/http_exchange.h"

namespace vsr::server {

enum class CredentialResult {
  kResolved,  // a key was found and set
  kNone,      // no key anywhere, and the chain fails open: the request goes without one
  kMissing,   // no key anywhere, and the chain fails closed: answer 401
};

// Applies the chain to a request about to go to `target`: sets its auth header in `headers`
// (the forwarded request's) and removes every injected key header. `client` is the client's
// request headers, lower-case names.
CredentialResult ApplyCredentials(const config::Authz& authz,
                                  const std::map<std::string, std::string>& client,
                                  const BackendTarget& target, HeaderList& headers);

// Upstream's message for kMissing (status 401).
inline constexpr const char* kCredentialsMissing =
    "Authentication failed. Check your API key configuration.";

}  // namespace vsr::server
