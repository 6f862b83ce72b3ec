// Memory backend valkey with a real redis-server: two routers (plugin runtimes on the same
// config) share memories, a restarted one finds them again, forgetting reaches Redis, and the
// hashes have upstream's valkey store fields (so either implementation reads the other's).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "plugins/memory_store.h"
#include "plugins/registry.h"
#include "routing/router.h"
#include "support/config_loader.h"
#include "support/eventually.h"
#include "support/memory_runtime.h"
#include "support/redis_server.h"

namespace vsr::plugins {
namespace {

using Router = testing::MemoryRuntime;
constexpr auto Mem = testing::TestMemory;

using testing::Eventually;

// One decision that remembers users, memories kept in the valkey at 127.0.0.1:`port`
// (`valkey_extra`: more keys of the valkey block, e.g. its TLS settings).
std::shared_ptr<const config::Config> ValkeyMemoryConfig(int port,
                                                         const std::string& valkey_extra = "") {
  return testing::MemoryBackendConfig("valkey", "{host: 127.0.0.1, port: " + std::to_string(port) +
                                                    ", collection_prefix: 'test:mem:'" +
                                                    valkey_extra + "}");
}

TEST(MemoryValkey, RoutersShareMemoriesAndARestartKeepsThem) {
  testing::RedisServer redis;
  VSR_REQUIRE_REDIS(redis);
  const auto config = ValkeyMemoryConfig(redis.port());
  auto a = std::make_unique<Router>(config);
  Router b(config);
  EXPECT_NE(a->Logged("memory: memories kept in valkey 127.0.0.1:"), "");
  a->store().Store(Mem("m1", "alice", "Q: my cat?\nA: Her name is Miso."));
  a->store().Store(Mem("m2", "alice", "Q: my dog?\nA: His name is Taro."));
  EXPECT_TRUE(Eventually([&] { return b.store().size() == 2; }));
  auto hits = b.store().Search("alice", {0.6f, 0.8f}, 0.9, 5);
  ASSERT_EQ(hits.size(), 2u);

  // Upstream's hash layout.
  std::string error;
  auto client = redis::Client::Connect(redis.endpoint(), error);
  ASSERT_TRUE(client) << error;
  const auto fields = redis::HashPairs(*client->Command({"HGETALL", "test:mem:m1"}, error));
  EXPECT_EQ(fields.at("user_id"), "alice");
  EXPECT_EQ(fields.at("memory_type"), "episodic");
  EXPECT_EQ(fields.at("project_id"), "default");
  EXPECT_EQ(fields.at("created_at"), "1700000000000");  // milliseconds
  EXPECT_EQ(fields.at("embedding").size(), 2 * sizeof(float));
  EXPECT_NE(fields.at("metadata").find("\"source\":\"conversation\""), std::string::npos);

  // Forgetting in one router reaches Redis and the other router.
  EXPECT_TRUE(b.store().Forget("m1"));
  EXPECT_TRUE(Eventually([&] { return a->store().size() == 1; }));
  EXPECT_EQ(client->Command({"EXISTS", "test:mem:m1"}, error)->integer, 0);

  // A restarted router finds what is left.
  a.reset();
  Router restarted(config);
  EXPECT_EQ(restarted.store().size(), 1u);
  EXPECT_EQ(restarted.store().Get("m2")->content, "Q: my dog?\nA: His name is Taro.");
}

// valkey.tls_enabled with tls_ca_path: a Valkey/Redis that speaks only TLS keeps the memories.
TEST(MemoryValkey, OverTls) {
  testing::RedisServer redis(0, /*tls=*/true);
  VSR_REQUIRE_REDIS(redis);
  Router r(ValkeyMemoryConfig(redis.port(), ", tls_enabled: true, tls_ca_path: '" +
                                                std::string(VSR_FIXTURES_DIR) + "/tls/ca.pem'"));
  EXPECT_NE(r.Logged("memory: memories kept in valkey 127.0.0.1:"), "") << r.FirstLine();
  r.store().Store(Mem("t1", "alice", "Q: my plant?\nA: A fern."));
  std::string error;
  auto client = redis::Client::Connect(redis.endpoint(), error);
  ASSERT_TRUE(client) << error;
  EXPECT_TRUE(Eventually([&] {
    return client->Command({"EXISTS", "test:mem:t1"}, error)->integer == 1;
  }));
}

TEST(MemoryValkey, UnreachableAtStartKeepsMemoriesInTheRouterAndSaysSo) {
  const auto config = ValkeyMemoryConfig(1);  // nothing listens on port 1
  Router r(config);
  EXPECT_NE(r.Logged("memory: cannot use valkey at 127.0.0.1:1: "), "");
  r.store().Store(Mem("m1", "alice", "kept here"));
  EXPECT_EQ(r.store().size(), 1u);
}

}  // namespace
}  // namespace vsr::plugins
