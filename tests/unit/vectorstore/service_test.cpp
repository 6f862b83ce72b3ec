// The vector store service: stores, ingestion in the background, search, detaching, limits,
// and (with a real redis-server) stores shared by two routers and kept across a restart, and
// (with a fake Milvus REST API) chunks kept in Milvus, and (with a fake Llama Stack) chunks kept
// and searched there.
#include "vectorstore/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "support/fake_llama_stack.h"
#include "support/fake_milvus.h"
#include "support/fake_models.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"
#include "vectorstore/collection.h"

namespace vsr::vectorstore {
namespace {

namespace json = boost::json;

TEST(Collection, FindsTheMostSimilarChunksAboveTheThreshold) {
  Collection c;
  const auto put = [&c](const std::string& id, const std::string& file, std::vector<float> v) {
    Chunk chunk;
    chunk.id = id;
    chunk.file_id = file;
    chunk.content = id;
    chunk.embedding = std::move(v);
    c.Put(std::move(chunk));
  };
  put("a", "f1", {1, 0, 0});
  put("b", "f1", {1, 1, 0});
  put("c", "f2", {0, 0, 5});
  put("d", "f2", {2, 0.1f, 0});
  auto hits = c.Search({3, 0, 0}, 2, 0.5, {});
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].content, "a");
  EXPECT_NEAR(hits[0].score, 1.0, 1e-6);
  EXPECT_EQ(hits[1].content, "d");
  EXPECT_EQ(c.Search({3, 0, 0}, 10, 0.5, {}).size(), 3u);  // c is orthogonal
  hits = c.Search({3, 0, 0}, 10, 0.0, {"f2"});
  ASSERT_EQ(hits.size(), 2u);  // only f2's chunks
  EXPECT_EQ(hits[0].content, "d");
  EXPECT_TRUE(c.Search({1, 0}, 10, 0.0, {}).empty());  // another model's dimension
  put("e", "f3", {1, 0});                              // another dimension: kept, never found
  EXPECT_EQ(c.Search({3, 0, 0}, 10, -1.0, {}).size(), 4u);
  put("a", "f1", {0, 0, 1});  // same id: replaced
  EXPECT_EQ(c.size(), 5u);
  EXPECT_EQ(c.Search({0, 0, 1}, 1, 0.0, {}).front().content, "a");
  EXPECT_EQ(c.EraseFile("f1"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.size(), 3u);
  hits = c.Search({0, 0, 1}, 10, 0.5, {});  // rows moved up keep their vectors
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].content, "c");
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/vectorstore-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    options_.file_storage_dir = dir_;
    options_.ingestion_workers = 1;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::shared_ptr<VectorStoreService> Open(VectorStoreService::Embed embed =
                                               [](const std::string& t) {
                                                 return testing::WordEmbedder().Embed(t);
                                               }) {
    std::string error;
    auto s = VectorStoreService::Open(options_, std::move(embed), nullptr, error);
    EXPECT_TRUE(s) << error;
    return s;
  }
  std::string Upload(VectorStoreService& s, const std::string& name, const std::string& text) {
    std::string error;
    auto r = s.files().Save(name, text, "assistants", error);
    EXPECT_TRUE(r) << error;
    return r ? r->id : "";
  }
  // Waits (bounded: 5 s) until the attached file leaves in_progress.
  static VectorStoreFile Settled(VectorStoreService& s, const std::string& store,
                                 const std::string& vsf) {
    for (int i = 0; i < 500; ++i) {
      for (const VectorStoreFile& f : s.ListFiles(store)) {
        if (f.id == vsf && f.status != "in_progress") return f;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << vsf << " still in progress";
    return {};
  }

  std::string dir_;
  ServiceOptions options_;
};

constexpr const char* kHandbook =
    "# Refunds\nRefunds are paid within thirty days of a return.\n\n"
    "# Shipping\nParcels ship from Lisbon every weekday morning.\n\n"
    "# Support\nSupport answers email in four hours.";

TEST_F(ServiceTest, IngestsAttachedFilesAndFindsTheirChunks) {
  auto s = Open();
  auto store = s->CreateStore("handbook", {});
  ASSERT_TRUE(store);
  EXPECT_TRUE(store.value->id.starts_with("vs_"));
  EXPECT_EQ(store.value->backend_type, "memory");
  const std::string file = Upload(*s, "handbook.md", kHandbook);
  auto attached = s->AttachFile(store.value->id, file, std::nullopt);
  ASSERT_TRUE(attached) << attached.error.message;
  const VectorStoreFile done = Settled(*s, store.value->id, attached.value->id);
  EXPECT_EQ(done.status, "completed");
  const auto counts = s->GetStore(store.value->id).value->file_counts;
  EXPECT_EQ(counts.completed, 1);
  EXPECT_EQ(counts.total, 1);

  auto hits = s->SearchText(store.value->id, "when do parcels ship from Lisbon", 1, 0.2, {});
  ASSERT_TRUE(hits);
  ASSERT_EQ(hits.value->size(), 1u);
  EXPECT_EQ(hits.value->front().content,
            "# Shipping\nParcels ship from Lisbon every weekday morning.");
  EXPECT_EQ(hits.value->front().filename, "handbook.md");
  EXPECT_EQ(hits.value->front().chunk_index, 1);
  EXPECT_TRUE(s->SearchText(store.value->id, "xylophone quartz", 5, 0.2, {}).value->empty());
  EXPECT_EQ(s->Resolve("handbook"), store.value->id);  // by name, as configs may say
  EXPECT_EQ(s->Resolve(store.value->id), store.value->id);
  EXPECT_FALSE(s->Resolve("nope"));

  ASSERT_FALSE(s->DetachFile(store.value->id, attached.value->id));
  EXPECT_TRUE(s->SearchText(store.value->id, "parcels ship", 5, 0.0, {}).value->empty());
  EXPECT_EQ(s->GetStore(store.value->id).value->file_counts.total, 0);
  ASSERT_FALSE(s->DeleteStore(store.value->id));
  EXPECT_EQ(s->GetStore(store.value->id).error.kind, ErrorKind::kNotFound);
}

TEST_F(ServiceTest, FailedIngestionsSayWhy) {
  auto s = Open();
  const std::string store = s->CreateStore("kb", {}).value->id;
  const auto status_of = [&](const std::string& name, const std::string& text) {
    auto a = s->AttachFile(store, Upload(*s, name, text), std::nullopt);
    return Settled(*s, store, a.value->id);
  };
  VectorStoreFile f = status_of("empty.txt", " \n\n ");
  EXPECT_EQ(f.status, "failed");
  EXPECT_EQ(f.last_error->code, "empty_content");
  f = status_of("bad.json", "{");
  EXPECT_EQ(f.last_error->code, "parse_error");
  EXPECT_EQ(s->GetStore(store).value->file_counts.failed, 2);

  EXPECT_EQ(s->AttachFile(store, "file_missing", std::nullopt).error.message,
            "file not found: file_missing");
  EXPECT_EQ(s->AttachFile("vs_missing", Upload(*s, "a.txt", "x"), std::nullopt).error.message,
            "vector store not found: vs_missing");
  EXPECT_EQ(s->SearchText("vs_missing", "x", 5, 0, {}).error.kind, ErrorKind::kNotFound);
  EXPECT_EQ(s->DetachFile(store, "vsf_missing")->kind, ErrorKind::kNotFound);
}

TEST_F(ServiceTest, WithoutAnEmbeddingModelFilesUploadButIngestionAndSearchSaySo) {
  auto s = Open(nullptr);
  EXPECT_FALSE(s->can_embed());
  const std::string store = s->CreateStore("kb", {}).value->id;
  auto a = s->AttachFile(store, Upload(*s, "a.txt", "some words"), std::nullopt);
  const VectorStoreFile f = Settled(*s, store, a.value->id);
  EXPECT_EQ(f.last_error->code, "embedding_error");
  EXPECT_EQ(s->SearchText(store, "words", 5, 0, {}).error.message, "no embedding model is loaded");
}

TEST_F(ServiceTest, KeepsEachStoreWithinItsMaximumEntries) {
  options_.max_entries_per_store = 3;
  auto s = Open();
  const std::string store = s->CreateStore("kb", {}).value->id;
  auto a = s->AttachFile(store, Upload(*s, "big.md", kHandbook), std::nullopt);  // 3 chunks
  EXPECT_EQ(Settled(*s, store, a.value->id).status, "completed");
  auto b = s->AttachFile(store, Upload(*s, "more.txt", "one more chunk"), std::nullopt);
  const VectorStoreFile f = Settled(*s, store, b.value->id);
  EXPECT_EQ(f.status, "failed");
  EXPECT_NE(f.last_error->message.find("maximum entries (3)"), std::string::npos);
}

TEST_F(ServiceTest, ListsStoresNewestFirstWithCursorAndLimit) {
  auto s = Open();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(s->CreateStore("s" + std::to_string(i), {}).value->id);
  const auto page = s->ListStores(2, "asc", "");
  ASSERT_EQ(page.size(), 2u);
  const auto rest = s->ListStores(2, "asc", page.back().id);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(s->ListStores(0, "", "").size(), 3u);
  StorePatch patch;
  patch.name = "renamed";
  patch.metadata = boost::json::object{{"team", "docs"}};
  auto updated = s->UpdateStore(ids[0], patch);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated.value->name, "renamed");
  EXPECT_EQ(s->GetStore(ids[0]).value->metadata->at("team"), "docs");
}

