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

// The sources a chain reads, in order. A header-injection source without its own `headers` uses
// upstream's defaults.
struct Source {
  bool from_headers = false;
  const std::map<std::string, std::string>* headers = nullptr;  // provider -> header; null: default
};

// Calls `f(header)` for every header a header-injection source reads.
template <typename F>
void ForEachKeyHeader(const Source& s, F&& f) {
  if (s.headers == nullptr || s.headers->empty()) {
    for (const auto& [provider, header] : kDefaultKeyHeaders) f(header);
  } else {
    for (const auto& [provider, header] : *s.headers) f(std::string_view(header));
  }
}

std::string_view KeyHeaderFor(const Source& s, std::string_view provider) {
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

CredentialResult ApplyCredentials(const config::Authz& authz,
                                  const std::map<std::string, std::string>& client,
                                  const BackendTarget& target, HeaderList& headers) {
  // No providers: upstream's default chain, which fails open. A chain with a source of an
  // unknown type is a config upstream refuses to build: it runs the default chain, closed.
  std::array<Source, 4> sources{};
  size_t count = 0;
  bool fail_open = authz.providers.empty() ? true : authz.fail_open;
  for (const config::AuthzProvider& p : authz.providers) {
    if (count == sources.size() || (p.type != "header-injection" && p.type != "static-config")) {
      count = 0;
      fail_open = false;
      break;
    }
    sources[count++] = Source{p.type == "header-injection", &p.headers};
  }
  if (count == 0) {
    sources[count++] = Source{true, nullptr};
    sources[count++] = Source{false, nullptr};
  }

  std::string key;
  for (size_t i = 0; i < count && key.empty(); ++i) {
    if (!sources[i].from_headers) {
      key = target.configured_key;
      continue;
    }
    const std::string_view header = KeyHeaderFor(sources[i], target.provider);
    if (header.empty()) continue;
    for (const auto& [name, value] : client) {  // a few headers: a scan, no lower-cased copy
      if (IEquals(name, header)) key = value;
    }
  }
  // The users' keys never reach a backend in their own headers (one pass over the request's).
  std::erase_if(headers, [&](const auto& h) {
    bool injected = false;
    for (size_t i = 0; i < count && !injected; ++i) {
      if (!sources[i].from_headers) continue;
      ForEachKeyHeader(sources[i], [&](std::string_view k) { injected |= IEquals(h.first, k); });
    }
    return injected;
  });
  if (!key.empty()) {
    SetHeader(headers, target.auth_header, target.AuthValue(key));
    return CredentialResult::kResolved;
  }
  // No source had a key: a configured one is not the chain's to send (it holds no
  // static-config), and the request goes as the client sent it, or not at all.
  if (!target.configured_key.empty()) RemoveHeader(headers, target.auth_header);
  return fail_open ? CredentialResult::kNone : CredentialResult::kMissing;
}

}  // namespace vsr::server
