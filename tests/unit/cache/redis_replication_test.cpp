// Two caches (two routers' worth) sharing entries through a real redis-server: what one stores
// the other serves, exact or by similarity; expiry travels with the entry; a late starter reads
// the backlog; Redis going away drops writes without failing the cache.
#include "cache/redis_replication.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "support/eventually.h"
#include "support/redis_server.h"
#include "unit/cache/shared_entry_checks.h"

namespace vsr::cache {
namespace {

// A cache replicated through `server`, as a router builds it.
std::unique_ptr<SemanticCache> SharedCache(const testing::RedisServer& server,
                                           RedisReplication** replication = nullptr,
                                           std::vector<std::string>* log = nullptr) {
  auto cache = std::make_unique<SemanticCache>(CacheOptions{});
  RedisReplicationOptions options;
  options.endpoint = server.endpoint();
  options.block_ms = 50;
  // Both replication threads log; the test reads `log` after they stopped.
  auto mu = std::make_shared<std::mutex>();
  auto r =
      std::make_unique<RedisReplication>(cache.get(), options, [log, mu](const std::string& l) {
        std::lock_guard lock(*mu);
        if (log != nullptr) log->push_back(l);
      });
  if (replication != nullptr) *replication = r.get();
  cache->SetReplication(std::move(r));
  return cache;
}

using testing::Eventually;

TEST(RedisReplication, AnEntryStoredByOneRouterIsServedByTheOther) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  RedisReplication *ra = nullptr, *rb = nullptr;
  auto a = SharedCache(server, &ra);
  auto b = SharedCache(server, &rb);
  ExpectServedByTheOther(*a, *b);
  // A router does not re-apply its own entries.
  EXPECT_TRUE(Eventually([&] { return ra->published() == 1; }));
  EXPECT_EQ(ra->applied(), 0u);
  EXPECT_EQ(a->size(), 1u);
  EXPECT_TRUE(Eventually([&] { return rb->applied() == 1; }));  // counted after the store
}

TEST(RedisReplication, ARouterThatStartsLaterReadsTheBacklog) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  RedisReplication* ra = nullptr;
  auto a = SharedCache(server, &ra);
  for (int i = 0; i < 20; ++i) {
    a->Store("s", "question " + std::to_string(i), {}, "answer " + std::to_string(i));
  }
  ASSERT_TRUE(Eventually([&] { return ra->published() == 20; }));
  auto late = SharedCache(server);
  ASSERT_TRUE(Eventually([&] { return late->size() == 20; }));
  EXPECT_EQ(late->Lookup("s", "question 7", {}, 0.9).hit->answer, "answer 7");
}

TEST(RedisReplication, ExpiryTravelsWithTheEntry) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  RedisReplication* ra = nullptr;
  auto a = SharedCache(server, &ra);
  auto b = SharedCache(server);
  int64_t now_b = 1000;
  b->SetClockForTesting([&] { return now_b; });
  a->Store("s", "short-lived", {}, "x", 60);
  a->Store("s", "forever", {}, "y", 0);
  ASSERT_TRUE(Eventually([&] { return b->size() == 2; }));
  now_b += 59;
  EXPECT_TRUE(b->Lookup("s", "short-lived", {}, 0.9).hit);
  now_b += 2;  // past the 60 s the storing router gave it
  EXPECT_FALSE(b->Lookup("s", "short-lived", {}, 0.9).hit);
  EXPECT_TRUE(b->Lookup("s", "forever", {}, 0.9).hit);
}

TEST(RedisReplication, TheStreamStaysBoundedByMaxEntries) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  SemanticCache cache(CacheOptions{});
  RedisReplicationOptions options;
  options.endpoint = server.endpoint();
  options.max_len = 100;
  auto r = std::make_unique<RedisReplication>(&cache, options, nullptr);
  RedisReplication* replication = r.get();
  cache.SetReplication(std::move(r));
  for (int i = 0; i < 1000; ++i) cache.Store("s", "q" + std::to_string(i), {}, "a");
  ASSERT_TRUE(Eventually([&] { return replication->published() == 1000; }));
  std::string error;
  auto client = redis::Client::Connect(server.endpoint(), error);
  ASSERT_TRUE(client) << error;
  const long long len = client->Command({"XLEN", options.stream_key}, error)->integer;
  EXPECT_GE(len, 100);
  EXPECT_LT(len, 300);  // MAXLEN ~ trims whole radix-tree nodes (100 entries each by default)
}

TEST(RedisReplication, RedisGoingAwayDropsWritesButNeverTheCache) {
  auto server = std::make_unique<testing::RedisServer>();
  VSR_REQUIRE_REDIS(*server);
  RedisReplication* ra = nullptr;
  std::vector<std::string> log;
  auto a = SharedCache(*server, &ra, &log);
  server->Kill();
  a->Store("s", "asked while redis is down", {}, "still cached here");
  ASSERT_TRUE(Eventually([&] { return ra->dropped() == 1; }));
  EXPECT_TRUE(a->Lookup("s", "asked while redis is down", {}, 0.9).hit);
  a.reset();
  // The writer's line; the reader (connected before the kill) may have logged its own first.
  const auto said = std::find_if(log.begin(), log.end(), [](const std::string& l) {
    return l.find("cannot connect to redis") != std::string::npos;
  });
  ASSERT_NE(said, log.end()) << (log.empty() ? "(nothing logged)" : log[0]);
  EXPECT_NE(said->find("(retrying)"), std::string::npos) << *said;
}

}  // namespace
}  // namespace vsr::cache