TEST_F(ServiceTest, RedisSharesStoresBetweenRoutersAndKeepsThemAcrossRestarts) {
  testing::RedisServer redis;
  VSR_REQUIRE_REDIS(redis);
  options_.backend_type = "valkey";
  options_.redis = redis.endpoint();
  options_.sync_interval = std::chrono::milliseconds(50);
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  const std::string store = a->CreateStore("handbook", {}).value->id;
  auto attached = a->AttachFile(store, Upload(*a, "handbook.md", kHandbook), std::nullopt);
  EXPECT_EQ(Settled(*a, store, attached.value->id).status, "completed");
  // Router b sees the store, its file's status and its chunks after its next sync.
  VectorStoreFile seen = Settled(*b, store, attached.value->id);
  EXPECT_EQ(seen.status, "completed");
  auto hits = b->SearchText(store, "parcels ship from Lisbon", 1, 0.2, {});
  ASSERT_TRUE(hits) << hits.error.message;
  ASSERT_EQ(hits.value->size(), 1u);
  EXPECT_NE(hits.value->front().content.find("Lisbon"), std::string::npos);

  a.reset();
  b.reset();
  auto restarted = Open();
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->GetStore(store).value->file_counts.completed, 1);
  EXPECT_EQ(restarted->SearchText(store, "Lisbon parcels", 1, 0.2, {}).value->size(), 1u);
  ASSERT_FALSE(restarted->DetachFile(store, attached.value->id));
  ASSERT_FALSE(restarted->DeleteStore(store));
  auto again = Open();
  EXPECT_FALSE(again->GetStore(store));
}

