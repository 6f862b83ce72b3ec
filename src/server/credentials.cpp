#include "server/credentials.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "common/strings.h"
#include "server/forward_headers.h"

namespace vsr::server {

namespace {

// Upstream's default header for each provider type (authz.DefaultHeaderMap).
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kDefaultKeyHeaders = {{
    {"openai", "x-user-openai-key"},
    {"anthropic", "x-user-anthropic-key"},
    {"azure-openai", "x-user-azure-openai-key"},
    {"bedrock", "x-user-bedrock-key"},
    {"gemini", "x-user-gemini-key"},
    {"vertex-ai", "x-user-vertex-ai-key"},
    {"minimax", "x-user-minimax-key"},
}};

// Calls `f(header)` for every header a header-injection source reads.
template <typename F>
void ForEachKeyHeader(const CredentialChain::Source& s, F&& f) {
  if (s.headers == nullptr || s.headers->empty()) {
    for (const auto& [provider, header] : kDefaultKeyHeaders) f(header);
  } else {
    for (const auto& [provider, header] : *s.headers) f(std::string_view(header));
  }
}

std::string_view KeyHeaderFor(const CredentialChain::Source& s, std::string_view provider) {
  if (s.headers == nullptr || s.headers->empty()) {
    for (const auto& [p, header] : kDefaultKeyHeaders) {
      if (p == provider) return header;
    }
    return {};
  }
  const auto it = s.headers->find(std::string(provider));
  return it == s.headers->end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

CredentialChain::CredentialChain(const config::Authz& authz) {
  // No providers: upstream's default chain, which fails open. A chain with a source of an
  // unknown type is a config upstream refuses to build: it runs the default chain, closed.
  fail_open_ = authz.providers.empty() ? true : authz.fail_open;
  for (const config::AuthzProvider& p : authz.providers) {
    if (count_ == sources_.size() || (p.type != "header-injection" && p.type != "static-config")) {
      count_ = 0;
      fail_open_ = false;
      break;
    }
    sources_[count_++] = Source{p.type == "header-injection", &p.headers};
  }
  if (count_ == 0) {
    sources_[count_++] = Source{true, nullptr};
    sources_[count_++] = Source{false, nullptr};
  }
}

CredentialResult CredentialChain::Resolve(const std::map<std::string, std::string>& client,
                                          BackendTarget& target) const {
  std::string key;
  for (size_t i = 0; i < count_ && key.empty(); ++i) {
    if (!sources_[i].from_headers) {
      key = target.configured_key;
      continue;
    }
    const std::string_view header = KeyHeaderFor(sources_[i], target.provider);
    if (header.empty()) continue;
    for (const auto& [name, value] : client) {  // a few headers: a scan, no lower-cased copy
      if (IEquals(name, header)) key = value;
    }
  }
  if (!key.empty()) {
    if (key != target.configured_key) {
      SetHeader(target.headers, target.auth_header, target.AuthValue(key));
    }
    return CredentialResult::kResolved;
  }
  // No source had a key: a configured one is not the chain's to send (it holds no
  // static-config), and the request goes as the client sent it, or not at all.
  if (!target.configured_key.empty()) RemoveHeader(target.headers, target.auth_header);
  return fail_open_ ? CredentialResult::kNone : CredentialResult::kMissing;
}

void CredentialChain::StripInjectedKeys(HeaderList& forwarded) const {
  std::erase_if(forwarded, [&](const auto& h) {
    bool injected = false;
    for (size_t i = 0; i < count_ && !injected; ++i) {
      if (!sources_[i].from_headers) continue;
      ForEachKeyHeader(sources_[i], [&](std::string_view k) { injected |= IEquals(h.first, k); });
    }
    return injected;
  });
}

}  // namespace vsr::server
