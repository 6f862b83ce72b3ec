#include "plugins/memory_milvus.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_text.h"
#include "common/unix_time.h"
#include "milvus/rest.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

const char* const kFields[] = {"id",         "user_id",    "project_id",   "memory_type",
                               "content",    "source",     "metadata",     "embedding",
                               "created_at", "updated_at", "access_count", "importance"};

using milvus::Quoted;

class MilvusBackend final : public MemoryMirror::Backend {
 public:
  explicit MilvusBackend(const config::MemoryMilvus& m)
      : rest_(m.address),
        collection_(m.collection.empty() ? "agentic_memory" : m.collection),
        dimension_(m.dimension > 0 ? m.dimension : 384),
        partitions_(m.num_partitions > 0 ? m.num_partitions : 16) {}

  std::string name() const override { return "milvus " + rest_.base() + " (" + collection_ + ")"; }

  // The collection as upstream makes it, when it does not exist; then loaded for queries.
  bool Prepare(std::string& error) {
    json::object user_id = milvus::VarCharField("user_id", 256);
    user_id["isPartitionKey"] = true;
    json::array fields{
        milvus::VarCharField("id", 64, /*primary=*/true),
        std::move(user_id),
        milvus::VarCharField("project_id", 256),
        milvus::VarCharField("memory_type", 32),
        milvus::VarCharField("content", 65535),
        milvus::VarCharField("source", 256),
        milvus::VarCharField("metadata", 65535),
        milvus::VectorField("embedding", dimension_),
        milvus::ScalarField("created_at", "Int64"),
        milvus::ScalarField("updated_at", "Int64"),
        milvus::ScalarField("access_count", "Int64"),
        milvus::ScalarField("importance", "Float"),
    };
    json::object create{
        {"collectionName", collection_},
        {"description", "Agentic Memory storage for cross-session context"},
        {"schema", json::object{{"autoId", false}, {"fields", std::move(fields)}}},
        {"indexParams",
         json::array{json::object{{"fieldName", "embedding"},
                                  {"indexName", "embedding"},
                                  {"metricType", "COSINE"},
                                  {"indexType", "HNSW"},
                                  {"params", json::object{{"M", 16}, {"efConstruction", 256}}}}}},
        {"params", json::object{{"partitionsNum", partitions_}}}};
    return rest_.EnsureCollection(collection_, std::move(create), error);
  }

  bool LoadAll(std::vector<Memory>& out, std::string& error) override {
    json::array output;
    for (const char* f : kFields) output.emplace_back(f);
    return rest_.QueryAll(
        collection_, "id != \"\"", output,
        [&](const json::object& row) {
          if (auto m = FromRow(row)) out.push_back(std::move(*m));
        },
        error);
  }

  bool Put(const Memory& m, std::string& version, std::string& error) override {
    if (m.embedding.size() != static_cast<size_t>(dimension_)) {
      error = "memory " + m.id + " has an embedding of " + std::to_string(m.embedding.size()) +
              " dimensions; the collection takes " + std::to_string(dimension_) +
              " (global.stores.memory.milvus.dimension)";
      return false;
    }
    json::value data;
    return rest_.Call("entities/upsert",
                      {{"collectionName", collection_}, {"data", json::array{Row(m)}}}, data,
                      error) &&
           Count(version, error);
  }

  bool Erase(const std::string& id, std::string& version, std::string& error) override {
    json::value data;
    return rest_.Call("entities/delete",
                      {{"collectionName", collection_}, {"filter", "id in [" + Quoted(id) + "]"}},
                      data, error) &&
           Count(version, error);
  }

  std::optional<std::string> Version(std::string& error) override {
    std::string v;
    if (!Count(v, error)) return std::nullopt;
    return v;
  }

 private:
  bool Count(std::string& version, std::string& error) {
    json::value data;
    if (!rest_.Call("entities/query",
                    {{"collectionName", collection_},
                     {"filter", ""},
                     {"outputFields", json::array{"count(*)"}}},
                    data, error)) {
      return false;
    }
    const json::array* rows = data.if_array();
    const json::object* first =
        rows != nullptr && !rows->empty() ? rows->front().if_object() : nullptr;
    version = "count:" +
              std::to_string(first ? static_cast<int64_t>(NumberField(*first, "count(*)")) : 0);
    return true;
  }

  json::object Row(const Memory& m) const {
    const std::string source = m.source.empty() ? "extraction" : m.source;
    return {{"id", m.id},
            {"user_id", m.user_id},
            {"project_id", "default"},
            {"memory_type", m.type},
            {"content", m.content},
            {"source", source},
            {"metadata", CompactJson(json::object{{"user_id", m.user_id},
                                                  {"project_id", "default"},
                                                  {"source", source},
                                                  {"importance", m.importance},
                                                  {"access_count", m.access_count},
                                                  {"last_accessed", UnixSeconds()}})},
            {"embedding", FloatArray(m.embedding)},
            {"created_at", m.created_unix},
            {"updated_at", UnixSeconds()},
            {"access_count", m.access_count},
            {"importance", m.importance}};
  }

  // A row back into a memory; nullopt without an id, a user or content.
  static std::optional<Memory> FromRow(const json::object& row) {
    Memory m;
    m.id = TextField(row, "id");
    m.user_id = TextField(row, "user_id");
    m.content = TextField(row, "content");
    if (m.id.empty() || m.user_id.empty() || m.content.empty()) return std::nullopt;
    if (std::string type = TextField(row, "memory_type"); !type.empty()) m.type = type;
    m.source = TextField(row, "source");
    m.importance = NumberField(row, "importance");
    m.access_count = static_cast<int>(NumberField(row, "access_count"));
    m.created_unix = static_cast<int64_t>(NumberField(row, "created_at"));
    if (const json::value* e = row.if_contains("embedding")) m.embedding = FloatsOf(*e);
    return m;
  }

  milvus::Rest rest_;
  std::string collection_;
  int dimension_, partitions_;
};

}  // namespace

std::unique_ptr<MemoryMirror> OpenMemoryMilvus(const config::MemoryMilvus& milvus,
                                               std::vector<Memory>& loaded, std::string& error) {
  if (milvus.address.empty()) {
    error = "global.stores.memory.milvus.address is not set";
    return nullptr;
  }
  auto backend = std::make_unique<MilvusBackend>(milvus);
  if (!backend->Prepare(error)) return nullptr;
  return MemoryMirror::Open(std::move(backend), loaded, error);
}

}  // namespace vsr::plugins