// backend_type milvus: chunks in upstream's collection layout, a store read back from its
// collection after a restart, detaching and deleting reach Milvus, failures say so.
TEST_F(ServiceTest, MilvusKeepsChunksInUpstreamsCollections) {
  testing::FakeMilvus milvus;
  options_.backend_type = "milvus";
  options_.milvus_address = milvus.Address();
  auto a = Open();
  ASSERT_TRUE(a);
  const std::string store = a->CreateStore("handbook", {}).value->id;
  const std::string file = Upload(*a, "handbook.md", kHandbook);
  auto attached = a->AttachFile(store, file, std::nullopt);
  EXPECT_EQ(Settled(*a, store, attached.value->id).status, "completed");

  const std::string collection = "vsr_vs_" + store;
  const json::object created = milvus.created(collection);
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created.at("description").as_string(), "Vector store: " + store);
  std::vector<std::string> fields;
  for (const json::value& f : created.at("schema").at("fields").as_array()) {
    fields.emplace_back(f.at("fieldName").as_string());
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "file_id", "filename", "content", "embedding",
                                              "chunk_index", "created_at"}));
  EXPECT_EQ(created.at("schema").at("fields").as_array()[4].at("elementTypeParams").at("dim"),
            64);  // the embedding model's
  EXPECT_EQ(created.at("indexParams").as_array()[0].at("metricType"), "IP");
  ASSERT_EQ(milvus.size(collection), 3u);
  const json::object row = milvus.row(collection, file + "_chunk_1");
  EXPECT_EQ(row.at("file_id").as_string(), file);
  EXPECT_EQ(row.at("filename"), "handbook.md");
  EXPECT_EQ(row.at("chunk_index"), 1);
  EXPECT_GT(row.at("created_at").as_int64(), 1700000000);

  a.reset();
  milvus.Restart();  // Milvus restarted too: its collections are released
  auto restarted = Open();
  ASSERT_TRUE(restarted);
  const auto back = restarted->GetStore(store);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value->backend_type, "milvus");
  EXPECT_EQ(back.value->file_counts.completed, 1);
  auto hits = restarted->SearchText(store, "when do parcels ship from Lisbon", 1, 0.2, {});
  ASSERT_TRUE(hits) << hits.error.message;
  ASSERT_EQ(hits.value->size(), 1u);
  EXPECT_NE(hits.value->front().content.find("Lisbon"), std::string::npos);

  const std::vector<VectorStoreFile> files = restarted->ListFiles(store);
  ASSERT_EQ(files.size(), 1u);
  ASSERT_FALSE(restarted->DetachFile(store, files[0].id));
  EXPECT_EQ(milvus.size(collection), 0u);
  ASSERT_FALSE(restarted->DeleteStore(store));
  EXPECT_TRUE(milvus.created(collection).empty());  // dropped

  // Milvus failing: chunks cannot be stored (the file says so); a router cannot start on it.
  const std::string other = restarted->CreateStore("other", {}).value->id;
  milvus.Fail(true);
  auto failed = restarted->AttachFile(other, file, std::nullopt);
  const VectorStoreFile outcome = Settled(*restarted, other, failed.value->id);
  EXPECT_EQ(outcome.status, "failed");
  ASSERT_TRUE(outcome.last_error);
  EXPECT_EQ(outcome.last_error->code, "storage_error");
  EXPECT_NE(outcome.last_error->message.find("code 1100: collection not loaded"), std::string::npos)
      << outcome.last_error->message;
  std::string error;
  EXPECT_FALSE(VectorStoreService::Open(options_, nullptr, nullptr, error));
  EXPECT_NE(error.find("milvus collections/list: code 1100"), std::string::npos) << error;
}

