#include "plugins/memory_milvus.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_text.h"
#include "server/http_client.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

constexpr std::chrono::seconds kTimeout{10};
constexpr int64_t kQueryWindow = 16384;  // Milvus: offset + limit of one query
constexpr int64_t kPage = 1000;

const char* const kFields[] = {"id",         "user_id",    "project_id",   "memory_type",
                               "content",    "source",     "metadata",     "embedding",
                               "created_at", "updated_at", "access_count", "importance"};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A string literal for a Milvus filter expression.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

double Number(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

class MilvusBackend final : public MemoryMirror::Backend {
 public:
  explicit MilvusBackend(const config::MemoryMilvus& m)
      : base_(m.address.rfind("http", 0) == 0 ? m.address : "http://" + m.address),
        collection_(m.collection.empty() ? "agentic_memory" : m.collection),
        dimension_(m.dimension > 0 ? m.dimension : 384),
        partitions_(m.num_partitions > 0 ? m.num_partitions : 16) {}

  std::string name() const override { return "milvus " + base_ + " (" + collection_ + ")"; }

  // The collection as upstream makes it, when it does not exist; then loaded for queries.
  bool Prepare(std::string& error) {
    json::value data;
    if (!Call("collections/has", {{"collectionName", collection_}}, data, error)) return false;
    const json::value* has = data.is_object() ? data.as_object().if_contains("has") : nullptr;
    if (has != nullptr && has->is_bool() && has->as_bool()) {
      return Call("collections/load", {{"collectionName", collection_}}, data, error);
    }
    const auto varchar = [](const char* name, int max, bool extra_key = false) {
      json::object f{{"fieldName", name},
                     {"dataType", "VarChar"},
                     {"elementTypeParams", json::object{{"max_length", max}}}};
      if (extra_key) f["isPartitionKey"] = true;
      return f;
    };
    json::array fields{
        json::object{{"fieldName", "id"},
                     {"dataType", "VarChar"},
                     {"isPrimary", true},
                     {"elementTypeParams", json::object{{"max_length", 64}}}},
        varchar("user_id", 256, true),
        varchar("project_id", 256),
        varchar("memory_type", 32),
        varchar("content", 65535),
        varchar("source", 256),
        varchar("metadata", 65535),
        json::object{{"fieldName", "embedding"},
                     {"dataType", "FloatVector"},
                     {"elementTypeParams", json::object{{"dim", dimension_}}}},
        json::object{{"fieldName", "created_at"}, {"dataType", "Int64"}},
        json::object{{"fieldName", "updated_at"}, {"dataType", "Int64"}},
        json::object{{"fieldName", "access_count"}, {"dataType", "Int64"}},
        json::object{{"fieldName", "importance"}, {"dataType", "Float"}},
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
    return Call("collections/create", std::move(create), data, error);
  }

  bool LoadAll(std::vector<Memory>& out, std::string& error) override {
    json::array output;
    for (const char* f : kFields) output.emplace_back(f);
    for (int64_t offset = 0; offset < kQueryWindow; offset += kPage) {
      json::value data;
      if (!Call("entities/query",
                {{"collectionName", collection_},
                 {"filter", "id != \"\""},
                 {"outputFields", output},
                 {"limit", std::min(kPage, kQueryWindow - offset)},
                 {"offset", offset}},
                data, error)) {
        return false;
      }
      const json::array* rows = data.if_array();
      if (rows == nullptr) break;
      for (const json::value& row : *rows) {
        if (auto m = FromRow(row)) out.push_back(std::move(*m));
      }
      if (static_cast<int64_t>(rows->size()) < kPage) break;
    }
    return true;
  }

  bool Put(const Memory& m, std::string& version, std::string& error) override {
    if (m.embedding.size() != static_cast<size_t>(dimension_)) {
      error = "memory " + m.id + " has an embedding of " + std::to_string(m.embedding.size()) +
              " dimensions; the collection takes " + std::to_string(dimension_) +
              " (global.stores.memory.milvus.dimension)";
      return false;
    }
    json::value data;
    return Call("entities/upsert", {{"collectionName", collection_}, {"data", json::array{Row(m)}}},
                data, error) &&
           Count(version, error);
  }

  bool Erase(const std::string& id, std::string& version, std::string& error) override {
    json::value data;
    return Call("entities/delete",
                {{"collectionName", collection_}, {"filter", "id in [" + Quoted(id) + "]"}}, data,
                error) &&
           Count(version, error);
  }

  std::optional<std::string> Version(std::string& error) override {
    std::string v;
    if (!Count(v, error)) return std::nullopt;
    return v;
  }

 private:
  // POST <base>/v2/vectordb/<path>: the reply's `data`, or false with Milvus's code and message.
  bool Call(const std::string& path, json::object body, json::value& data, std::string& error) {
    const server::HttpResult r =
        server::HttpCall("POST", base_ + "/v2/vectordb/" + path, CompactJson(body), kTimeout,
                         {{"Content-Type", "application/json"}});
    if (r.failure != server::HttpResult::Failure::kNone) {
      error = "milvus " + base_ + ": " + r.error;
      return false;
    }
    boost::system::error_code ec;
    json::value reply = json::parse(r.body, ec);
    const json::object* o = ec ? nullptr : reply.if_object();
    if (r.status != 200 || o == nullptr) {
      error =
          "milvus " + path + ": HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
      return false;
    }
    const json::value* code = o->if_contains("code");
    if (code != nullptr && code->is_number() && code->to_number<double>() != 0) {
      error = "milvus " + path + ": code " + CompactJson(*code) + ": " + Text(*o, "message");
      return false;
    }
    const json::value* d = o->if_contains("data");
    data = d != nullptr ? *d : json::value();
    return true;
  }

  bool Count(std::string& version, std::string& error) {
    json::value data;
    if (!Call("entities/query",
              {{"collectionName", collection_},
               {"filter", ""},
               {"outputFields", json::array{"count(*)"}}},
              data, error)) {
      return false;
    }
    const json::array* rows = data.if_array();
    const json::object* first =
        rows != nullptr && !rows->empty() ? rows->front().if_object() : nullptr;
    version =
        "count:" + std::to_string(first ? static_cast<int64_t>(Number(*first, "count(*)")) : 0);
    return true;
  }

  json::object Row(const Memory& m) const {
    const std::string source = m.source.empty() ? "extraction" : m.source;
    json::array embedding;
    for (float x : m.embedding) embedding.emplace_back(static_cast<double>(x));
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
                                                  {"last_accessed", NowSeconds()}})},
            {"embedding", std::move(embedding)},
            {"created_at", m.created_unix},
            {"updated_at", NowSeconds()},
            {"access_count", m.access_count},
            {"importance", m.importance}};
  }

  // A row back into a memory; nullopt without an id, a user or content.
  static std::optional<Memory> FromRow(const json::value& row) {
    const json::object* o = row.if_object();
    if (o == nullptr) return std::nullopt;
    Memory m;
    m.id = Text(*o, "id");
    m.user_id = Text(*o, "user_id");
    m.content = Text(*o, "content");
    if (m.id.empty() || m.user_id.empty() || m.content.empty()) return std::nullopt;
    if (std::string type = Text(*o, "memory_type"); !type.empty()) m.type = type;
    m.source = Text(*o, "source");
    m.importance = Number(*o, "importance");
    m.access_count = static_cast<int>(Number(*o, "access_count"));
    m.created_unix = static_cast<int64_t>(Number(*o, "created_at"));
    if (const json::value* e = o->if_contains("embedding"); e && e->is_array()) {
      for (const json::value& x : e->as_array()) {
        m.embedding.push_back(x.is_number() ? static_cast<float>(x.to_number<double>()) : 0.f);
      }
    }
    return m;
  }

  std::string base_, collection_;
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
