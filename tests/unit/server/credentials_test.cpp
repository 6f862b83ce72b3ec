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

// The forwarded headers as ForwardHeaders builds them: the client's, then the backend's.
HeaderList Forwarded(const std::map<std::string, std::string>& client, const BackendTarget& t) {
  return ForwardHeaders(client, t.headers, {}, {}, "req-1");
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
  const BackendTarget openai = Target("openai", "sk-configured");
  HeaderList h = Forwarded(client, openai);
  EXPECT_EQ(ApplyCredentials({}, client, openai, h), CredentialResult::kResolved);
  EXPECT_EQ(Get(h, "authorization"), "Bearer sk-user");
  EXPECT_EQ(Get(h, "x-user-openai-key"), "<none>");
  EXPECT_EQ(Get(h, "x-user-anthropic-key"), "<none>");  // every injected key goes
  EXPECT_EQ(Get(h, "x-other"), "kept");

  const BackendTarget anthropic = Target("anthropic", "");
  h = Forwarded(client, anthropic);
  EXPECT_EQ(ApplyCredentials({}, client, anthropic, h), CredentialResult::kResolved);
  EXPECT_EQ(Get(h, "x-api-key"), "sk-ant-user");
}

TEST(CredentialsTest, WithoutAUserKeyTheConfiguredOneGoesOrTheRequestAsSent) {
  const BackendTarget configured = Target("openai", "sk-configured");
  HeaderList h = Forwarded({}, configured);
  EXPECT_EQ(ApplyCredentials({}, {}, configured, h), CredentialResult::kResolved);
  EXPECT_EQ(Get(h, "authorization"), "Bearer sk-configured");

  // No key anywhere: the default chain fails open and the client's own header passes.
  const std::map<std::string, std::string> client{{"authorization", "Bearer client-key"}};
  const BackendTarget none = Target("openai", "");
  h = Forwarded(client, none);
  EXPECT_EQ(ApplyCredentials({}, client, none, h), CredentialResult::kNone);
  EXPECT_EQ(Get(h, "authorization"), "Bearer client-key");
}

TEST(CredentialsTest, AConfiguredChainReadsItsHeadersInOrderAndCanFailClosed) {
  // Header injection only, closed: no user key is a 401, and the configured key is not sent.
  const config::Authz headers_only = Chain({{"header-injection", {}}});
  const BackendTarget configured = Target("openai", "sk-configured");
  HeaderList h = Forwarded({}, configured);
  EXPECT_EQ(ApplyCredentials(headers_only, {}, configured, h), CredentialResult::kMissing);
  EXPECT_EQ(Get(h, "authorization"), "<none>");
  EXPECT_EQ(ApplyCredentials(Chain({{"header-injection", {}}}, true), {}, configured, h),
            CredentialResult::kNone);

  // The configured key first, then a team header of the chain's own naming.
  const config::Authz static_first =
      Chain({{"static-config", {}}, {"header-injection", {{"openai", "X-Team-Key"}}}});
  const std::map<std::string, std::string> client{{"x-team-key", "sk-team"},
                                                  {"x-user-openai-key", "sk-user"}};
  h = Forwarded(client, configured);
  EXPECT_EQ(ApplyCredentials(static_first, client, configured, h), CredentialResult::kResolved);
  EXPECT_EQ(Get(h, "authorization"), "Bearer sk-configured");
  EXPECT_EQ(Get(h, "x-team-key"), "<none>");
  EXPECT_EQ(Get(h, "x-user-openai-key"), "sk-user");  // not a header of this chain
  const BackendTarget unconfigured = Target("openai", "");
  h = Forwarded(client, unconfigured);
  EXPECT_EQ(ApplyCredentials(static_first, client, unconfigured, h), CredentialResult::kResolved);
  EXPECT_EQ(Get(h, "authorization"), "Bearer sk-team");

  // A source of an unknown type: upstream falls back to the default chain, closed.
  const config::Authz broken = Chain({{"vault", {}}}, true);
  h = Forwarded({}, unconfigured);
  EXPECT_EQ(ApplyCredentials(broken, {}, unconfigured, h), CredentialResult::kMissing);
}

}  // namespace
}  // namespace vsr::server