// backend_type llama_stack (a fake of its Vector Stores API): a store is a Llama Stack store
// named by our id, chunks go in with our embeddings and upstream's layout, searches run there
// by the question's text (threshold applied; hybrid asks for rrf and keeps every hit), the store
// comes back after a restart and is still searched there, deleting reaches Llama Stack.
TEST_F(ServiceTest, LlamaStackKeepsAndSearchesTheChunks) {
  testing::FakeLlamaStack ls;
  options_.backend_type = "llama_stack";
  LlamaStackOptions l;
  l.endpoint = ls.Url() + "/";
  l.auth_token = "secret-token";
  l.embedding_model = "all-MiniLM-L6-v2";
  l.embedding_dimension = 64;
  options_.llama_stack = l;
  auto a = Open();
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->searches_remotely());
  const std::string store = a->CreateStore("handbook", {}).value->id;
  const testing::FakeLlamaStack::Store made = ls.store(store);
  ASSERT_FALSE(made.id.empty());
  EXPECT_NE(made.id, store);  // Llama Stack names it itself
  EXPECT_EQ(made.created.at("embedding_model"), "all-MiniLM-L6-v2");
  EXPECT_EQ(made.created.at("embedding_dimension"), 64);
  ASSERT_TRUE(a->UpdateStore(store, StorePatch{std::string("renamed"), {}, {}}));
  EXPECT_EQ(ls.stores(), 1u);  // an update makes no second store

  const std::string file = Upload(*a, "handbook.md", kHandbook);
  auto attached = a->AttachFile(store, file, std::nullopt);
  EXPECT_EQ(Settled(*a, store, attached.value->id).status, "completed");
  const std::vector<json::object> chunks = ls.store(store).chunks;
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[1].at("chunk_id").as_string(), file + "_chunk_1");
  EXPECT_EQ(chunks[1].at("metadata").at("file_id").as_string(), file);
  EXPECT_EQ(chunks[1].at("metadata").at("filename"), "handbook.md");
  EXPECT_EQ(chunks[1].at("chunk_metadata").at("source"), "handbook.md");
  EXPECT_EQ(chunks[1].at("embedding").as_array().size(), 64u);  // ours
  EXPECT_EQ(chunks[1].at("embedding_dimension"), 64);

  auto hits = a->SearchText(store, "parcels ship from Lisbon", 5, 0.5, {});
  ASSERT_TRUE(hits) << hits.error.message;
  ASSERT_EQ(hits.value->size(), 1u);  // the only chunk with at least half the words
  EXPECT_NE(hits.value->front().content.find("Lisbon"), std::string::npos);
  EXPECT_EQ(hits.value->front().file_id, file);
  EXPECT_EQ(hits.value->front().filename, "handbook.md");
  const server::HttpRequest search = ls.requests().back();
  EXPECT_EQ(search.path, "/v1/vector_stores/" + made.id + "/search");
  EXPECT_EQ(search.headers.at("authorization"), "Bearer secret-token");
  const json::object body = json::parse(search.body).as_object();
  EXPECT_EQ(body.at("query"), "parcels ship from Lisbon");
  EXPECT_EQ(body.at("max_num_results"), 5);
  EXPECT_FALSE(body.contains("ranking_options"));
  // Filtered by file: another file's id finds nothing.
  hits = a->SearchText(store, "parcels ship from Lisbon", 5, 0.0, {"file-other"});
  ASSERT_TRUE(hits);
  EXPECT_TRUE(hits.value->empty());

  a.reset();
  options_.llama_stack->search_type = "hybrid";
  auto restarted = Open();
  ASSERT_TRUE(restarted);
  ASSERT_TRUE(restarted->GetStore(store));
  EXPECT_EQ(restarted->GetStore(store).value->backend_type, "llama_stack");
  // Scores 0.8 and 0.2: both kept (rrf scores are not similarities: no threshold).
  hits = restarted->SearchText(store, "parcels ship from Lisbon refunds", 5, 0.9, {});
  ASSERT_TRUE(hits) << hits.error.message;
  EXPECT_EQ(hits.value->size(), 2u);
  EXPECT_EQ(json::parse(ls.requests().back().body).at("ranking_options").at("ranker"), "rrf");

  ASSERT_FALSE(restarted->DeleteStore(store));
  EXPECT_EQ(ls.stores(), 0u);
}

