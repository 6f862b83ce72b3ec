// Memory backend milvus against a fake Milvus REST API (v2) on loopback: the collection is made
// with upstream's schema when missing, two routers share memories, a restarted one finds them,
// forgetting deletes, and a Milvus that answers with an error code is logged, not fatal.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>

#include "plugins/memory_store.h"
#include "plugins/registry.h"
#include "routing/router.h"
#include "server/api_errors.h"
#include "support/config_loader.h"
#include "support/eventually.h"
#include "support/fake_milvus.h"
#include "support/memory_runtime.h"

namespace vsr::plugins {
namespace {

using Router = testing::MemoryRuntime;
constexpr auto Mem = testing::TestMemory;

namespace json = boost::json;
using testing::Eventually;

using testing::FakeMilvus;

std::shared_ptr<const config::Config> MilvusMemoryConfig(const std::string& address) {
  return testing::MemoryBackendConfig(
      "milvus", "{address: '" + address + "', collection: agentic_memory, dimension: 2}");
}

TEST(MemoryMilvus, RoutersShareMemoriesThroughUpstreamsCollection) {
  FakeMilvus milvus;
  const auto config = MilvusMemoryConfig(milvus.Address());
  auto a = std::make_unique<Router>(config);
  EXPECT_NE(a->Logged("memory: memories kept in milvus http://127.0.0.1:"), "");
  // Upstream's schema: primary id, user_id partition key, the vector's dimension, HNSW/COSINE.
  const json::object created = milvus.created("agentic_memory");
  ASSERT_FALSE(created.empty());
  const json::array& fields = created.at("schema").at("fields").as_array();
  ASSERT_EQ(fields.size(), 12u);
  EXPECT_EQ(fields[0].at("fieldName"), "id");
  EXPECT_EQ(fields[0].at("isPrimary"), true);
  EXPECT_EQ(fields[1].at("isPartitionKey"), true);
  EXPECT_EQ(fields[7].at("elementTypeParams").at("dim"), 2);
  EXPECT_EQ(created.at("indexParams").at(0).at("metricType"), "COSINE");

  Router b(config);
  a->store().Store(Mem("m1", "alice", "Q: my cat?\nA: Her name is Miso."));
  a->store().Store(Mem("m2", "alice", "Q: my dog?\nA: His name is Taro."));
  EXPECT_TRUE(Eventually([&] { return milvus.size("agentic_memory") == 2; }));
  EXPECT_TRUE(Eventually([&] { return b.store().size() == 2; }));  // b saw the count move
  ASSERT_EQ(b.store().Search("alice", {0.6f, 0.8f}, 0.9, 5).size(), 2u);
  const json::object row = milvus.row("agentic_memory", "m1");
  EXPECT_EQ(row.at("user_id"), "alice");
  EXPECT_EQ(row.at("project_id"), "default");
  EXPECT_EQ(row.at("created_at"), 1700000000);  // seconds, as upstream's Milvus store
  EXPECT_EQ(row.at("embedding").as_array().size(), 2u);

  EXPECT_TRUE(b.store().Forget("m1"));
  EXPECT_TRUE(Eventually([&] { return milvus.size("agentic_memory") == 1; }));
  EXPECT_TRUE(Eventually([&] { return a->store().size() == 1; }));
  a.reset();
  Router restarted(config);
  EXPECT_EQ(restarted.store().size(), 1u);
  EXPECT_EQ(restarted.store().Get("m2")->content, "Q: my dog?\nA: His name is Taro.");
}

TEST(MemoryMilvus, ErrorsAreLoggedAndMemoriesStayInTheRouter) {
  FakeMilvus milvus;
  milvus.Fail(true);
  Router r(MilvusMemoryConfig(milvus.Address()));
  EXPECT_NE(r.Logged("memory: cannot use milvus at 127.0.0.1:"), "");
  EXPECT_NE(r.Logged("code 1100: collection not loaded"), "");
  r.store().Store(Mem("m1", "alice", "kept here"));
  EXPECT_EQ(r.store().size(), 1u);

  milvus.Fail(false);
  Router ok(MilvusMemoryConfig(milvus.Address()));
  Memory wrong = Mem("w1", "bob", "three dimensions");
  wrong.embedding = {1, 0, 0};
  ok.store().Store(wrong);  // the collection takes 2: refused, said once
  EXPECT_TRUE(Eventually([&] { return !ok.Logged("memory: cannot save to milvus").empty(); }));
  EXPECT_NE(ok.Logged("has an embedding of 3 dimensions; the collection takes 2"), "");
}

}  // namespace
}  // namespace vsr::plugins
