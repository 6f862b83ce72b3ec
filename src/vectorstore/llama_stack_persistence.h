// backend_type llama_stack: stores and their chunks kept in a Llama Stack server through its
// OpenAI-compatible Vector Stores API, as upstream does. Each store is a Llama Stack vector
// store named by our store id (Llama Stack picks its own ids: the name → id map is filled when
// a store is made and from its store list at start). Chunks go in with the embeddings this
// router computed (POST /v1/vector-io/insert, upstream's chunk layout); Llama Stack cannot
// hand them back, so searches run there (POST /v1/vector_stores/{id}/search with the query
// text, which Llama Stack embeds with its own model — configure the same one): on the request
// path as a call the request makes, from the search API as a blocking call. A store's name,
// metadata and files are not kept there (upstream has the same limit; metadata_store postgres
// keeps them).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "vectorstore/persistence.h"

namespace vsr::vectorstore {

struct LlamaStackOptions {
  std::string endpoint;  // http(s)://host:port
  std::string auth_token;
  std::string embedding_model;  // what Llama Stack embeds queries with ("": its default)
  int embedding_dimension = 0;  // 0: Llama Stack's choice
  std::chrono::seconds timeout{30};
  std::string search_type = "vector";  // vector | keyword | hybrid (rrf; no score threshold)
};

// Runs `call` (a SearchCall) and reads its JSON answer; false with why.
bool SendSearch(const RemoteSearch& call, boost::json::value& reply, std::string& error);

class LlamaStackPersistence final : public Persistence {
 public:
  explicit LlamaStackPersistence(LlamaStackOptions options);

  std::string name() const override;
  bool SaveStore(const VectorStore& s, std::string& error) override;
  bool DeleteStore(const std::string& id, std::string& error) override;
  bool SaveFile(const VectorStoreFile& /*f*/, std::string& /*error*/) override { return true; }
  bool DeleteFile(const VectorStoreFile& f, const std::vector<std::string>& chunk_ids,
                  std::string& error) override;
  bool InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                    std::string& error) override;
  // The stores Llama Stack has (named by our ids), without chunks: they are searched there.
  bool Load(StoreMap& out, std::string& error) override;

  bool searches_remotely() const override { return true; }
  std::optional<RemoteSearch> SearchCall(const std::string& store, const std::string& query,
                                         size_t top_k, const std::vector<std::string>& file_ids,
                                         std::string& error) const override;
  bool ReadSearch(const boost::json::value& reply, double threshold, std::vector<SearchResult>& out,
                  std::string& error) const override;

 private:
  // One API call; `status` gets the HTTP status (0 when there was no answer).
  bool Call(const std::string& method, const std::string& path, const std::string& body,
            boost::json::value& reply, int& status, std::string& error) const;
  // Llama Stack's id of our store: the map, else its store list (newest of that name).
  std::optional<std::string> Resolve(const std::string& store, std::string& error);
  // Every store Llama Stack lists, into ids_ (newest of each name).
  bool List(std::string& error);

  LlamaStackOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> ids_;  // our store id -> Llama Stack's
};

}  // namespace vsr::vectorstore
