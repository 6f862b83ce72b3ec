// Where a vector store service keeps its stores beyond the process: one interface per kind of
// store, so the service does not know which it writes to. RedisPersistence (backend_type
// valkey) keeps everything, shared by replicas; MilvusPersistence (backend_type milvus) keeps
// the chunks in upstream's Milvus collections; LlamaStackPersistence (backend_type
// llama_stack) keeps them in a Llama Stack server, which also searches them. Calls come from
// the router API's thread, the ingestion workers and the service's sync thread — never from the
// request path, where a remote search is a call the request makes (SearchCall).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vectorstore/collection.h"
#include "vectorstore/types.h"

namespace vsr::vectorstore {

struct StoreState {
  VectorStore meta;
  std::map<std::string, VectorStoreFile> files;  // vsf id -> status
  Collection chunks;
};
using StoreMap = std::map<std::string, StoreState>;

// A search the backend runs (POST `body` to `url`), for a store whose chunks this process
// cannot read back.
struct RemoteSearch {
  std::string url, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{30000};
};

class Persistence {
 public:
  virtual ~Persistence() = default;
  virtual std::string name() const = 0;
  virtual bool SaveStore(const VectorStore& s, std::string& error) = 0;
  virtual bool DeleteStore(const std::string& id, std::string& error) = 0;
  virtual bool SaveFile(const VectorStoreFile& f, std::string& error) = 0;
  // `chunk_ids`: the file's chunks in the store (empty when another attachment keeps them).
  virtual bool DeleteFile(const VectorStoreFile& f, const std::vector<std::string>& chunk_ids,
                          std::string& error) = 0;
  virtual bool InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                            std::string& error) = 0;
  // Everything kept, at start (and, when shared(), whenever Version moves).
  virtual bool Load(StoreMap& out, std::string& error) = 0;
  // Shared with other routers that change it: they mark each change (Bump) and reload when the
  // version moves.
  virtual bool shared() const { return false; }
  virtual std::optional<long long> Bump(std::string& /*error*/) { return 0; }
  virtual std::optional<long long> Version(std::string& /*error*/) { return 0; }
  // Backends that search (llama_stack: it embeds the query with its own model): the search of
  // `store` for `query`, without I/O (null with `error` when the store is unknown there), and
  // its reply read into results, keeping those whose score reaches `threshold`.
  virtual bool searches_remotely() const { return false; }
  virtual std::optional<RemoteSearch> SearchCall(const std::string& /*store*/,
                                                 const std::string& /*query*/, size_t /*top_k*/,
                                                 const std::vector<std::string>& /*file_ids*/,
                                                 std::string& error) const {
    error = "this backend does not search";
    return std::nullopt;
  }
  virtual bool ReadSearch(const boost::json::value& /*reply*/, double /*threshold*/,
                          std::vector<SearchResult>& /*out*/, std::string& error) const {
    error = "this backend does not search";
    return false;
  }
};

}  // namespace vsr::vectorstore
