// The replay store (bounds, TTL, SQLite and Redis persistence) and the replay API's contract:
// pagination, filters, ordering, aggregate, trajectory and upstream's error texts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <functional>

#include "replay/api.h"
#include "replay/open_store.h"
#include "replay/record.h"
#include "replay/redis_persistence.h"
#include "replay/sqlite_persistence.h"
#include "replay/store.h"
#include "support/redis_server.h"

namespace vsr::replay {
namespace {

namespace json = boost::json;

constexpr int64_t kSecond = 1000000000;

ReplayRecord Rec(const std::string& id, int64_t t_s, const std::string& decision = "d",
                 const std::string& model = "m") {
  ReplayRecord r;
  r.id = id;
  r.timestamp_ns = NowNs() - 1000 * kSecond + t_s * kSecond;
  r.request_id = "req-" + id;
  r.decision = decision;
  r.selected_model = model;
  r.original_model = "MoM";
  return r;
}

json::object Body(const std::optional<ApiReply>& r) {
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->error;
  return json::parse(r->body).as_object();
}

std::optional<ApiReply> Get(const ReplayStore& s, const std::string& path,
                            const std::map<std::string, std::string>& q = {}) {
  return HandleReplayApi(s, "GET", path, q);
}

TEST(ReplayRecord, JsonUsesUpstreamNamesAndRoundTrips) {
  ReplayRecord r = Rec("abc", 1);
  r.timestamp_ns = 1764622800123400000;  // 2025-12-01T21:00:00.1234Z
  r.signals["keyword"] = {"math"};
  r.signal_confidences["keyword:math"] = 1.0;
  r.response_status = 200;
  r.streaming = true;
  r.prompt_tokens = 5;
  r.completion_tokens = 7;
  r.total_tokens = 12;
  const json::object o = ToJson(r);
  EXPECT_EQ(o.at("timestamp"), "2025-12-01T21:00:00.1234Z");
  EXPECT_EQ(o.at("signals").at("keyword").as_array()[0], "math");
  EXPECT_EQ(o.at("turn_index"), 0);        // not omitempty upstream
  EXPECT_FALSE(o.contains("from_cache"));  // omitempty
  EXPECT_EQ(o.at("streaming"), true);
  const ReplayRecord back = FromJson(o);
  EXPECT_EQ(back.timestamp_ns, r.timestamp_ns);
  EXPECT_EQ(back.signals, r.signals);
  EXPECT_EQ(back.total_tokens, 12);
  EXPECT_EQ(json::serialize(ToJson(back)), json::serialize(o));
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(NewReplayId().size(), 32u);
  EXPECT_NE(NewReplayId(), NewReplayId());
}

TEST(ReplayStore, EachDecisionKeepsItsOwnNewestRecords) {
  ReplayStore store(0, nullptr);
  for (int i = 0; i < 5; ++i) store.Add(Rec("a" + std::to_string(i), i, "chat"), 3);
  store.Add(Rec("b0", 10, "math"), 3);
  EXPECT_EQ(store.size(), 4u);
  EXPECT_FALSE(store.Get("a0"));
  EXPECT_FALSE(store.Get("a1"));
  EXPECT_TRUE(store.Get("a2"));
  EXPECT_TRUE(store.Get("b0"));  // another decision's record is not evicted for "chat"
  EXPECT_TRUE(store.Update("a4", [](ReplayRecord& r) { r.response_status = 503; }));
  EXPECT_EQ(store.Get("a4")->response_status, 503);
  EXPECT_FALSE(store.Update("a0", [](ReplayRecord&) {}));
}

TEST(ReplayStore, RecordsOlderThanTheTtlExpire) {
  ReplayStore store(60, nullptr);
  ReplayRecord old = Rec("old", 0);
  old.timestamp_ns = NowNs() - 120 * kSecond;
  store.Add(old, 0);
  store.Add(Rec("new", 999), 0);  // adding expires what is past the TTL
  EXPECT_FALSE(store.Get("old"));
  EXPECT_TRUE(store.Get("new"));
}

// Four records into a fresh store over `open()` (one evicted, one updated), then a second store
// over `open()` again must see exactly what the first kept.
void ExpectRecordsSurviveARestart(const std::function<std::unique_ptr<Persistence>()>& open) {
  {
    auto db = open();
    ASSERT_TRUE(db);
    ReplayStore store(0, std::move(db));
    for (int i = 0; i < 4; ++i) store.Add(Rec("r" + std::to_string(i), i), 3);  // r0 evicted
    store.Update("r3", [](ReplayRecord& r) { r.response_body = "{\"answer\":1}"; });
    store.Flush();
  }
  auto db = open();
  ASSERT_TRUE(db);
  ReplayStore reopened(0, std::move(db));
  EXPECT_EQ(reopened.size(), 3u);
  EXPECT_FALSE(reopened.Get("r0"));
  ASSERT_TRUE(reopened.Get("r3"));
  EXPECT_EQ(reopened.Get("r3")->response_body, "{\"answer\":1}");
  std::vector<std::string> order;
  reopened.ForEachNewestFirst([&](const ReplayRecord& r) {
    order.push_back(r.id);
    return true;
  });
  EXPECT_EQ(order, (std::vector<std::string>{"r3", "r2", "r1"}));
}

TEST(ReplayStore, SqliteKeepsRecordsAcrossRestarts) {
  const std::string path =
      ::testing::TempDir() + "/replay-" + std::to_string(getpid()) + "/nested/router_replay.db";
  std::filesystem::remove_all(std::filesystem::path(path).parent_path().parent_path());
  ExpectRecordsSurviveARestart([&]() -> std::unique_ptr<Persistence> {
    std::string error;
    auto db = SqlitePersistence::Open(path, error);
    EXPECT_TRUE(db) << error;
    return db;
  });
}

TEST(ReplayStore, RedisKeepsRecordsAcrossRestartsUnderUpstreamKeys) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  ExpectRecordsSurviveARestart([&]() -> std::unique_ptr<Persistence> {
    std::string error;
    auto db = RedisPersistence::Open(server.endpoint(), "", 3600, error);
    EXPECT_TRUE(db) << error;
    return db;
  });
  // Upstream's layout: one JSON string per record under router_replay:<id>, with the TTL.
  std::string error;
  auto client = redis::Client::Connect(server.endpoint(), error);
  ASSERT_TRUE(client) << error;
  auto value = client->Command({"GET", "router_replay:r3"}, error);
  ASSERT_TRUE(value);
  const json::object record = json::parse(value->str).as_object();
  EXPECT_EQ(record.at("request_id"), "req-r3");
  EXPECT_EQ(client->Command({"EXISTS", "router_replay:r0"}, error)->integer, 0);  // evicted
  const long long ttl = client->Command({"TTL", "router_replay:r3"}, error)->integer;
  EXPECT_GT(ttl, 3500);
  EXPECT_LE(ttl, 3600);
}

// router_replay's redis with use_tls (upstream's keys: use_tls, tls_skip_verify) against a
// redis-server that speaks only TLS; records land there.
TEST(ReplayStore, RedisOverTls) {
  testing::RedisServer server(0, /*tls=*/true);
  VSR_REQUIRE_REDIS(server);
  config::RouterReplayService cfg;
  cfg.store_backend = "redis";
  cfg.redis = config::ReplayRedis{};
  cfg.redis->address = server.address();
  cfg.redis->use_tls = true;
  std::vector<std::string> warnings;
  // The test CA is not among the system's: verification fails, and the store says why.
  EXPECT_EQ(OpenStore(cfg, [&](const std::string& w) { warnings.push_back(w); })->backend(),
            "memory");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("certificate check"), std::string::npos) << warnings[0];
  cfg.redis->tls_skip_verify = true;
  warnings.clear();
  auto store = OpenStore(cfg, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(store->backend().rfind("redis 127.0.0.1:", 0), 0u) << store->backend();
  EXPECT_NE(store->backend().find("(TLS)"), std::string::npos);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  store->Add(Rec("tls1", 1, "chat", "m"), 100);
  std::string error;
  auto client = redis::Client::Connect(server.endpoint(), error);
  ASSERT_TRUE(client) << error;
  EXPECT_EQ(client->Command({"EXISTS", "router_replay:tls1"}, error)->integer, 1);
}

TEST(ReplayStore, AnUnreachableRedisFallsBackToMemoryWithAWarning) {
  config::RouterReplayService cfg;
  cfg.store_backend = "redis";
  cfg.redis = config::ReplayRedis{};
  cfg.redis->address = "127.0.0.1:1";
  std::vector<std::string> warnings;
  auto store = OpenStore(cfg, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(store);
  EXPECT_EQ(store->backend(), "memory");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("cannot connect to redis at 127.0.0.1:1"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("records are kept in memory only"), std::string::npos);
}

TEST(ReplayStore, AnUnwritablePathIsAnErrorNotACrash) {
  std::string error;
  EXPECT_FALSE(SqlitePersistence::Open("/proc/no/such/dir/replay.db", error));
  EXPECT_FALSE(error.empty());
}

class ReplayApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 25 records, alternating decisions and models; every 5th from the cache, every 3rd streamed.
    for (int i = 0; i < 25; ++i) {
      ReplayRecord r = Rec(std::string(1, static_cast<char>('a' + i)), i, i % 2 ? "math" : "chat",
                           i % 2 ? "big" : "small");
      r.request_id = "Req-" + std::to_string(i);
      r.from_cache = i % 5 == 0;
      r.streaming = i % 3 == 0;
      r.session_id = i < 3 ? "s1" : "";
      if (i % 2) r.signals["keyword"] = {"math", "proof"};
      r.prompt_tokens = 10;
      r.completion_tokens = i;
      store_.Add(r, 0);
    }
  }
  ReplayStore store_{0, nullptr};
};

