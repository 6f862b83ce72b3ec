#include "vectorstore/milvus_persistence.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_text.h"
#include "common/unix_time.h"
#include "common/utf8.h"

namespace vsr::vectorstore {

namespace json = boost::json;

namespace {

constexpr size_t kRowsPerInsert = 100;
constexpr size_t kMaxContentBytes = 65535;  // the content field's max_length

// A file's attachment as a store read back from Milvus has it: completed, with an id made from
// the file's (the original attachment id is not kept in Milvus).
VectorStoreFile ReloadedFile(const std::string& store, const std::string& file_id,
                             int64_t created_at) {
  VectorStoreFile f;
  f.id = "vsf_" + (file_id.rfind("file_", 0) == 0 ? file_id.substr(5) : file_id);
  f.vector_store_id = store;
  f.file_id = file_id;
  f.status = "completed";
  f.created_at = created_at;
  return f;
}

}  // namespace

MilvusPersistence::MilvusPersistence(const std::string& address, std::string prefix)
    : rest_(address), prefix_(std::move(prefix)) {}

std::string MilvusPersistence::name() const {
  return "milvus " + rest_.base() + ", collections " + prefix_ + "<store id>";
}

bool MilvusPersistence::SaveStore(const VectorStore&, std::string&) {
  return true;  // the collection is made with the first chunks, for their dimension
}

bool MilvusPersistence::SaveFile(const VectorStoreFile&, std::string&) {
  return true;  // attachments are not kept in Milvus; their chunks are
}

bool MilvusPersistence::DeleteStore(const std::string& id, std::string& error) {
  bool has = false;
  if (!rest_.Has(CollectionOf(id), has, error)) return false;
  {
    std::lock_guard lock(mu_);
    known_.erase(CollectionOf(id));
  }
  json::value data;
  return !has ||
         rest_.Call("collections/drop", {{"collectionName", CollectionOf(id)}}, data, error);
}

bool MilvusPersistence::DeleteFile(const VectorStoreFile& f,
                                   const std::vector<std::string>& chunk_ids, std::string& error) {
  if (chunk_ids.empty()) return true;
  bool has = false;
  if (!rest_.Has(CollectionOf(f.vector_store_id), has, error)) return false;
  json::value data;
  return !has || rest_.Call("entities/delete",
                            {{"collectionName", CollectionOf(f.vector_store_id)},
                             {"filter", "file_id == " + milvus::Quoted(f.file_id)}},
                            data, error);
}

bool MilvusPersistence::Ensure(const std::string& store, size_t dimension, std::string& error) {
  const std::string collection = CollectionOf(store);
  {
    std::lock_guard lock(mu_);
    if (known_.contains(collection)) return true;
  }
  json::array fields{milvus::VarCharField("id", 128, /*primary=*/true),
                     milvus::VarCharField("file_id", 128),
                     milvus::VarCharField("filename", 512),
                     milvus::VarCharField("content", static_cast<int64_t>(kMaxContentBytes)),
                     milvus::VectorField("embedding", static_cast<int64_t>(dimension)),
                     milvus::ScalarField("chunk_index", "Int64"),
                     milvus::ScalarField("created_at", "Int64")};
  json::object create{
      {"collectionName", collection},
      {"description", "Vector store: " + store},
      {"schema", json::object{{"autoId", false}, {"fields", std::move(fields)}}},
      {"indexParams",
       json::array{json::object{{"fieldName", "embedding"},
                                {"indexName", "embedding"},
                                {"metricType", "IP"},
                                {"indexType", "HNSW"},
                                {"params", json::object{{"M", 16}, {"efConstruction", 200}}}}}}};
  if (!rest_.EnsureCollection(collection, std::move(create), error)) return false;
  std::lock_guard lock(mu_);
  known_.insert(collection);
  return true;
}

bool MilvusPersistence::InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                                     std::string& error) {
  if (chunks.empty()) return true;
  if (!Ensure(store, chunks.front().embedding.size(), error)) return false;
  const int64_t now = UnixSeconds();
  for (size_t first = 0; first < chunks.size(); first += kRowsPerInsert) {
    json::array rows;
    for (size_t i = first; i < std::min(chunks.size(), first + kRowsPerInsert); ++i) {
      const Chunk& c = chunks[i];
      rows.push_back(json::object{{"id", c.id},
                                  {"file_id", c.file_id},
                                  {"filename", c.filename},
                                  {"content", utf8::Prefix(c.content, kMaxContentBytes)},
                                  {"embedding", FloatArray(c.embedding)},
                                  {"chunk_index", c.chunk_index},
                                  {"created_at", now}});
    }
    json::value data;
    // Upsert, as upstream: attaching a file again rewrites its chunks (same ids).
    if (!rest_.Call("entities/upsert",
                    {{"collectionName", CollectionOf(store)}, {"data", std::move(rows)}}, data,
                    error)) {
      return false;
    }
  }
  return true;
}

bool MilvusPersistence::Load(StoreMap& out, std::string& error) {
  out.clear();
  json::value data;
  if (!rest_.Call("collections/list", json::object{}, data, error)) return false;
  const json::array* names = data.if_array();
  if (names == nullptr) return true;
  const json::array fields{"id",        "file_id",     "filename",  "content",
                           "embedding", "chunk_index", "created_at"};
  for (const json::value& n : *names) {
    if (!n.is_string()) continue;
    const std::string collection(n.as_string());
    if (collection.size() <= prefix_.size() || collection.rfind(prefix_, 0) != 0) continue;
    const std::string id = collection.substr(prefix_.size());
    StoreState state;
    state.meta.id = id;
    state.meta.name = id;
    state.meta.backend_type = "milvus";
    int64_t first_seen = 0;
    json::value loaded;  // Milvus answers queries on loaded collections only
    const bool ok =
        rest_.Call("collections/load", {{"collectionName", collection}}, loaded, error) &&
        rest_.QueryAll(
            collection, "id != \"\"", fields,
            [&](const json::object& row) {
              Chunk c;
              c.id = TextField(row, "id");
              c.file_id = TextField(row, "file_id");
              c.filename = TextField(row, "filename");
              c.content = TextField(row, "content");
              c.chunk_index = static_cast<int>(NumberField(row, "chunk_index"));
              const auto created = static_cast<int64_t>(NumberField(row, "created_at"));
              if (const json::value* e = row.if_contains("embedding")) c.embedding = FloatsOf(*e);
              if (c.id.empty() || c.embedding.empty()) return;
              if (first_seen == 0 || created < first_seen) first_seen = created;
              VectorStoreFile f = ReloadedFile(id, c.file_id, created);
              auto [it, added] = state.files.emplace(f.id, f);
              if (!added && created < it->second.created_at) it->second.created_at = created;
              state.chunks.Put(std::move(c));
            },
            error);
    if (!ok) return false;
    state.meta.created_at = first_seen;
    out.emplace(id, std::move(state));
  }
  return true;
}

}  // namespace vsr::vectorstore
