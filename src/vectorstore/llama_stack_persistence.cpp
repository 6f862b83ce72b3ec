#include "vectorstore/llama_stack_persistence.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "server/http_client.h"

namespace vsr::vectorstore {

namespace json = boost::json;

LlamaStackPersistence::LlamaStackPersistence(LlamaStackOptions options)
    : options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
  if (options_.search_type.empty()) options_.search_type = "vector";
}

std::string LlamaStackPersistence::name() const {
  return "llama stack at " + options_.endpoint;
}

namespace {

// One JSON exchange with Llama Stack; false with why: the HTTP failure, the status and the
// start of the body, or a body that is not JSON.
bool JsonCall(const std::string& method, const std::string& url, const std::string& body,
              const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout,
              json::value& reply, int& status, std::string& error) {
  const server::HttpResult r = server::HttpCall(method, url, body, timeout, headers);
  status = r.status;
  if (r.failure != server::HttpResult::Failure::kNone) {
    error = r.error;
    return false;
  }
  if (r.status < 200 || r.status >= 300) {
    error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
    return false;
  }
  boost::system::error_code ec;
  reply = r.body.empty() ? json::value() : json::parse(r.body, ec);
  if (ec) {
    error = "the answer is not JSON";
    return false;
  }
  return true;
}

}  // namespace

bool SendSearch(const RemoteSearch& call, json::value& reply, std::string& error) {
  int status = 0;
  return JsonCall("POST", call.url, call.body, {call.headers.begin(), call.headers.end()},
                  call.timeout, reply, status, error);
}

bool LlamaStackPersistence::Call(const std::string& method, const std::string& path,
                                 const std::string& body, json::value& reply, int& status,
                                 std::string& error) const {
  std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
  if (!options_.auth_token.empty()) headers["Authorization"] = "Bearer " + options_.auth_token;
  if (JsonCall(method, options_.endpoint + path, body, headers,
               std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout), reply,
               status, error)) {
    return true;
  }
  error = "llama stack " + method + " " + path + ": " + error;
  return false;
}

bool LlamaStackPersistence::List(std::string& error) {
  json::value reply;
  int status = 0;
  if (!Call("GET", "/v1/vector_stores", "", reply, status, error)) return false;
  const json::value* data = reply.is_object() ? reply.as_object().if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) return true;
  std::map<std::string, std::pair<double, std::string>> newest;  // name -> (created_at, id)
  for (const json::value& v : data->as_array()) {
    if (!v.is_object()) continue;
    const json::object& s = v.as_object();
    const std::string name = TextField(s, "name"), id = TextField(s, "id");
    const double created = NumberField(s, "created_at");
    if (name.empty() || id.empty()) continue;
    auto [it, added] = newest.try_emplace(name, created, id);
    if (!added && created >= it->second.first) it->second = {created, id};
  }
  std::lock_guard lock(mu_);
  ids_.clear();
  for (const auto& [name, entry] : newest) ids_[name] = entry.second;
  return true;
}

std::optional<std::string> LlamaStackPersistence::Resolve(const std::string& store,
                                                          std::string& error) {
  {
    std::lock_guard lock(mu_);
    if (auto it = ids_.find(store); it != ids_.end()) return it->second;
  }
  if (!List(error)) return std::nullopt;
  std::lock_guard lock(mu_);
  if (auto it = ids_.find(store); it != ids_.end()) return it->second;
  error = "vector store " + store + " not found in llama stack";
  return std::nullopt;
}

bool LlamaStackPersistence::SaveStore(const VectorStore& s, std::string& error) {
  std::string unused;
  if (Resolve(s.id, unused)) return true;  // made already (a name or metadata change)
  json::object body{{"name", s.id}};
  if (!options_.embedding_model.empty()) body["embedding_model"] = options_.embedding_model;
  if (options_.embedding_dimension > 0) body["embedding_dimension"] = options_.embedding_dimension;
  json::value reply;
  int status = 0;
  if (!Call("POST", "/v1/vector_stores", CompactJson(body), reply, status, error)) return false;
  const std::string id = reply.is_object() ? TextField(reply.as_object(), "id") : "";
  if (id.empty()) {
    error = "llama stack made vector store " + s.id + " but answered no id";
    return false;
  }
  std::lock_guard lock(mu_);
  ids_[s.id] = id;
  return true;
}

bool LlamaStackPersistence::DeleteStore(const std::string& id, std::string& error) {
  const std::optional<std::string> ls_id = Resolve(id, error);
  if (!ls_id) return error.ends_with("not found in llama stack");  // nothing to delete
  json::value reply;
  int status = 0;
  if (!Call("DELETE", "/v1/vector_stores/" + *ls_id, "", reply, status, error) && status != 404)
    return false;
  std::lock_guard lock(mu_);
  ids_.erase(id);
  return true;
}

