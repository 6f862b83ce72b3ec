// Two caches (two routers' worth) sharing entries through a Milvus collection (the REST fake on
// loopback): what one stores the other serves, exact or by similarity; rows have upstream's
// schema; a restarted router reads the collection back; expired rows are neither loaded nor
// kept; the development flags behave as upstream's; while Milvus fails, entries wait (bounded)
// and the cache keeps serving, and they are shared when Milvus is back.
#include "cache/milvus_replication.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "support/eventually.h"
#include "support/fake_milvus.h"
#include "unit/cache/shared_entry_checks.h"

namespace vsr::cache {
namespace {

using testing::Eventually;

// Log lines from the replication thread, read by the test.
struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  MilvusReplication::Log sink() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  bool Has(const std::string& part) {
    std::lock_guard lock(mu);
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
};

MilvusReplicationOptions Options(const testing::FakeMilvus& milvus) {
  MilvusReplicationOptions o;
  o.address = milvus.Address();
  o.dimension = 3;
  o.poll_ms = 20;
  return o;
}

// A cache shared through `milvus`, as a router builds it.
std::unique_ptr<SemanticCache> SharedCache(const MilvusReplicationOptions& options,
                                           MilvusReplication** replication = nullptr,
                                           Log* log = nullptr) {
  auto cache = std::make_unique<SemanticCache>(CacheOptions{});
  auto r = std::make_unique<MilvusReplication>(cache.get(), options,
                                               log != nullptr ? log->sink() : nullptr);
  if (replication != nullptr) *replication = r.get();
  cache->SetReplication(std::move(r));
  return cache;
}

TEST(MilvusReplication, AnEntryStoredByOneRouterIsServedByTheOther) {
  testing::FakeMilvus milvus;
  MilvusReplication *ra = nullptr, *rb = nullptr;
  auto a = SharedCache(Options(milvus), &ra);
  auto b = SharedCache(Options(milvus), &rb);
  EXPECT_EQ(a->backend_type(), "milvus");  // what metrics label its operations with
  ExpectServedByTheOther(*a, *b);
  // A router does not re-apply its own rows.
  EXPECT_EQ(ra->published(), 1u);
  EXPECT_TRUE(Eventually([&] { return rb->applied() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several polls
  EXPECT_EQ(ra->applied(), 0u);
  EXPECT_EQ(rb->applied(), 1u);  // and nobody applies a row twice
}

TEST(MilvusReplication, RowsHaveUpstreamsSchema) {
  testing::FakeMilvus milvus;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(Options(milvus), &ra);
  a->Store("chat\x1fMoM", "What is 2+2?", {}, R"({"choices":[]})", 120);
  ASSERT_TRUE(Eventually([&] { return ra->published() == 1; }));
  const boost::json::object created = milvus.created("semantic_cache");
  std::vector<std::string> names;
  for (const auto& f : created.at("schema").at("fields").as_array())
    names.emplace_back(f.at("fieldName").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"id", "request_id", "model", "query", "request_body",
                                             "response_body", "embedding", "timestamp",
                                             "ttl_seconds", "expires_at"}));
  const auto& index = created.at("indexParams").as_array().at(0).as_object();
  EXPECT_EQ(index.at("metricType"), "IP");
  EXPECT_EQ(index.at("indexType"), "HNSW");
  EXPECT_EQ(created.at("indexParams").as_array().at(1).at("indexType"), "STL_SORT");
  ASSERT_EQ(milvus.size("semantic_cache"), 1u);
  // The one row, read back through the fake's query.
  MilvusReplicationOptions options = Options(milvus);
  options.cleanup_seconds = 1;  // the first cleanup comes a second after the first read
  MilvusReplication* rb = nullptr;
  auto b = SharedCache(options, &rb);
  ASSERT_TRUE(Eventually([&] { return rb->applied() == 1; }));
  EXPECT_EQ(b->Lookup("chat\x1fMoM", "What is 2+2?", {}, 0.9).hit->answer, R"({"choices":[]})");
}

TEST(MilvusReplication, ACollectionAnotherRouterMadeMeanwhileIsUsed) {
  testing::FakeMilvus milvus;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(Options(milvus), &ra);
  a->Store("s", "q", {}, "a");
  ASSERT_TRUE(Eventually([&] { return ra->published() == 1; }));
  milvus.MissNextHas();  // b's create then fails: "collection already exists"
  Log log;
  MilvusReplication* rb = nullptr;
  auto b = SharedCache(Options(milvus), &rb, &log);
  ASSERT_TRUE(Eventually([&] { return rb->applied() == 1; }));
  EXPECT_FALSE(log.Has("(retrying)"));
}

TEST(MilvusReplication, ARestartedRouterReadsTheCollectionBack) {
  testing::FakeMilvus milvus;
  {
    MilvusReplication* ra = nullptr;
    auto a = SharedCache(Options(milvus), &ra);
    for (int i = 0; i < 20; ++i) {
      a->Store("s", "question " + std::to_string(i), {}, "answer " + std::to_string(i));
    }
    ASSERT_TRUE(Eventually([&] { return ra->published() == 20; }));
  }
  milvus.Restart();  // and Milvus too: the collection is loaded again before it is read
  auto again = SharedCache(Options(milvus));
  ASSERT_TRUE(Eventually([&] { return again->size() == 20; }));
  EXPECT_EQ(again->Lookup("s", "question 7", {}, 0.9).hit->answer, "answer 7");
}

TEST(MilvusReplication, AtStartOnlyTheNewestMaxEntriesAreRead) {
  testing::FakeMilvus milvus;
  {
    MilvusReplication* ra = nullptr;
    auto a = SharedCache(Options(milvus), &ra);
    for (int i = 0; i < 30; ++i) a->Store("s", "q" + std::to_string(i), {}, "a");
    ASSERT_TRUE(Eventually([&] { return ra->published() == 30; }));
  }
  MilvusReplicationOptions options = Options(milvus);
  options.max_entries = 10;
  MilvusReplication* rb = nullptr;
  auto b = SharedCache(options, &rb);
  ASSERT_TRUE(Eventually([&] { return rb->applied() == 10; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rb->applied(), 10u);
}

TEST(MilvusReplication, ExpiredRowsAreNotLoadedAndAreDeleted) {
  testing::FakeMilvus milvus;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(Options(milvus), &ra);
  a->Store("s", "short-lived", {}, "x", 1);
  a->Store("s", "forever", {}, "y", 0);
  ASSERT_TRUE(Eventually([&] { return ra->published() == 2; }));
  // Past the second the row lives (Milvus keeps whole seconds), a new router skips it...
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  MilvusReplicationOptions options = Options(milvus);
  options.cleanup_seconds = 1;  // the first cleanup comes a second after the first read
  MilvusReplication* rb = nullptr;
  auto b = SharedCache(options, &rb);
  ASSERT_TRUE(Eventually([&] { return rb->applied() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rb->applied(), 1u);
  EXPECT_TRUE(b->Lookup("s", "forever", {}, 0.9).hit);
  EXPECT_FALSE(b->Lookup("s", "short-lived", {}, 0.9).hit);
  // ...and the cleanup deletes it from the collection.
  EXPECT_TRUE(Eventually([&] { return milvus.size("semantic_cache") == 1; }));
}

TEST(MilvusReplication, DropCollectionOnStartupStartsEmpty) {
  testing::FakeMilvus milvus;
  {
    MilvusReplication* ra = nullptr;
    auto a = SharedCache(Options(milvus), &ra);
    a->Store("s", "old", {}, "a");
    ASSERT_TRUE(Eventually([&] { return ra->published() == 1; }));
  }
  MilvusReplicationOptions options = Options(milvus);
  options.drop_on_start = true;
  Log log;
  MilvusReplication* rb = nullptr;
  auto b = SharedCache(options, &rb, &log);
  b->Store("s", "new", {}, "b");
  ASSERT_TRUE(Eventually([&] { return rb->published() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(milvus.size("semantic_cache"), 1u);
  EXPECT_EQ(rb->applied(), 0u);
  EXPECT_TRUE(log.Has("dropped milvus collection semantic_cache"));
}

TEST(MilvusReplication, WithoutAutoCreateAMissingCollectionIsReportedAndEntriesStayLocal) {
  testing::FakeMilvus milvus;
  MilvusReplicationOptions options = Options(milvus);
  options.auto_create = false;
  Log log;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(options, &ra, &log);
  a->Store("s", "q", {}, "a");
  EXPECT_TRUE(a->Lookup("s", "q", {}, 0.9).hit);
  ASSERT_TRUE(Eventually([&] { return log.Has("auto_create_collection is false"); }));
  EXPECT_TRUE(milvus.collections().empty());
  EXPECT_EQ(ra->published(), 0u);
}

TEST(MilvusReplication, WhileMilvusFailsEntriesWaitAndTheCacheKeepsServing) {
  testing::FakeMilvus milvus;
  Log log;
  MilvusReplication *ra = nullptr, *rb = nullptr;
  auto a = SharedCache(Options(milvus), &ra, &log);
  auto b = SharedCache(Options(milvus), &rb);
  a->Store("s", "before", {}, "1");
  ASSERT_TRUE(Eventually([&] { return rb->applied() == 1; }));
  milvus.Fail(true);
  ASSERT_TRUE(Eventually([&] { return log.Has("(retrying)"); }));
  a->Store("s", "asked while milvus fails", {}, "still cached here");
  EXPECT_TRUE(a->Lookup("s", "asked while milvus fails", {}, 0.9).hit);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ra->published(), 1u);  // waiting in the queue, not lost
  milvus.Fail(false);
  ASSERT_TRUE(Eventually(
      [&] { return b->Lookup("s", "asked while milvus fails", {}, 0.9).hit.has_value(); }));
  EXPECT_EQ(ra->dropped(), 0u);
  EXPECT_TRUE(log.Has("is reachable again"));
}

TEST(MilvusReplication, AFullQueueDropsWhatDoesNotFit) {
  testing::FakeMilvus milvus;
  milvus.Fail(true);
  MilvusReplicationOptions options = Options(milvus);
  options.queue_limit = 5;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(options, &ra);
  for (int i = 0; i < 8; ++i) a->Store("s", "q" + std::to_string(i), {}, "a");
  EXPECT_EQ(ra->dropped(), 3u);
  EXPECT_EQ(a->size(), 8u);
  milvus.Fail(false);
  ASSERT_TRUE(Eventually([&] { return ra->published() == 5; }));
}

TEST(MilvusReplication, EntriesMilvusCannotHoldStayInThisRouter) {
  testing::FakeMilvus milvus;
  MilvusReplication* ra = nullptr;
  auto a = SharedCache(Options(milvus), &ra);
  a->Store("s", std::string(70000, 'q'), {}, "too long a question for the query column");
  a->Store("s", "bad bytes", {}, std::string("\xff\xfe", 2));
  a->Store("s", "fine", {}, "ok");
  ASSERT_TRUE(Eventually([&] { return ra->published() == 1; }));
  EXPECT_EQ(ra->dropped(), 2u);
  EXPECT_TRUE(a->Lookup("s", "bad bytes", {}, 0.9).hit);  // still served here
}

}  // namespace
}  // namespace vsr::cache
