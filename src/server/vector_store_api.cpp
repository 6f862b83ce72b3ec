#include "server/vector_store_api.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "server/multipart.h"
#include "server/router_api.h"
#include "vectorstore/text_extract.h"

namespace vsr::server {

namespace json = boost::json;
namespace vs = vectorstore;

namespace {

constexpr size_t kMaxJsonBody = 1 << 20;  // upstream's limit on the JSON endpoints
constexpr size_t kMaxSearchResults = 1000;

HttpResponse Json(const json::value& v) {
  return HttpResponse{200, "application/json", CompactJson(v), {}};
}

HttpResponse Error(int status, const std::string& code, const std::string& message) {
  return RouterApi::Error(status, code, message);
}

HttpResponse List(json::array data) {
  return Json(json::object{{"object", "list"}, {"data", std::move(data)}});
}

// A service error as the API answers it; `invalid_code` names 400s (ATTACH_ERROR, ...).
HttpResponse Failure(const vs::Error& e, const std::string& invalid_code = "INVALID_INPUT") {
  switch (e.kind) {
    case vs::ErrorKind::kNotFound:
      return Error(404, "NOT_FOUND", e.message);
    case vs::ErrorKind::kInvalid:
      return Error(400, invalid_code, e.message);
    case vs::ErrorKind::kUnavailable:
      return Error(503, "SERVICE_UNAVAILABLE", e.message);
    case vs::ErrorKind::kInternal:
      break;
  }
  return Error(500, "INTERNAL_ERROR", e.message);
}

// The JSON object body of `r`; nullopt after answering 400/413 in `error`. An empty body is {}.
std::optional<json::object> JsonBody(const HttpRequest& r, HttpResponse& error) {
  if (r.body.size() > kMaxJsonBody) {
    error = Error(413, "PAYLOAD_TOO_LARGE", "request body exceeds 1 MB");
    return std::nullopt;
  }
  if (Trim(r.body).empty()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    error = Error(400, "INVALID_INPUT",
                  ec ? "invalid JSON: " + ec.message() : "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

vs::StorePatch PatchOf(const json::object& body) {
  vs::StorePatch p;
  if (const json::value* n = body.if_contains("name"); n && n->is_string()) {
    p.name = std::string(n->as_string());
  }
  if (const json::object* e = ObjectField(body, "expires_after")) p.expires_after = *e;
  if (const json::object* m = ObjectField(body, "metadata")) p.metadata = *m;
  return p;
}

json::array StoresJson(const std::vector<vs::VectorStore>& stores) {
  json::array a;
  for (const auto& s : stores) a.push_back(vs::ToJson(s));
  return a;
}

// ---- /v1/files ----

HttpResponse Upload(const HttpRequest& r, vs::VectorStoreService& service) {
  const size_t max_bytes = service.options().max_file_bytes;
  const std::string max_mb = std::to_string(max_bytes >> 20) + "MB";
  auto ct = r.headers.find("content-type");
  const std::optional<std::string> boundary =
      MultipartBoundary(ct != r.headers.end() ? ct->second : "");
  std::vector<FormPart> parts;
  std::string error;
  if (!boundary) error = "the request is not multipart/form-data with a boundary";
  if ((!boundary || !ParseMultipart(r.body, *boundary, parts, error)) && !error.empty()) {
    return Error(400, "INVALID_INPUT",
                 "failed to parse multipart form (max size: " + max_mb + "): " + error);
  }
  const FormPart* file = nullptr;
  std::string purpose = "assistants";
  for (const FormPart& p : parts) {
    if (p.name == "file" && file == nullptr) file = &p;
    if (p.name == "purpose" && !p.data.empty()) purpose = std::string(p.data);
  }
  if (file == nullptr || file->filename.empty()) {
    return Error(400, "INVALID_INPUT", "file field is required");
  }
  const std::string ext = vs::Extension(file->filename);
  const auto& allowed = service.options().supported_formats;
  if (!Contains(allowed, ext) && !(ext == ".htm" && Contains(allowed, std::string(".html")))) {
    return Error(400, "INVALID_FILE_TYPE",
                 "unsupported file type: " + (ext.empty() ? std::string("(none)") : ext) +
                     " (allowed: " + Join(allowed, ", ") + ")");
  }
  if (file->data.size() > max_bytes) {
    return Error(413, "PAYLOAD_TOO_LARGE", "file is larger than max_file_size_mb (" + max_mb + ")");
  }
  const auto record = service.files().Save(file->filename, std::string(file->data), purpose, error);
  if (!record) return Error(500, "SAVE_ERROR", "failed to save file: " + error);
  return Json(vs::ToJson(*record));
}

HttpResponse Files(const HttpRequest& r, const std::vector<std::string>& segments,
                   vs::VectorStoreService& service) {
  vs::FileStore& files = service.files();
  if (segments.empty()) {
    if (r.method == "POST") return Upload(r, service);
    if (r.method != "GET") return Error(405, "METHOD_NOT_ALLOWED", "use GET or POST on /v1/files");
    auto purpose = r.query.find("purpose");
    json::array data;
    for (const vs::FileRecord& f : files.List()) {
      if (purpose == r.query.end() || purpose->second.empty() || f.purpose == purpose->second) {
        data.push_back(vs::ToJson(f));
      }
    }
    return List(std::move(data));
  }
  const std::string& id = segments[0];
  if (segments.size() == 2 && segments[1] == "content" && r.method == "GET") {
    const auto record = files.Get(id);
    if (!record) return Error(404, "NOT_FOUND", "file not found");
    std::string error;
    const auto content = files.Read(id, error);
    if (!content) return Error(500, "READ_ERROR", "failed to read file content: " + error);
    std::string quoted = record->filename;
    ReplaceAll(quoted, "\"", "\\\"");
    return HttpResponse{200,
                        "application/octet-stream",
                        *content,
                        {{"Content-Disposition", "attachment; filename=\"" + quoted + "\""}}};
  }
  if (segments.size() != 1) return Error(404, "NOT_FOUND", "endpoint not found: " + r.path);
  if (r.method == "GET") {
    const auto record = files.Get(id);
    if (!record) return Error(404, "NOT_FOUND", "file not found: " + id);
    return Json(vs::ToJson(*record));
  }
  if (r.method == "DELETE") {
    std::string error;
    if (!files.Delete(id, error)) return Error(404, "NOT_FOUND", error);
    return Json(json::object{{"id", id}, {"object", "file"}, {"deleted", true}});
  }
  return Error(405, "METHOD_NOT_ALLOWED", "use GET or DELETE on /v1/files/{id}");
}

// ---- /v1/vector_stores ----

HttpResponse Search(const HttpRequest& r, const std::string& id, vs::VectorStoreService& service) {
  HttpResponse error;
  const auto body = JsonBody(r, error);
  if (!body) return error;
  const std::string query = StringField(*body, "query");
  if (query.empty()) return Error(400, "INVALID_INPUT", "query is required");
  std::optional<vs::HybridOptions> hybrid;
  if (const json::value* h = body->if_contains("hybrid"); h != nullptr && !h->is_null()) {
    std::string why;
    if (!vs::ParseHybridOptions(*h, hybrid.emplace(), why)) return Error(400, "INVALID_INPUT", why);
  }
  int64_t limit = IntField(*body, "max_num_results");
  if (limit <= 0) limit = 10;
  limit = std::min<int64_t>(limit, kMaxSearchResults);
  double threshold = 0;
  if (const json::object* ranking = ObjectField(*body, "ranking_options")) {
    if (const json::value* t = ranking->if_contains("score_threshold"); t && t->is_number()) {
      threshold = t->to_number<double>();
    }
  }
  std::vector<std::string> file_ids;
  if (const json::object* filters = ObjectField(*body, "filters")) {
    if (const json::value* f = filters->if_contains("file_id")) {
      if (f->is_string()) file_ids.emplace_back(f->as_string());
      if (const json::array* a = f->if_array()) {
        for (const json::value& x : *a) {
          if (x.is_string()) file_ids.emplace_back(x.as_string());
        }
      }
    }
  }
  if (!service.can_embed()) {
    return Error(503, "VECTOR_STORE_DISABLED",
                 "vector store search needs an embedding model and none is loaded (see the "
                 "router log)");
  }
  auto hits = service.SearchText(id, query, static_cast<size_t>(limit), threshold, file_ids,
                                 hybrid ? &*hybrid : nullptr);
  if (!hits) return Failure(hits.error);
  json::array data;
  for (const vs::SearchResult& h : *hits.value) data.push_back(vs::ToJson(h));
  return Json(
      json::object{{"object", "vector_store.search_results.page"}, {"data", std::move(data)}});
}

HttpResponse StoreFiles(const HttpRequest& r, const std::vector<std::string>& segments,
                        vs::VectorStoreService& service) {
  const std::string& id = segments[0];
  if (segments.size() == 3) {
    if (r.method != "DELETE") {
      return Error(405, "METHOD_NOT_ALLOWED", "use DELETE on /v1/vector_stores/{id}/files/{id}");
    }
    if (auto e = service.DetachFile(id, segments[2])) return Failure(*e);
    return Json(json::object{
        {"id", segments[2]}, {"object", "vector_store.file.deleted"}, {"deleted", true}});
  }
  if (r.method == "GET") {
    json::array data;
    for (const vs::VectorStoreFile& f : service.ListFiles(id)) data.push_back(vs::ToJson(f));
    return List(std::move(data));
  }
  if (r.method != "POST") {
    return Error(405, "METHOD_NOT_ALLOWED", "use GET or POST on /v1/vector_stores/{id}/files");
  }
  HttpResponse error;
  const auto body = JsonBody(r, error);
  if (!body) return error;
  const std::string file_id = StringField(*body, "file_id");
  if (file_id.empty()) return Error(400, "INVALID_INPUT", "file_id is required");
  std::optional<vs::ChunkingStrategy> strategy;
  if (const json::value* c = body->if_contains("chunking_strategy"); c && !c->is_null()) {
    vs::ChunkingStrategy s;
    std::string why;
    if (!vs::ParseChunkingStrategy(*c, s, why)) return Error(400, "INVALID_INPUT", why);
    strategy = s;
  }
  auto attached = service.AttachFile(id, file_id, strategy);
  if (!attached) {
    attached.error.message = "failed to attach file: " + attached.error.message;
    return Failure(attached.error, "ATTACH_ERROR");
  }
  return Json(vs::ToJson(*attached.value));
}

HttpResponse Stores(const HttpRequest& r, const std::vector<std::string>& segments,
                    vs::VectorStoreService& service) {
  HttpResponse error;
  if (segments.empty()) {
    if (r.method == "GET") {
      const auto q = [&r](const std::string& k) {
        auto it = r.query.find(k);
        return it == r.query.end() ? std::string() : it->second;
      };
      return List(
          StoresJson(service.ListStores(std::atoi(q("limit").c_str()), q("order"), q("after"))));
    }
    if (r.method != "POST") {
      return Error(405, "METHOD_NOT_ALLOWED", "use GET or POST on /v1/vector_stores");
    }
    const auto body = JsonBody(r, error);
    if (!body) return error;
    const vs::StorePatch p = PatchOf(*body);
    auto created = service.CreateStore(p.name.value_or(""), p);
    if (!created) return Failure(created.error);
    return Json(vs::ToJson(*created.value));
  }
  const std::string& id = segments[0];
  if (segments.size() == 2 && segments[1] == "search") {
    if (r.method != "POST") return Error(405, "METHOD_NOT_ALLOWED", "use POST to search");
    return Search(r, id, service);
  }
  if (segments.size() >= 2 && segments.size() <= 3 && segments[1] == "files") {
    return StoreFiles(r, segments, service);
  }
  if (segments.size() != 1) return Error(404, "NOT_FOUND", "endpoint not found: " + r.path);
  if (r.method == "GET") {
    auto store = service.GetStore(id);
    return store ? Json(vs::ToJson(*store.value)) : Failure(store.error);
  }
  if (r.method == "POST") {
    const auto body = JsonBody(r, error);
    if (!body) return error;
    auto updated = service.UpdateStore(id, PatchOf(*body));
    return updated ? Json(vs::ToJson(*updated.value)) : Failure(updated.error);
  }
  if (r.method == "DELETE") {
    if (auto e = service.DeleteStore(id)) return Failure(*e);
    return Json(json::object{{"id", id}, {"object", "vector_store.deleted"}, {"deleted", true}});
  }
  return Error(405, "METHOD_NOT_ALLOWED", "use GET, POST or DELETE on /v1/vector_stores/{id}");
}

// The path segments after `prefix` ("/v1/files/a/content" -> {a, content}); nullopt when the
// path is not under it.
std::optional<std::vector<std::string>> Under(std::string path, const std::string& prefix) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path != prefix && !path.starts_with(prefix + "/")) return std::nullopt;
  return SplitList(path.substr(prefix.size()), '/');
}

}  // namespace

std::optional<HttpResponse> HandleVectorStoreApi(const HttpRequest& request,
                                                 vs::VectorStoreService* service) {
  if (auto segments = Under(request.path, "/v1/files")) {
    if (service == nullptr) {
      return Error(503, "FILE_STORE_DISABLED",
                   "file storage is not enabled (set global.stores.vector_store.enabled: true)");
    }
    return Files(request, *segments, *service);
  }
  if (auto segments = Under(request.path, "/v1/vector_stores")) {
    if (service == nullptr) {
      return Error(503, "VECTOR_STORE_DISABLED",
                   "vector store feature is not enabled (set global.stores.vector_store.enabled: "
                   "true)");
    }
    return Stores(request, *segments, *service);
  }
  return std::nullopt;
}

}  // namespace vsr::server