bool LlamaStackPersistence::DeleteFile(const VectorStoreFile& f,
                                       const std::vector<std::string>& /*chunk_ids*/,
                                       std::string& error) {
  const std::optional<std::string> ls_id = Resolve(f.vector_store_id, error);
  if (!ls_id) return error.ends_with("not found in llama stack");
  json::value reply;
  int status = 0;
  // Upstream's call; Llama Stack answers 404 for chunks that were inserted rather than
  // attached as a file (nothing else in its API removes them).
  return Call("DELETE", "/v1/vector_stores/" + *ls_id + "/files/" + f.file_id, "", reply, status,
              error) ||
         status == 404;
}

bool LlamaStackPersistence::InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                                         std::string& error) {
  if (chunks.empty()) return true;
  const std::optional<std::string> ls_id = Resolve(store, error);
  if (!ls_id) return false;
  json::array rows;
  for (const Chunk& c : chunks) {
    const int dim =
        c.embedding.empty() ? options_.embedding_dimension : static_cast<int>(c.embedding.size());
    rows.push_back(json::object{
        {"content", c.content},
        {"chunk_id", c.id},
        {"chunk_metadata", json::object{{"document_id", c.id}, {"source", c.filename}}},
        {"metadata",
         json::object{
             {"file_id", c.file_id}, {"filename", c.filename}, {"chunk_index", c.chunk_index}}},
        {"embedding", FloatArray(c.embedding)},
        {"embedding_model", options_.embedding_model},
        {"embedding_dimension", dim}});
  }
  json::value reply;
  int status = 0;
  return Call("POST", "/v1/vector-io/insert",
              CompactJson(json::object{{"vector_store_id", *ls_id}, {"chunks", std::move(rows)}}),
              reply, status, error);
}

bool LlamaStackPersistence::Load(StoreMap& out, std::string& error) {
  out.clear();
  if (!List(error)) return false;
  std::lock_guard lock(mu_);
  for (const auto& [name, ls_id] : ids_) {
    if (name.rfind("vs_", 0) != 0) continue;  // not one of ours
    StoreState state;
    state.meta.id = name;
    state.meta.name = name;
    state.meta.backend_type = "llama_stack";
    out.emplace(name, std::move(state));
  }
  return true;
}

std::optional<RemoteSearch> LlamaStackPersistence::SearchCall(
    const std::string& store, const std::string& query, size_t top_k,
    const std::vector<std::string>& file_ids, std::string& error) const {
  std::string ls_id;
  {
    std::lock_guard lock(mu_);
    auto it = ids_.find(store);
    if (it == ids_.end()) {
      error = "vector store " + store + " not found in llama stack";
      return std::nullopt;
    }
    ls_id = it->second;
  }
  json::object body{{"query", query}, {"max_num_results", top_k}};
  if (options_.search_type != "vector") body["search_mode"] = options_.search_type;
  if (options_.search_type == "hybrid") body["ranking_options"] = json::object{{"ranker", "rrf"}};
  // Upstream filters on the first file only; every listed one is searched here.
  json::array by_file;
  for (const std::string& id : file_ids)
    by_file.push_back(json::object{{"type", "eq"}, {"key", "file_id"}, {"value", id}});
  if (by_file.size() == 1) {
    body["filters"] = by_file.front();
  } else if (by_file.size() > 1) {
    body["filters"] = json::object{{"type", "or"}, {"filters", std::move(by_file)}};
  }
  RemoteSearch call;
  call.url = options_.endpoint + "/v1/vector_stores/" + ls_id + "/search";
  call.body = CompactJson(body);
  call.headers.emplace_back("Content-Type", "application/json");
  if (!options_.auth_token.empty())
    call.headers.emplace_back("Authorization", "Bearer " + options_.auth_token);
  call.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout);
  return call;
}

bool LlamaStackPersistence::ReadSearch(const json::value& reply, double threshold,
                                       std::vector<SearchResult>& out, std::string& error) const {
  const json::value* data = reply.is_object() ? reply.as_object().if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) {
    error = "llama stack search: the answer has no data list";
    return false;
  }
  // Hybrid scores are reciprocal-rank sums (about 0.01-0.05), not similarities: ranked by
  // Llama Stack, not filtered by the threshold (upstream).
  const bool filter = options_.search_type != "hybrid";
  for (const json::value& v : data->as_array()) {
    if (!v.is_object()) continue;
    const json::object& hit = v.as_object();
    SearchResult r;
    r.score = NumberField(hit, "score");
    if (filter && r.score < threshold) continue;
    r.file_id = TextField(hit, "file_id");
    r.filename = TextField(hit, "filename");
    if (const json::value* parts = hit.if_contains("content"); parts && parts->is_array()) {
      for (const json::value& p : parts->as_array()) {
        if (p.is_object() && TextField(p.as_object(), "type") == "text") {
          r.content = TextField(p.as_object(), "text");
          break;
        }
      }
    }
    if (const json::value* a = hit.if_contains("attributes"); a && a->is_object()) {
      if (r.file_id.empty()) r.file_id = TextField(a->as_object(), "file_id");
      if (r.filename.empty()) r.filename = TextField(a->as_object(), "filename");
      r.chunk_index = static_cast<int>(NumberField(a->as_object(), "chunk_index"));
    }
    out.push_back(std::move(r));
  }
  return true;
}

}  // namespace vsr::vectorstore
