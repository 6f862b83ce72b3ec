// Per-user provider keys (upstream's authz credential chain): which key a backend gets — the
// user's, injected by an auth service as x-user-<provider>-key, or the configured one — and that
// the injected headers never reach a backend.
#include "server/credentials.h"

#include <gtest/gtest.h>

#include "server/forward_headers.h"

namespace vsr::server {
namespace {

BackendTarget Target(const std::string& provider, const std::string& configured_key) {
  BackendTarget t;
  t.provider = provider;
  t.auth_header = provider == "anthropic" ? "x-api-key" : "Authorization";
  t.auth_prefix = provider == "anthropic" ? "" : "Bearer";
  t.configured_key = configured_key;
  if (!configured_key.empty()) t.headers.emplace_back(t.auth_header, t.AuthValue(configured_key));
  return t;
}

// Resolves `target`'s key with `authz`'s chain, then builds the forwarded headers as the data
// plane does (the client's, the backend's, a header_mutation's `plugin_set`) and strips the
// injected key headers.
struct Sent {
  CredentialResult result;
  HeaderList headers;
};
Sent Send(const config::Authz& authz, const std::map<std::string, std::string>& client,
          BackendTarget target, const HeaderList& plugin_set = {}) {
  const CredentialChain chain(authz);
  Sent s;
  s.result = chain.Resolve(client, target);
  s.headers = ForwardHeaders(client, target.headers, plugin_set, {}, "req-1");
  chain.StripInjectedKeys(s.headers);
  return s;
}

std::string Get(const HeaderList& h, const std::string& name) {
  for (const auto& [n, v] : h) {
    if (n == name) return v;
  }
  return "<none>";
}

config::Authz Chain(std::vector<config::AuthzProvider> providers, bool fail_open = false) {
  config::Authz a;
  a.providers = std::move(providers);
  a.fail_open = fail_open;
  return a;
}

TEST(CredentialsTest, TheDefaultChainPrefersTheUsersKeyAndNeverForwardsIt) {
  const std::map<std::string, std::string> client{{"x-user-openai-key", "sk-user"},
                                                  {"x-user-anthropic-key", "sk-ant-user"},
                                                  {"x-other", "kept"}};
  Sent s = Send({}, client, Target("openai", "sk-configured"));
  EXPECT_EQ(s.result, CredentialResult::kResolved);
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer sk-user");
  EXPECT_EQ(Get(s.headers, "x-user-openai-key"), "<none>");
  EXPECT_EQ(Get(s.headers, "x-user-anthropic-key"), "<none>");  // every injected key goes
  EXPECT_EQ(Get(s.headers, "x-other"), "kept");

  s = Send({}, client, Target("anthropic", ""));
  EXPECT_EQ(s.result, CredentialResult::kResolved);
  EXPECT_EQ(Get(s.headers, "x-api-key"), "sk-ant-user");
}

TEST(CredentialsTest, WithoutAUserKeyTheConfiguredOneGoesOrTheRequestAsSent) {
  Sent s = Send({}, {}, Target("openai", "sk-configured"));
  EXPECT_EQ(s.result, CredentialResult::kResolved);
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer sk-configured");

  // No key anywhere: the default chain fails open and the client's own header passes.
  const std::map<std::string, std::string> client{{"authorization", "Bearer client-key"}};
  s = Send({}, client, Target("openai", ""));
  EXPECT_EQ(s.result, CredentialResult::kNone);
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer client-key");
}

TEST(CredentialsTest, AConfiguredChainReadsItsHeadersInOrderAndCanFailClosed) {
  // Header injection only, closed: no user key is a 401, and the configured key is not sent.
  Sent s = Send(Chain({{"header-injection", {}}}), {}, Target("openai", "sk-configured"));
  EXPECT_EQ(s.result, CredentialResult::kMissing);
  EXPECT_EQ(Get(s.headers, "authorization"), "<none>");
  s = Send(Chain({{"header-injection", {}}}, true), {}, Target("openai", "sk-configured"));
  EXPECT_EQ(s.result, CredentialResult::kNone);

  // The configured key first, then a team header of the chain's own naming.
  const config::Authz static_first =
      Chain({{"static-config", {}}, {"header-injection", {{"openai", "X-Team-Key"}}}});
  const std::map<std::string, std::string> client{{"x-team-key", "sk-team"},
                                                  {"x-user-openai-key", "sk-user"}};
  s = Send(static_first, client, Target("openai", "sk-configured"));
  EXPECT_EQ(s.result, CredentialResult::kResolved);
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer sk-configured");
  EXPECT_EQ(Get(s.headers, "x-team-key"), "<none>");
  EXPECT_EQ(Get(s.headers, "x-user-openai-key"), "sk-user");  // not a header of this chain
  s = Send(static_first, client, Target("openai", ""));
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer sk-team");

  // A source of an unknown type: upstream falls back to the default chain, closed.
  s = Send(Chain({{"vault", {}}}, true), {}, Target("openai", ""));
  EXPECT_EQ(s.result, CredentialResult::kMissing);
}

// A decision's header_mutation comes after the credentials, as upstream appends it after them.
TEST(CredentialsTest, AHeaderMutationOfTheAuthHeaderStillWins) {
  const Sent s = Send({}, {{"x-user-openai-key", "sk-user"}}, Target("openai", "sk-configured"),
                      {{"Authorization", "Bearer from-plugin"}});
  EXPECT_EQ(Get(s.headers, "authorization"), "Bearer from-plugin");
}

}  // namespace
}  // namespace vsr::server