TEST_F(ReplayApiTest, ListPagesNewestFirstWithMetadata) {
  json::object page = Body(Get(store_, "/v1/router_replay"));
  EXPECT_EQ(page.at("object"), "router_replay.list");
  EXPECT_EQ(page.at("count"), 20);
  EXPECT_EQ(page.at("total"), 25);
  EXPECT_EQ(page.at("limit"), 20);
  EXPECT_EQ(page.at("offset"), 0);
  EXPECT_EQ(page.at("has_more"), true);
  EXPECT_EQ(page.at("next_offset"), 20);
  EXPECT_EQ(page.at("data").as_array()[0].at("request_id"), "Req-24");
  page = Body(Get(store_, "/v1/router_replay/", {{"limit", "10"}, {"offset", "20"}}));
  EXPECT_EQ(page.at("count"), 5);
  EXPECT_EQ(page.at("has_more"), false);
  EXPECT_FALSE(page.contains("next_offset"));
  EXPECT_EQ(page.at("data").as_array()[4].at("request_id"), "Req-0");
  page = Body(Get(store_, "/v1/router_replay", {{"limit", "1000"}}));
  EXPECT_EQ(page.at("limit"), 100);  // capped
  page = Body(Get(store_, "/v1/router_replay", {{"offset", "99"}}));
  EXPECT_EQ(page.at("offset"), 25);  // clamped to the total
  EXPECT_EQ(page.at("count"), 0);
}

