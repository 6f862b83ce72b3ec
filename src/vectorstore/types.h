// The vector store's records, in the shapes of upstream's OpenAI-compatible Vector Stores and
// Files APIs (pkg/vectorstore/types.go): a vector store (a named collection of document chunks),
// an uploaded file, a file attached to a store (its ingestion status), a search hit.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vsr::vectorstore {

struct FileCounts {
  int in_progress = 0, completed = 0, failed = 0, total = 0;
};

struct VectorStore {
  std::string id;  // vs_<uuid>
  std::string name;
  int64_t created_at = 0;  // Unix seconds
  std::string status = "active";
  FileCounts file_counts;
  std::optional<boost::json::object> expires_after;  // {anchor, days}, kept as given
  std::optional<boost::json::object> metadata;
  std::string backend_type;
};

// How a file is cut into chunks: "auto" (paragraphs and markdown headings) or "static"
// (fixed windows of max_chunk_size_tokens characters overlapping by chunk_overlap_tokens).
struct ChunkingStrategy {
  std::string type = "auto";
  int max_chunk_size_tokens = 0, chunk_overlap_tokens = 0;  // 0: defaults (800, 400)
  bool has_static = false;
};

struct FileError {
  std::string code, message;
};

struct VectorStoreFile {
  std::string id;  // vsf_<uuid>
  std::string vector_store_id, file_id;
  std::string status = "in_progress";  // in_progress, completed, failed
  std::optional<ChunkingStrategy> chunking_strategy;
  int64_t created_at = 0;
  std::optional<FileError> last_error;
};

struct FileRecord {
  std::string id;  // file_<uuid>
  int64_t bytes = 0;
  int64_t created_at = 0;
  std::string filename, purpose;
  std::string status = "uploaded";
};

struct Chunk {
  std::string id;  // <file_id>_chunk_<index>
  std::string file_id, filename, content;
  int chunk_index = 0;
  std::vector<float> embedding;  // unit length (cosine similarity is a dot product)
};

struct SearchResult {
  std::string file_id, filename, content;
  double score = 0;
  int chunk_index = 0;
  // Hybrid search: each retriever's score (the raw BM25 score, before normalization).
  std::optional<double> vector_score = std::nullopt, bm25_score = std::nullopt,
                        ngram_score = std::nullopt;
};

// "<prefix><uuid v4>" (prefixes vs_, file_, vsf_ as upstream).
std::string NewId(const std::string& prefix);

boost::json::object ToJson(const VectorStore& s);
boost::json::object ToJson(const VectorStoreFile& f);
boost::json::object ToJson(const FileRecord& f);
boost::json::object ToJson(const SearchResult& r);
boost::json::object ToJson(const ChunkingStrategy& c);

// Reading back what ToJson wrote (Redis persistence, file metadata on disk); false when `o`
// lacks the id.
bool FromJson(const boost::json::object& o, VectorStore& out);
bool FromJson(const boost::json::object& o, VectorStoreFile& out);
bool FromJson(const boost::json::object& o, FileRecord& out);
// A chunking_strategy object of the API: {type: auto|static, static: {max_chunk_size_tokens,
// chunk_overlap_tokens}}; false with `error` for another type or negative sizes.
bool ParseChunkingStrategy(const boost::json::value& v, ChunkingStrategy& out, std::string& error);

}  // namespace vsr::vectorstore
