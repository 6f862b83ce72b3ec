// Per-user provider keys: upstream's authz credential chain (`global.services.authz`). An auth
// service in front of the router (Authorino, an ext_authz filter) checks the user and injects
// the user's own key for each LLM provider as a request header (`x-user-openai-key`,
// `x-user-anthropic-key`, ...); the router sends the backend the first key the chain finds for
// the backend's provider type — a `header-injection` source reads those headers, a
// `static-config` source is the model's configured api_key — and never passes the injected
// headers on. With no `providers` configured the chain is upstream's default: injected headers,
// then the configured key, failing open (no key found: the request goes as the client sent it).
#pragma once

#include <array>
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

// The chain of a config (`global.services.authz`; kept by reference: it must not outlive it).
class CredentialChain {
 public:
  explicit CredentialChain(const config::Authz& authz);
  // Sets the auth header among `target`'s own headers to the first key a source has for its
  // provider, or takes the configured one out when the chain does not send it. The forwarded
  // request's headers are built from those afterwards, so a decision's header_mutation still
  // comes last, as upstream appends it after the credentials. `client`: lower-case names.
  CredentialResult Resolve(const std::map<std::string, std::string>& client,
                           BackendTarget& target) const;
  // Removes every header the chain reads keys from: a user's key never reaches a backend in it.
  void StripInjectedKeys(HeaderList& forwarded) const;

  // A source, in chain order. A header-injection source without its own `headers` uses
  // upstream's defaults.
  struct Source {
    bool from_headers = false;
    const std::map<std::string, std::string>* headers = nullptr;  // provider -> header
  };

 private:
  std::array<Source, 4> sources_{};
  size_t count_ = 0;
  bool fail_open_ = true;
};

// Upstream's message for kMissing (status 401).
inline constexpr const char* kCredentialsMissing =
    "Authentication failed. Check your API key configuration.";

}  // namespace vsr::server