TEST_F(ReplayApiTest, BadQueriesGetUpstreamsMessages) {
  const auto error = [&](const std::map<std::string, std::string>& q) {
    auto r = Get(store_, "/v1/router_replay", q);
    EXPECT_EQ(r->status, 400);
    return r->error;
  };
  EXPECT_EQ(error({{"limit", "0"}}), "limit must be greater than zero");
  EXPECT_EQ(error({{"limit", "ten"}}), "limit must be an integer");
  EXPECT_EQ(error({{"limit", ""}}), "limit must be an integer");
  EXPECT_EQ(error({{"offset", "-1"}}), "offset must be zero or greater");
  EXPECT_EQ(error({{"offset", "1.5"}}), "offset must be an integer");
  EXPECT_EQ(error({{"cache_status", "hot"}}),
            "cache_status must be one of all, cached, or streamed");
  auto r = HandleReplayApi(store_, "POST", "/v1/router_replay", {});
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->error, "method not allowed");
  r = Get(store_, "/v1/router_replay/nope");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->error, "replay record not found");
  EXPECT_EQ(Get(store_, "/v1/router_replay/trajectory")->error, "session_id is required");
  EXPECT_FALSE(Get(store_, "/v1/chat/completions"));  // not a replay path
}

TEST_F(ReplayApiTest, FiltersNarrowTheList) {
  const auto total = [&](const std::map<std::string, std::string>& q) {
    return Body(Get(store_, "/v1/router_replay", q)).at("total").as_int64();
  };
  EXPECT_EQ(total({{"decision", "math"}}), 12);
  EXPECT_EQ(total({{"model", "small"}}), 13);
  EXPECT_EQ(total({{"model", "MoM"}}), 25);  // the model the client asked for also matches
  EXPECT_EQ(total({{"cache_status", "cached"}}), 5);
  EXPECT_EQ(total({{"cache_status", "streamed"}}), 9);
  EXPECT_EQ(total({{"cache_status", "all"}}), 25);
  EXPECT_EQ(total({{"search", "req-2"}}), 6);  // Req-2, Req-20..24: case-insensitive substring
  EXPECT_EQ(total({{"session_id", "s1"}}), 3);
  EXPECT_EQ(total({{"decision", "math"}, {"cache_status", "cached"}}), 2);  // 5, 15
}

