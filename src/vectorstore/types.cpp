#include "vectorstore/types.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_fields.h"
#include "common/strings.h"

namespace vsr::vectorstore {

namespace json = boost::json;

std::string NewId(const std::string& prefix) {
  std::string h = RandomHex(32);
  h[12] = '4';                                            // version 4
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) & 3];  // RFC 4122 variant
  return prefix + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20);
}

json::object ToJson(const ChunkingStrategy& c) {
  json::object o{{"type", c.type}};
  if (c.has_static) {
    o["static"] = json::object{{"max_chunk_size_tokens", c.max_chunk_size_tokens},
                               {"chunk_overlap_tokens", c.chunk_overlap_tokens}};
  }
  return o;
}

json::object ToJson(const VectorStore& s) {
  json::object o{{"id", s.id},
                 {"object", "vector_store"},
                 {"name", s.name},
                 {"created_at", s.created_at},
                 {"status", s.status},
                 {"file_counts", json::object{{"in_progress", s.file_counts.in_progress},
                                              {"completed", s.file_counts.completed},
                                              {"failed", s.file_counts.failed},
                                              {"total", s.file_counts.total}}}};
  if (s.expires_after) o["expires_after"] = *s.expires_after;
  if (s.metadata && !s.metadata->empty()) o["metadata"] = *s.metadata;
  o["backend_type"] = s.backend_type;
  return o;
}

json::object ToJson(const VectorStoreFile& f) {
  json::object o{{"id", f.id},
                 {"object", "vector_store.file"},
                 {"vector_store_id", f.vector_store_id},
                 {"file_id", f.file_id},
                 {"status", f.status}};
  if (f.chunking_strategy) o["chunking_strategy"] = ToJson(*f.chunking_strategy);
  o["created_at"] = f.created_at;
  if (f.last_error) {
    o["last_error"] =
        json::object{{"code", f.last_error->code}, {"message", f.last_error->message}};
  }
  return o;
}

json::object ToJson(const FileRecord& f) {
  return json::object{{"id", f.id},
                      {"object", "file"},
                      {"bytes", f.bytes},
                      {"created_at", f.created_at},
                      {"filename", f.filename},
                      {"purpose", f.purpose},
                      {"status", f.status}};
}

json::object ToJson(const SearchResult& r) {
  json::object o{{"file_id", r.file_id},
                 {"filename", r.filename},
                 {"content", r.content},
                 {"score", r.score},
                 {"chunk_index", r.chunk_index}};
  if (r.vector_score) o["vector_score"] = *r.vector_score;
  if (r.bm25_score) o["bm25_score"] = *r.bm25_score;
  if (r.ngram_score) o["ngram_score"] = *r.ngram_score;
  return o;
}

namespace {

// The object at `key` as an optional copy (absent when missing or not an object).
std::optional<json::object> OptionalObject(const json::object& o, std::string_view key) {
  const json::object* v = ObjectField(o, key);
  return v ? std::optional<json::object>(*v) : std::nullopt;
}

int IntOf(const json::object& o, std::string_view key) {
  return static_cast<int>(IntField(o, key));
}

}  // namespace

bool FromJson(const json::object& o, VectorStore& out) {
  out.id = StringField(o, "id");
  out.name = StringField(o, "name");
  out.created_at = IntField(o, "created_at");
  out.status = StringField(o, "status");
  if (const json::object* counts = ObjectField(o, "file_counts")) {
    out.file_counts = {IntOf(*counts, "in_progress"), IntOf(*counts, "completed"),
                       IntOf(*counts, "failed"), IntOf(*counts, "total")};
  }
  out.expires_after = OptionalObject(o, "expires_after");
  out.metadata = OptionalObject(o, "metadata");
  out.backend_type = StringField(o, "backend_type");
  return !out.id.empty();
}

bool FromJson(const json::object& o, VectorStoreFile& out) {
  out.id = StringField(o, "id");
  out.vector_store_id = StringField(o, "vector_store_id");
  out.file_id = StringField(o, "file_id");
  out.status = StringField(o, "status");
  out.created_at = IntField(o, "created_at");
  out.chunking_strategy.reset();
  if (const json::value* c = o.if_contains("chunking_strategy")) {
    ChunkingStrategy strategy;
    std::string ignored;
    if (ParseChunkingStrategy(*c, strategy, ignored)) out.chunking_strategy = strategy;
  }
  out.last_error.reset();
  if (const json::object* e = ObjectField(o, "last_error")) {
    out.last_error = FileError{StringField(*e, "code"), StringField(*e, "message")};
  }
  return !out.id.empty();
}

bool FromJson(const json::object& o, FileRecord& out) {
  out.id = StringField(o, "id");
  out.bytes = IntField(o, "bytes");
  out.created_at = IntField(o, "created_at");
  out.filename = StringField(o, "filename");
  out.purpose = StringField(o, "purpose");
  out.status = StringField(o, "status");
  return !out.id.empty() && !out.filename.empty();
}

bool ParseChunkingStrategy(const json::value& v, ChunkingStrategy& out, std::string& error) {
  if (v.is_null()) return true;
  const json::object* o = v.if_object();
  if (o == nullptr) {
    error = "chunking_strategy must be an object";
    return false;
  }
  out.type = StringField(*o, "type");
  if (out.type.empty()) out.type = "auto";
  if (out.type != "auto" && out.type != "static") {
    error = "chunking_strategy.type must be 'auto' or 'static', got '" + out.type + "'";
    return false;
  }
  if (const json::object* s = ObjectField(*o, "static")) {
    out.has_static = true;
    out.max_chunk_size_tokens = IntOf(*s, "max_chunk_size_tokens");
    out.chunk_overlap_tokens = IntOf(*s, "chunk_overlap_tokens");
    if (out.max_chunk_size_tokens < 0 || out.chunk_overlap_tokens < 0) {
      error = "chunking_strategy.static sizes must not be negative";
      return false;
    }
  }
  return true;
}

}  // namespace vsr::vectorstore