TEST_F(ServiceTest, LlamaStackUnreachableAtStartIsAnErrorThatNamesIt) {
  options_.backend_type = "llama_stack";
  LlamaStackOptions l;
  l.endpoint = "http://127.0.0.1:9";  // discard port: nothing listens
  l.timeout = std::chrono::seconds(2);
  options_.llama_stack = l;
  std::string error;
  EXPECT_FALSE(VectorStoreService::Open(options_, nullptr, nullptr, error));
  EXPECT_NE(error.find("llama stack GET /v1/vector_stores"), std::string::npos) << error;
}

// metadata_store postgres: a store's record (name, metadata, expiry, counts) in upstream's
// registry table, back after a restart over Milvus's chunks (or empty with the memory backend);
// rows upstream wrote come back as stores; uploaded files' records in file_registry.
TEST_F(ServiceTest, PostgresRegistryKeepsStoreRecordsAcrossRestarts) {
  testing::PostgresServer pg;
  VSR_REQUIRE_POSTGRES(pg);
  testing::FakeMilvus milvus;
  options_.backend_type = "milvus";
  options_.milvus_address = milvus.Address();
  options_.metadata_postgres = pg.endpoint();
  auto a = Open();
  ASSERT_TRUE(a);
  StorePatch extra;
  extra.metadata = json::object{{"team", "docs"}};
  extra.expires_after = json::object{{"anchor", "last_active_at"}, {"days", 7}};
  const std::string store = a->CreateStore("handbook", extra).value->id;
  const std::string empty = a->CreateStore("empty", {}).value->id;
  const std::string file = Upload(*a, "handbook.md", kHandbook);
  auto attached = a->AttachFile(store, file, std::nullopt);
  EXPECT_EQ(Settled(*a, store, attached.value->id).status, "completed");

  std::string error;
  auto sql = postgres::Client::Connect(pg.endpoint(), error);
  ASSERT_TRUE(sql) << error;
  // The uploaded file's record in upstream's file_registry.
  const auto file_row =
      sql->Exec("SELECT filename, bytes, purpose FROM file_registry WHERE id = $1", {file}, error);
  ASSERT_TRUE(file_row && file_row->rows.size() == 1) << error;
  EXPECT_EQ(file_row->rows[0],
            (std::vector<std::optional<std::string>>{
                "handbook.md", std::to_string(std::strlen(kHandbook)), "assistants"}));
  const auto row = sql->Exec(
      "SELECT name, backend_type, fc_completed, fc_total, expires_anchor, expires_days, "
      "metadata->>'team' FROM vector_store_registry WHERE id = $1",
      {store}, error);
  ASSERT_TRUE(row && row->rows.size() == 1) << error;
  EXPECT_EQ(row->rows[0], (std::vector<std::optional<std::string>>{"handbook", "milvus", "1", "1",
                                                                   "last_active_at", "7", "docs"}));
  // A store upstream's router registered.
  ASSERT_TRUE(
      sql->Exec("INSERT INTO vector_store_registry (id, name, created_at, backend_type) "
                "VALUES ('vs_upstream', 'theirs', 1700000000, 'milvus')",
                {}, error))
      << error;

  a.reset();
  auto b = Open();
  ASSERT_TRUE(b);
  const auto back = b->GetStore(store);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value->name, "handbook");
  EXPECT_EQ(back.value->metadata->at("team"), "docs");
  EXPECT_EQ(back.value->expires_after->at("days"), 7);
  EXPECT_EQ(back.value->file_counts.completed, 1);
  EXPECT_EQ(b->Resolve("handbook"), store);
  EXPECT_EQ(b->SearchText(store, "parcels ship from Lisbon", 1, 0.2, {}).value->size(), 1u);
  EXPECT_EQ(b->GetStore(empty).value->name, "empty");  // no chunks, still a store
  EXPECT_EQ(b->Resolve("theirs"), "vs_upstream");

  ASSERT_TRUE(b->files().Delete(file, error)) << error;
  EXPECT_EQ(sql->Exec("SELECT id FROM file_registry", {}, error)->rows.size(), 0u);
  ASSERT_FALSE(b->DeleteStore(store));
  const auto gone =
      sql->Exec("SELECT count(*) FROM vector_store_registry WHERE id = $1", {store}, error);
  ASSERT_TRUE(gone) << error;
  EXPECT_EQ(gone->rows[0][0], "0");

  // Settings that cannot work stop the service from opening, saying why.
  options_.metadata_postgres->database = "";
  EXPECT_FALSE(VectorStoreService::Open(options_, nullptr, nullptr, error));
  EXPECT_EQ(error,
            "metadata_postgres: vector_store.metadata_postgres.database is required (the "
            "database to keep the rows in)");
}

TEST_F(ServiceTest, RedisUnreachableAtStartIsAnErrorThatNamesIt) {
  options_.backend_type = "valkey";
  options_.redis = redis::Endpoint{};
  options_.redis->port = testing::UnusedLoopbackPort();
  options_.redis->timeout_ms = 300;
  std::string error;
  EXPECT_FALSE(VectorStoreService::Open(options_, nullptr, nullptr, error));
  EXPECT_NE(error.find("valkey at 127.0.0.1:" + std::to_string(options_.redis->port)),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace vsr::vectorstore