TEST_F(ReplayApiTest, OneRecordById) {
  const json::object r = Body(Get(store_, "/v1/router_replay/c"));
  EXPECT_EQ(r.at("id"), "c");
  EXPECT_EQ(r.at("request_id"), "Req-2");
}

TEST_F(ReplayApiTest, AggregateCountsModelsDecisionsSignalsAndTokens) {
  const json::object a = Body(Get(store_, "/v1/router_replay/aggregate"));
  EXPECT_EQ(a.at("object"), "router_replay.aggregate");
  EXPECT_EQ(a.at("record_count"), 25);
  const json::array& models = a.at("model_selection").as_array();
  EXPECT_EQ(models[0].at("name"), "small");
  EXPECT_EQ(models[0].at("value"), 13);
  EXPECT_EQ(a.at("decision_distribution").as_array()[1].at("name"), "math");
  EXPECT_EQ(a.at("signal_distribution").as_array()[0].at("name"), "keyword");
  EXPECT_EQ(a.at("signal_distribution").as_array()[0].at("value"), 24);  // 12 records x 2
  EXPECT_EQ(a.at("token_volume").at("input_tokens"), 250);
  EXPECT_EQ(a.at("token_volume").at("output_tokens"), 300);  // 0 + 1 + ... + 24
  EXPECT_EQ(a.at("token_volume").at("excluded_record_count"), 0);
  EXPECT_EQ(a.at("summary").at("excluded_record_count"), 25);  // no pricing, no cost
  EXPECT_EQ(a.at("available_models").as_array().size(), 3u);   // big, small, MoM
  const json::object filtered =
      Body(Get(store_, "/v1/router_replay/aggregate", {{"decision", "chat"}}));
  EXPECT_EQ(filtered.at("record_count"), 13);
  EXPECT_EQ(filtered.at("available_decisions").as_array().size(), 2u);  // over all records
}

TEST(ReplayApi, TrajectoryReplaysTheConversationInOrder) {
  ReplayStore store(0, nullptr);
  ReplayRecord r = Rec("t1", 1);
  r.request_id = "sess";
  r.request_body =
      R"({"messages":[{"role":"user","content":"weather?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]})";
  r.response_body = R"({"choices":[{"message":{"role":"assistant","content":"It is sunny."}}]})";
  store.Add(r, 0);
  const json::object t = Body(Get(store, "/v1/router_replay/trajectory", {{"session_id", "sess"}}));
  EXPECT_EQ(t.at("object"), "router_replay.trajectory");
  EXPECT_EQ(t.at("record_count"), 1);
  const json::array& m = t.at("messages").as_array();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1].at("tool_calls").as_array()[0].at("id"), "c1");
  EXPECT_EQ(m[2].at("tool_call_id"), "c1");
  EXPECT_EQ(m[3].at("content"), "It is sunny.");
}

TEST(ReplayApi, PagesOverTheMessageBudgetAreRefused) {
  ReplayStore store(0, nullptr);
  for (int i = 0; i < 5; ++i) {
    ReplayRecord r = Rec("big" + std::to_string(i), i);
    r.response_body = std::string(1024 * 1024, 'x');  // 1 MiB each: 5 MiB in one page
    store.Add(r, 0);
  }
  auto r = Get(store, "/v1/router_replay");
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->error,
            "router replay response exceeds the ext-proc message size limit; retry with a smaller "
            "page or reduce captured replay body bytes");
  EXPECT_EQ(Get(store, "/v1/router_replay", {{"limit", "2"}})->status, 200);
}

}  // namespace
}  // namespace vsr::replay
