// The replay store (bounds, TTL, SQLite, Redis and PostgreSQL persistence) and the replay API's
// contract:
// pagination, filters, ordering, aggregate, trajectory and upstream's error texts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/unix_time.h"
#include "replay/api.h"
#include "replay/milvus_persistence.h"
#include "replay/open_store.h"
#include "replay/postgres_persistence.h"
#include "replay/record.h"
#include "replay/record_codec.h"
#include "replay/redis_persistence.h"
#include "replay/sqlite_persistence.h"
#include "replay/store.h"
#include "support/fake_milvus.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"

namespace vsr::replay {
namespace {

namespace json = boost::json;

constexpr int64_t kSecond = 1000000000;

ReplayRecord Rec(const std::string& id, int64_t t_s, const std::string& decision = "d",
                 const std::string& model = "m") {
  ReplayRecord r;
  r.id = id;
  // One base for the whole run: two calls for the same record (one to save, one to compare)
  // must not straddle a second boundary.
  static const int64_t base = UnixNanos() - 1000 * kSecond;
  r.timestamp_ns = base + t_s * kSecond;
  r.request_id = "req-" + id;
  r.decision = decision;
  r.selected_model = model;
  r.original_model = "MoM";
  return r;
}

// Every field set to something other than its default.
ReplayRecord FullRecord() {
  ReplayRecord r = Rec("full", 1, "math", "qwen");
  r.timestamp_ns = 1764622800123456000;
  r.session_id = "s1";
  r.turn_index = 2;
  r.previous_response_id = "resp_1";
  r.decision_tier = 1;
  r.decision_priority = 10;
  r.category = "math";
  r.reasoning_mode = "on";
  r.confidence_score = 0.75;
  r.selection_method = "elo";
  r.signals = {{"keyword", {"math", "proof"}}, {"domain", {"math"}}};
  r.projections = {"hard"};
  r.projection_scores = {{"difficulty", 0.5}};
  r.signal_confidences = {{"keyword:math", 1.0}};
  r.request_body = R"({"messages":[]})";
  r.response_body = "ok";
  r.response_status = 200;
  r.from_cache = true;
  r.streaming = true;
  r.request_body_truncated = true;
  r.guardrails_enabled = true;
  r.jailbreak_enabled = true;
  r.pii_enabled = true;
  r.response_jailbreak_detected = true;
  r.response_jailbreak_type = "jailbreak";
  r.response_jailbreak_confidence = 0.5;
  r.rag_enabled = true;
  r.rag_backend = "milvus";
  r.rag_context_length = 42;
  r.rag_similarity_score = 0.5;
  r.hallucination_enabled = true;
  r.hallucination_detected = true;
  r.hallucination_confidence = 0.25;
  r.hallucination_spans = {"the moon is cheese"};
  r.prompt = "caf\xc3\xa9 prove it";
  r.prompt_truncated = true;
  r.tool_definitions = R"([{"type":"function"}])";
  r.tool_definitions_truncated = true;
  r.prompt_tokens = 5;
  r.completion_tokens = 7;
  r.total_tokens = 12;
  r.actual_cost = 0.001;
  r.baseline_cost = 0.01;
  r.cost_savings = 0.009;
  r.currency = "USD";
  r.baseline_model = "big";
  r.latency_ms = 12.5;
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

TEST(ReplayRecord, PackingKeepsEveryField) {
  // A field added to ReplayRecord must be added to the codec's field list too, or the memory
  // store silently drops it; this size changes when a field is added.
  EXPECT_EQ(sizeof(ReplayRecord), 1000u)
      << "ReplayRecord changed: add the new field to ForEachRequestField or "
         "ForEachOutcomeField in replay/record_codec.cpp, to RequestFieldsView or "
         "OutcomeFieldsView in replay/record_codec.h (which the router's replay plugin fills), "
         "and to FullRecord and the view tests here, then update this size";
  const ReplayRecord full = FullRecord();
  EXPECT_EQ(UnpackRecord(PackRecord(full).bytes()), full);
  EXPECT_EQ(UnpackRecord(PackRecord(ReplayRecord{}).bytes()), ReplayRecord{});
  ReplayRecord odd = Rec("odd", 2);
  odd.prompt = std::string("nul\0byte \xff end", 14);
  odd.currency = "";  // present but empty is not absent
  EXPECT_EQ(UnpackRecord(PackRecord(odd).bytes()), odd);
  EXPECT_NE(UnpackRecord(PackRecord(odd).bytes()).currency, std::nullopt);
  // The store keys a record by its id read in place from the packed bytes.
  EXPECT_EQ(PackedId(PackRecord(full)), full.id);
  EXPECT_EQ(PackedId(PackRecord(ReplayRecord{})), "");
}

// Views of `r`'s request fields, and of its outcome fields, as the data plane fills them.
RequestFieldsView RequestViewOf(const ReplayRecord& r) {
  RequestFieldsView v;
  v.id = r.id;
  v.timestamp_ns = r.timestamp_ns;
  v.request_id = r.request_id;
  v.session_id = r.session_id;
  v.turn_index = r.turn_index;
  v.previous_response_id = r.previous_response_id;
  v.decision = r.decision;
  v.decision_tier = r.decision_tier;
  v.decision_priority = r.decision_priority;
  v.category = r.category;
  v.original_model = r.original_model;
  v.selected_model = r.selected_model;
  v.reasoning_mode = r.reasoning_mode;
  v.confidence_score = r.confidence_score;
  v.selection_method = r.selection_method;
  for (const auto& [key, names] : r.signals) v.signals.emplace_back(key, &names);
  v.projections = r.projections;
  v.projection_scores = &r.projection_scores;
  v.signal_confidences = &r.signal_confidences;
  v.request_body = r.request_body;
  v.request_body_truncated = r.request_body_truncated;
  v.guardrails_enabled = r.guardrails_enabled;
  v.jailbreak_enabled = r.jailbreak_enabled;
  v.pii_enabled = r.pii_enabled;
  v.prompt = r.prompt;
  v.prompt_truncated = r.prompt_truncated;
  v.tool_definitions = r.tool_definitions;
  v.tool_definitions_truncated = r.tool_definitions_truncated;
  v.streaming = r.streaming;
  return v;
}

OutcomeFieldsView OutcomeViewOf(const ReplayRecord& r) {
  OutcomeFieldsView v;
  v.response_body = r.response_body;
  v.response_status = r.response_status;
  v.from_cache = r.from_cache;
  v.streaming = r.streaming;
  v.response_body_truncated = r.response_body_truncated;
  v.response_jailbreak_detected = r.response_jailbreak_detected;
  v.response_jailbreak_type = r.response_jailbreak_type;
  v.response_jailbreak_confidence = r.response_jailbreak_confidence;
  v.rag_enabled = r.rag_enabled;
  v.rag_backend = r.rag_backend;
  v.rag_context_length = r.rag_context_length;
  v.rag_similarity_score = r.rag_similarity_score;
  v.hallucination_enabled = r.hallucination_enabled;
  v.hallucination_detected = r.hallucination_detected;
  v.hallucination_confidence = r.hallucination_confidence;
  v.hallucination_spans = r.hallucination_spans;
  v.prompt_tokens = r.prompt_tokens;
  v.completion_tokens = r.completion_tokens;
  v.total_tokens = r.total_tokens;
  v.actual_cost = r.actual_cost;
  v.baseline_cost = r.baseline_cost;
  v.cost_savings = r.cost_savings;
  v.currency = r.currency;
  v.baseline_model = r.baseline_model;
  v.latency_ms = r.latency_ms;
  return v;
}

// The data plane packs each new record from views of what it holds: the bytes must be those of
// the record with the same request fields (and no outcome yet but whether it streams).
TEST(ReplayRecord, PackingRequestFieldViewsGivesTheRecordsBytes) {
  const ReplayRecord full = FullRecord();
  ReplayRecord expected = full;
  UnpackOutcome(PackOutcome(ReplayRecord{}).bytes(), expected);  // every outcome field default
  expected.streaming = true;
  RequestFieldsView v = RequestViewOf(full);
  v.streaming = true;
  EXPECT_EQ(PackRequestFields(v).bytes(), PackRecord(expected).bytes());
  EXPECT_EQ(UnpackRecord(PackRequestFields(v).bytes()), expected);
  EXPECT_EQ(PackedId(PackRequestFields(v)), full.id);
  // No score maps read as empty ones.
  EXPECT_EQ(PackRequestFields(RequestFieldsView{}).bytes(), PackRecord(ReplayRecord{}).bytes());
}

// ...and how it ended, the same way.
TEST(ReplayRecord, PackingOutcomeFieldViewsGivesTheOutcomesBytes) {
  const ReplayRecord full = FullRecord();
  const OutcomeFieldsView v = OutcomeViewOf(full);
  EXPECT_EQ(PackOutcomeFields(v).bytes(), PackOutcome(full).bytes());
  EXPECT_EQ(PackOutcomeFields(OutcomeFieldsView{}).bytes(), PackOutcome(ReplayRecord{}).bytes());
  // Completing a stored record with the packed views sets exactly those fields.
  ReplayStore store(0, nullptr);
  ReplayRecord requested = full;
  UnpackOutcome(PackOutcome(ReplayRecord{}).bytes(), requested);
  store.Add(requested, 10);
  ASSERT_TRUE(store.Complete(std::string_view(full.id), PackOutcomeFields(v)));
  EXPECT_EQ(store.Get(full.id), full);
  EXPECT_FALSE(store.Complete(std::string_view("gone"), PackOutcomeFields(v)));
}

// ...and both together, for a request answered before it was forwarded: the outcome's
// `streaming` is the record's.
TEST(ReplayRecord, PackingBothFieldViewsGivesTheRecordsBytes) {
  const ReplayRecord full = FullRecord();
  RequestFieldsView request = RequestViewOf(full);
  request.streaming = !full.streaming;
  EXPECT_EQ(PackRecordFields(request, OutcomeViewOf(full)).bytes(), PackRecord(full).bytes());
  EXPECT_EQ(UnpackRecord(PackRecordFields(request, OutcomeViewOf(full)).bytes()), full);
}

// The store holds exactly `expected`, by id and in a scan.
void ExpectOnlyRecordIs(const ReplayStore& store, const ReplayRecord& expected) {
  EXPECT_EQ(store.Get(expected.id), expected);
  int visited = 0;
  store.ForEachNewestFirst([&](const ReplayRecord& r) {
    EXPECT_EQ(r, expected);
    ++visited;
    return true;
  });
  EXPECT_EQ(visited, 1);
}

TEST(ReplayStore, UpdatesAndReadsSeeTheWholeRecord) {
  ReplayStore store(0, nullptr);
  store.Add(FullRecord(), 10);
  ASSERT_TRUE(store.Update("full", [](ReplayRecord& r) {
    r.response_status = 201;
    r.signals["pii"] = {"email"};
  }));
  ReplayRecord expected = FullRecord();
  expected.response_status = 201;
  expected.signals["pii"] = {"email"};
  ExpectOnlyRecordIs(store, expected);
}

TEST(ReplayStore, CompletingARecordSetsHowItEndedAndKeepsTheRest) {
  // What the data plane knows at forwarding time, then how the request ended.
  ReplayStore store(0, nullptr);
  store.Add(FullRecord(), 10);
  ReplayRecord outcome;
  outcome.response_status = 503;
  outcome.response_body = "{\"error\":1}";
  outcome.prompt_tokens = 9;
  outcome.latency_ms = 2.5;
  outcome.decision = "ignored";  // not an outcome field
  ASSERT_TRUE(store.Complete("full", outcome));

  ReplayRecord expected = FullRecord();
  expected.response_status = 503;
  expected.response_body = "{\"error\":1}";
  expected.prompt_tokens = 9;
  expected.latency_ms = 2.5;
  // Every other outcome field takes the outcome's value too (defaults here).
  expected.from_cache = expected.streaming = expected.response_body_truncated = false;
  expected.response_jailbreak_detected = expected.rag_enabled = false;
  expected.hallucination_enabled = expected.hallucination_detected = false;
  expected.response_jailbreak_type = expected.rag_backend = "";
  expected.response_jailbreak_confidence = expected.rag_similarity_score = 0;
  expected.hallucination_confidence = 0;
  expected.rag_context_length = 0;
  expected.hallucination_spans.clear();
  for (std::optional<int64_t>* n : {&expected.completion_tokens, &expected.total_tokens}) {
    n->reset();
  }
  for (std::optional<double>* n :
       {&expected.actual_cost, &expected.baseline_cost, &expected.cost_savings}) {
    n->reset();
  }
  expected.currency.reset();
  expected.baseline_model.reset();
  ExpectOnlyRecordIs(store, expected);

  // A later Update sees (and keeps) the outcome.
  ASSERT_TRUE(store.Update("full", [](ReplayRecord& r) { r.category = "changed"; }));
  expected.category = "changed";
  EXPECT_EQ(store.Get("full"), expected);
  EXPECT_FALSE(store.Complete("gone", outcome));
}

TEST(ReplayStore, AScanDoesNotHoldUpNewRecords) {
  // The replay API visits every record; the data plane adds records meanwhile.
  ReplayStore store(0, nullptr);
  for (int i = 0; i < 3; ++i) store.Add(Rec("r" + std::to_string(i), i), 100);
  std::mutex mu;
  std::condition_variable cv;
  bool added = false;
  std::thread writer;
  store.ForEachNewestFirst([&](const ReplayRecord&) {
    if (writer.joinable()) return true;
    writer = std::thread([&] {
      store.Add(Rec("new", 10), 100);
      std::lock_guard lock(mu);
      added = true;
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return added; }))
        << "Add waited for the scan to finish";
    return true;
  });
  writer.join();
  EXPECT_TRUE(store.Get("new"));
}

TEST(ReplayStore, ConcurrentUpdatesOfOneRecordAreAllKept) {
  // Update changes a copy outside the lock; one that lost the race must redo its change.
  ReplayStore store(0, nullptr);
  store.Add(Rec("shared", 1), 100);
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(store.Update("shared", [](ReplayRecord& r) { ++r.turn_index; }));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(store.Get("shared")->turn_index, kThreads * kEach);
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
  old.timestamp_ns = UnixNanos() - 120 * kSecond;
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
    ReplayRecord outcome;
    outcome.response_status = 201;
    store.Complete("r2", outcome);
    store.Flush();
  }
  auto db = open();
  ASSERT_TRUE(db);
  ReplayStore reopened(0, std::move(db));
  EXPECT_EQ(reopened.size(), 3u);
  EXPECT_FALSE(reopened.Get("r0"));
  ASSERT_TRUE(reopened.Get("r3"));
  EXPECT_EQ(reopened.Get("r3")->response_body, "{\"answer\":1}");
  ASSERT_TRUE(reopened.Get("r2"));
  EXPECT_EQ(reopened.Get("r2")->response_status, 201);
  EXPECT_EQ(reopened.Get("r2")->decision, "d");  // the rest as recorded
  std::vector<std::string> order;
  reopened.ForEachNewestFirst([&](const ReplayRecord& r) {
    order.push_back(r.id);
    return true;
  });
  EXPECT_EQ(order, (std::vector<std::string>{"r3", "r2", "r1"}));
}

// A backend that hands back the same id twice (two replicas wrote it, a copied table).
class DuplicatingPersistence final : public Persistence {
 public:
  std::string name() const override { return "duplicating"; }
  bool Load(std::vector<ReplayRecord>& out, std::string&) override {
    out.push_back(Rec("same", 2, "later"));
    out.push_back(Rec("same", 1, "earlier"));
    out.push_back(Rec("other", 3));
    return true;
  }
  bool Save(const ReplayRecord&, std::string&) override { return true; }
  bool Erase(const std::string&, std::string&) override { return true; }
};

TEST(ReplayStore, AnIdLoadedTwiceKeepsItsOldestRecord) {
  ReplayStore store(0, std::make_unique<DuplicatingPersistence>());
  EXPECT_EQ(store.size(), 2u);
  ASSERT_TRUE(store.Get("same"));
  EXPECT_EQ(store.Get("same")->decision, "earlier");
  store.Add(Rec("new", 4, "earlier"), 1);  // evicts "same" by its decision; nothing dangles
  EXPECT_FALSE(store.Get("same"));
  EXPECT_EQ(store.size(), 2u);
}

// A persistence that records its calls; the first write waits until released, so the writes
// behind it queue up.
class GatedPersistence final : public Persistence {
 public:
  std::string name() const override { return "gated"; }
  bool Load(std::vector<ReplayRecord>&, std::string&) override { return true; }
  bool Save(const ReplayRecord& r, std::string&) override {
    Wait();
    Record("save " + r.id + ":" + std::to_string(r.response_status));
    return true;
  }
  bool SaveAll(const std::vector<const ReplayRecord*>& records, std::string&) override {
    Wait();
    std::string call = "save_all";
    for (const ReplayRecord* r : records)
      call += " " + r->id + ":" + std::to_string(r->response_status);
    Record(call);
    return true;
  }
  bool Erase(const std::string& id, std::string&) override {
    Wait();
    Record("erase " + id);
    return true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  bool waiting() {  // a write has started and waits for Release
    std::lock_guard lock(mu_);
    return waiting_;
  }

 private:
  void Wait() {
    std::unique_lock lock(mu_);
    waiting_ = true;
    cv_.wait(lock, [&] { return released_; });
  }
  void Record(std::string call) {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(call));
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false, waiting_ = false;
  std::vector<std::string> calls_;
};

// Saves waiting together go out as one write, a record saved twice in it once (as last
// changed); an erase is written alone, in its place.
TEST(ReplayStore, QueuedSavesAreWrittenTogether) {
  auto owned = std::make_unique<GatedPersistence>();
  GatedPersistence& db = *owned;
  ReplayStore store(0, std::move(owned));
  store.Add(Rec("r0", 0), 0);  // taken by the writer at once, which then waits
  for (int i = 0; i < 5000 && !db.waiting(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(db.waiting());  // (not ASSERT: the writer must be released below)
  store.Add(Rec("r1", 1), 0);
  store.Add(Rec("r2", 2), 0);
  store.Update("r1", [](ReplayRecord& r) { r.response_status = 200; });
  store.Add(Rec("r3", 3, "other"), 1);
  store.Add(Rec("r4", 4, "other"), 1);  // saved, then r3 evicted: an erase
  store.Add(Rec("r5", 5), 0);
  db.Release();
  store.Flush();
  EXPECT_EQ(db.calls(), (std::vector<std::string>{"save r0:0", "save_all r2:0 r1:200 r3:0 r4:0",
                                                  "erase r3", "save r5:0"}));
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

// The data plane adds records packed (AddPacked); a store with a backend saves those too.
TEST(ReplayStore, APackedRecordReachesTheBackend) {
  const std::string path =
      ::testing::TempDir() + "/replay-packed-" + std::to_string(getpid()) + "/router_replay.db";
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
  const ReplayRecord full = FullRecord();
  RequestFieldsView v;
  v.id = full.id;
  v.timestamp_ns = full.timestamp_ns;
  v.decision = full.decision;
  v.prompt = full.prompt;
  {
    std::string error;
    auto db = SqlitePersistence::Open(path, error);
    ASSERT_TRUE(db) << error;
    ReplayStore store(0, std::move(db));
    store.AddPacked(v.decision, v.timestamp_ns, PackRequestFields(v), 10);
    store.Flush();
  }
  std::string error;
  auto db = SqlitePersistence::Open(path, error);
  ASSERT_TRUE(db) << error;
  ReplayStore reopened(0, std::move(db));
  const std::optional<ReplayRecord> got = reopened.Get(full.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->decision, full.decision);
  EXPECT_EQ(got->prompt, full.prompt);
  EXPECT_EQ(got->timestamp_ns, full.timestamp_ns);
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
  store->Flush();  // written behind the request: wait for it
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

config::PostgresConnection PostgresSettings(const testing::PostgresServer& server) {
  config::PostgresConnection p;
  p.host = "127.0.0.1";
  p.port = server.port();
  p.database = "postgres";
  p.user = "vsr";
  return p;
}

std::unique_ptr<PostgresPersistence> OpenPostgres(const config::PostgresConnection& settings) {
  std::string error;
  auto db = PostgresPersistence::Open(settings, error);
  EXPECT_TRUE(db) << error;
  return db;
}

// The text columns of one row, by SQL.
std::vector<std::optional<std::string>> Row(const testing::PostgresServer& server,
                                            const std::string& sql) {
  std::string error;
  auto client = postgres::Client::Connect(server.endpoint(), error);
  EXPECT_TRUE(client) << error;
  if (!client) return {};
  auto rows = client->Exec(sql, {}, error);
  EXPECT_TRUE(rows) << error;
  return rows && !rows->rows.empty() ? rows->rows[0] : std::vector<std::optional<std::string>>{};
}

TEST(ReplayStore, PostgresKeepsRecordsAcrossRestartsInUpstreamsTable) {
  testing::PostgresServer server;
  VSR_REQUIRE_POSTGRES(server);
  ExpectRecordsSurviveARestart(
      [&]() -> std::unique_ptr<Persistence> { return OpenPostgres(PostgresSettings(server)); });
  // Upstream's layout: a row per record in router_replay_records, a column per field.
  const auto row = Row(server,
                       "SELECT request_id, decision, response_body, from_cache, signals::text, "
                       "response_status, prompt_tokens FROM router_replay_records WHERE id = 'r3'");
  ASSERT_EQ(row.size(), 7u);
  EXPECT_EQ(row[0], "req-r3");
  EXPECT_EQ(row[1], "d");
  EXPECT_EQ(row[2], "{\"answer\":1}");
  EXPECT_EQ(row[3], "f");  // upstream reads plain values: false, not NULL
  EXPECT_EQ(row[4], "{}");
  EXPECT_EQ(row[5], "0");
  EXPECT_EQ(row[6], std::nullopt);  // upstream reads it as nullable
  EXPECT_EQ(Row(server, "SELECT count(*) FROM router_replay_records")[0], "3");
}

// Every field survives (timestamps to the microsecond), text PostgreSQL cannot hold (NUL,
// invalid UTF-8) is stored with U+FFFD, and a record saved again is updated in place.
TEST(ReplayStore, PostgresRoundTripsEveryField) {
  testing::PostgresServer server;
  VSR_REQUIRE_POSTGRES(server);
  config::PostgresConnection settings = PostgresSettings(server);
  settings.table_name = "replay_b";
  auto db = OpenPostgres(settings);
  ASSERT_TRUE(db);
  ReplayRecord r = FullRecord();
  std::string error;
  ASSERT_TRUE(db->Save(r, error)) << error;
  r.response_status = 503;  // saved again: the row changes
  ASSERT_TRUE(db->Save(r, error)) << error;
  ReplayRecord odd = Rec("odd", 2);
  constexpr char kOddText[] = "nul\0byte \xff\xfe end";
  odd.prompt = std::string(kOddText, sizeof kOddText - 1);
  ReplayRecord plain = Rec("plain", 3);
  ASSERT_TRUE(db->SaveAll({&odd, &plain}, error)) << error;  // one statement

  std::vector<ReplayRecord> loaded;
  ASSERT_TRUE(db->Load(loaded, error)) << error;
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(json::serialize(ToJson(loaded[0])), json::serialize(ToJson(r)));
  EXPECT_EQ(loaded[2].request_id, "req-plain");
  EXPECT_EQ(loaded[1].prompt,
            "nul\xef\xbf\xbd"
            "byte \xef\xbf\xbd\xef\xbf\xbd end");
  ASSERT_TRUE(db->Erase("odd", error)) << error;
  ASSERT_TRUE(db->Load(loaded, error)) << error;
  EXPECT_EQ(loaded.size(), 2u);
}

// Rows upstream's router wrote (its columns only, NULLs where it leaves them) read back; the
// connection comes back after the server restarts.
TEST(ReplayStore, PostgresReadsUpstreamsRowsAndSurvivesAServerRestart) {
  testing::PostgresServer server;
  VSR_REQUIRE_POSTGRES(server);
  auto db = OpenPostgres(PostgresSettings(server));
  ASSERT_TRUE(db);
  Row(server,
      "INSERT INTO router_replay_records (id, timestamp, request_id, decision, selected_model, "
      "signals, response_status, from_cache, prompt_tokens, session_id) VALUES ('up1', "
      "'2025-12-01 21:00:00.5', 'req-up1', 'code', 'coder', '{\"keyword\":[\"python\"]}', 200, "
      "TRUE, 9, NULL)");
  std::string error;
  std::vector<ReplayRecord> loaded;
  ASSERT_TRUE(db->Load(loaded, error)) << error;
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].id, "up1");
  EXPECT_EQ(FormatTimestamp(loaded[0].timestamp_ns), "2025-12-01T21:00:00.5Z");
  EXPECT_EQ(loaded[0].decision, "code");
  EXPECT_EQ(loaded[0].signals.at("keyword"), (std::vector<std::string>{"python"}));
  EXPECT_TRUE(loaded[0].from_cache);
  EXPECT_EQ(loaded[0].prompt_tokens, 9);
  EXPECT_EQ(loaded[0].session_id, "");

  server.Stop();
  EXPECT_FALSE(db->Save(Rec("down", 3), error));
  EXPECT_NE(error.find("postgres vsr@127.0.0.1:" + std::to_string(server.port())),
            std::string::npos)
      << error;
  server.Start();
  ASSERT_TRUE(server.ready());
  EXPECT_TRUE(db->Save(Rec("back", 4), error)) << error;
}

// store_backend milvus: upstream's collection (id, timestamp, data, a zero vector), records
// back after a restart, a record too big for the data field cut to fit, errors fall back.
TEST(ReplayStore, MilvusKeepsRecordsAcrossRestartsInUpstreamsCollection) {
  testing::FakeMilvus milvus;
  config::ReplayMilvus settings;
  settings.address = milvus.Address();
  ExpectRecordsSurviveARestart([&]() -> std::unique_ptr<Persistence> {
    std::string error;
    auto db = MilvusPersistence::Open(settings, error);
    EXPECT_TRUE(db) << error;
    return db;
  });
  const json::object created = milvus.created("router_replay_records");
  std::vector<std::string> fields;
  for (const json::value& f : created.at("schema").at("fields").as_array()) {
    fields.emplace_back(f.at("fieldName").as_string());
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "timestamp", "data", "vector"}));
  EXPECT_EQ(milvus.size("router_replay_records"), 3u);  // r0 evicted: erased
  const json::object row = milvus.row("router_replay_records", "r3");
  EXPECT_EQ(json::parse(row.at("data").as_string()).at("response_body"), "{\"answer\":1}");
  EXPECT_EQ(row.at("timestamp").as_int64(), Rec("r3", 3).timestamp_ns / kSecond);

  ReplayRecord big = Rec("big", 5);
  big.request_body = std::string(50000, 'q');
  big.response_body = std::string(50000, 'a');
  const std::string fitted = FittedRecordJson(big, 65535);
  EXPECT_LE(fitted.size(), 65535u);
  const ReplayRecord back = FromJson(json::parse(fitted).as_object());
  EXPECT_TRUE(back.response_body_truncated);
  EXPECT_TRUE(back.request_body_truncated);
  EXPECT_GT(back.request_body.size() + back.response_body.size(), 30000u);

  milvus.Fail(true);
  config::RouterReplayService cfg;
  cfg.store_backend = "milvus";
  cfg.milvus = settings;
  std::vector<std::string> warnings;
  auto store = OpenStore(cfg, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(store->backend(), "memory");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("code 1100"), std::string::npos) << warnings[0];
}

TEST(ReplayStore, PostgresSettingsErrorsFallBackToMemoryWithAWarning) {
  const auto warning_for = [](const std::optional<config::PostgresConnection>& postgres) {
    config::RouterReplayService cfg;
    cfg.store_backend = "postgres";
    cfg.postgres = postgres;
    std::vector<std::string> warnings;
    auto store = OpenStore(cfg, [&](const std::string& w) { warnings.push_back(w); });
    EXPECT_EQ(store->backend(), "memory");
    EXPECT_EQ(warnings.size(), 1u);
    return warnings.empty() ? std::string() : warnings[0];
  };
  EXPECT_NE(warning_for(std::nullopt).find("store_backend postgres needs router_replay.postgres"),
            std::string::npos);
  config::PostgresConnection p;
  p.user = "vsr";
  EXPECT_NE(warning_for(p).find("router_replay.postgres.database is required"), std::string::npos);
  p.database = "db";
  p.table_name = "records; DROP TABLE x";
  EXPECT_NE(warning_for(p).find("table_name 'records; DROP TABLE x' is not a table name"),
            std::string::npos);
  p.table_name = "";
  p.host = "127.0.0.1";
  p.port = 1;
  p.password = "s3cret-password";
  const std::string unreachable = warning_for(p);
  EXPECT_NE(unreachable.find("cannot connect to postgres 127.0.0.1:1: "), std::string::npos)
      << unreachable;
  EXPECT_NE(unreachable.find("records are kept in memory only"), std::string::npos);
  EXPECT_EQ(unreachable.find("s3cret-password"), std::string::npos);
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

TEST(ReplayApi, OnlyItsOwnPathsAreReplayPaths) {
  EXPECT_TRUE(IsReplayPath("/v1/router_replay"));
  EXPECT_TRUE(IsReplayPath("/v1/router_replay/aggregate"));
  EXPECT_TRUE(IsReplayPath("/v1/router_replay/"));
  EXPECT_FALSE(IsReplayPath("/v1/router_replayed"));
  EXPECT_FALSE(IsReplayPath("/v1/router_repla"));
  EXPECT_FALSE(IsReplayPath("/v1/chat/completions"));
  EXPECT_FALSE(IsReplayPath(""));
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
