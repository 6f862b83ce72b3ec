// The Responses API store: in memory by default; with store_backend redis (a real
// redis-server), two routers share responses — what one stores the other continues, a delete
// reaches both, a router that restarts reads them back — and Redis going away never fails a
// request. What the router logs about the store.
#include "server/response_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/eventually.h"
#include "support/redis_server.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using testing::Eventually;

config::ResponseApiService SharedConfig(const vsr::testing::RedisServer& redis) {
  config::ResponseApiService cfg;
  cfg.redis.address = redis.address();
  cfg.redis.key_prefix = "test:";
  return cfg;
}

std::shared_ptr<ResponseStore> Open(const config::ResponseApiService& cfg,
                                    std::string* note = nullptr) {
  std::string unused;
  return OpenResponseStore(cfg, nullptr, note != nullptr ? *note : unused);
}

StoredResponse Response(const std::string& text) {
  StoredResponse r;
  r.response = json::object{{"object", "response"}, {"output_text", text}};
  r.messages = json::array{json::object{{"role", "assistant"}, {"content", text}}};
  r.input_items = json::array{json::object{{"type", "message"}}};
  return r;
}

TEST(ResponseStoreTest, MemoryByDefaultAndSaysWhenABackendCannotBeUsed) {
  config::ResponseApiService cfg;  // upstream's default: redis, but no address
  std::string note;
  auto store = Open(cfg, &note);
  EXPECT_EQ(note, "");
  EXPECT_EQ(store->description(), "memory");
  store->Put("resp_1", Response("hi"));
  EXPECT_EQ(store->Get("resp_1")->messages.size(), 1u);
  EXPECT_TRUE(store->Delete("resp_1"));
  EXPECT_FALSE(store->Get("resp_1"));

  cfg.store_backend = "milvus";
  Open(cfg, &note);
  EXPECT_EQ(note,
            "response_api: store_backend 'milvus' is not available in this build (use memory or "
            "redis); responses are kept in this router's memory");
  cfg.store_backend = "redis";
  cfg.redis.address = "redis://host:notaport";
  EXPECT_EQ(Open(cfg, &note)->description(), "memory");
  EXPECT_NE(note.find("response_api: redis.address: "), std::string::npos) << note;
}

TEST(ResponseStoreTest, TwoRoutersShareResponsesThroughRedis) {
  vsr::testing::RedisServer redis;
  VSR_REQUIRE_REDIS(redis);
  auto a = Open(SharedConfig(redis));
  auto b = Open(SharedConfig(redis));
  EXPECT_EQ(a->description(), "memory, shared through redis at 127.0.0.1:" +
                                  std::to_string(redis.port()) + " (stream test:responses)");
  a->Put("resp_shared", Response("Paris"));
  ASSERT_TRUE(Eventually([&] { return b->Get("resp_shared").has_value(); }));
  const StoredResponse got = *b->Get("resp_shared");
  EXPECT_EQ(got.response.at("output_text"), "Paris");
  EXPECT_EQ(got.messages, Response("Paris").messages);
  EXPECT_EQ(got.input_items.size(), 1u);
  // A router does not re-apply its own entries.
  EXPECT_TRUE(Eventually([&] { return a->mirror()->published() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(a->mirror()->applied(), 0u);

  // A delete on one router reaches the other.
  EXPECT_TRUE(b->Delete("resp_shared"));
  ASSERT_TRUE(Eventually([&] { return !a->Get("resp_shared").has_value(); }));
}

TEST(ResponseStoreTest, ARestartedRouterReadsResponsesBackButNotExpiredOnes) {
  vsr::testing::RedisServer redis;
  VSR_REQUIRE_REDIS(redis);
  {
    config::ResponseApiService cfg = SharedConfig(redis);
    cfg.ttl_seconds = 1;
    auto short_lived = Open(cfg);
    short_lived->Put("resp_old", Response("gone soon"));
    auto a = Open(SharedConfig(redis));
    a->Put("resp_kept", Response("kept"));
    ASSERT_TRUE(Eventually(
        [&] { return a->mirror()->published() == 1 && short_lived->mirror()->published() == 1; }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto restarted = Open(SharedConfig(redis));
  ASSERT_TRUE(Eventually([&] { return restarted->Get("resp_kept").has_value(); }));
  EXPECT_FALSE(restarted->Get("resp_old"));
}

TEST(ResponseStoreTest, RedisGoingAwayNeverFailsAResponse) {
  auto redis = std::make_unique<vsr::testing::RedisServer>();
  VSR_REQUIRE_REDIS(*redis);
  auto a = Open(SharedConfig(*redis));
  redis->Kill();
  a->Put("resp_local", Response("still here"));
  EXPECT_TRUE(a->Get("resp_local"));
  ASSERT_TRUE(Eventually([&] { return a->mirror()->dropped() == 1; }));
}

}  // namespace
}  // namespace vsr::server
