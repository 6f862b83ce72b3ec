#include "server/memory_api.h"

#include <re2/re2.h>

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/rfc3339.h"
#include "common/strings.h"
#include "server/router_api.h"

namespace vsr::server {

namespace json = boost::json;

namespace {

bool SafeId(const std::string& id) {
  static const RE2 kSafe(R"([a-zA-Z0-9._@:/$-]+)");
  return RE2::FullMatch(id, kSafe);
}

json::object ToJson(const plugins::Memory& m) {
  json::object o{{"id", m.id}, {"type", m.type}, {"content", m.content}, {"user_id", m.user_id}};
  if (!m.source.empty()) o["source"] = m.source;
  o["importance"] = m.importance;
  o["access_count"] = m.access_count;
  o["created_at"] = Rfc3339Utc(m.created_unix);
  return o;
}

HttpResponse Json(const json::object& o) {
  return HttpResponse{200, "application/json", CompactJson(o), {}};
}

HttpResponse NotFound(const std::string& id) {
  return RouterApi::Error(404, "NOT_FOUND", "Memory not found: " + id);
}

std::optional<std::string> Query(const HttpRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  if (it == r.query.end()) return std::nullopt;
  return it->second;
}

// The memory types of ?type=a,b (empty: all); nullopt after answering 400 in `error`.
std::optional<std::vector<std::string>> Types(const HttpRequest& r, HttpResponse& error) {
  std::vector<std::string> types = SplitList(Query(r, "type").value_or(""));
  for (const std::string& t : types) {
    if (t != "semantic" && t != "procedural" && t != "episodic") {
      error = RouterApi::Error(
          400, "INVALID_TYPE",
          "Invalid memory type: " + t + ". Valid types: semantic, procedural, episodic");
      return std::nullopt;
    }
  }
  return types;
}

}  // namespace

std::optional<HttpResponse> HandleMemoryApi(const HttpRequest& request,
                                            plugins::MemoryStore* store) {
  std::string path = request.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path != "/v1/memory" && !path.starts_with("/v1/memory/")) return std::nullopt;
  const std::string id = path.size() > 11 ? path.substr(11) : "";
  if (request.method != "GET" && request.method != "DELETE") {
    return RouterApi::Error(405, "METHOD_NOT_ALLOWED",
                            "method " + request.method + " not allowed on " + path);
  }
  if (store == nullptr) {
    return RouterApi::Error(
        503, "MEMORY_NOT_AVAILABLE",
        "Memory store is not configured or not yet initialized. Enable memory in configuration.");
  }
  if (!id.empty() && !SafeId(id)) {
    return RouterApi::Error(400, "INVALID_ID", "memory ID contains invalid characters");
  }
  std::string user;
  if (auto h = request.headers.find("x-authz-user-id"); h != request.headers.end()) {
    user = h->second;
  }
  if (user.empty()) user = Query(request, "user_id").value_or("");
  if (user.empty()) {
    return RouterApi::Error(401, "MISSING_USER_ID",
                            "User identity required. Set the auth header (x-authz-user-id) via "
                            "your auth layer, or user_id query parameter for development");
  }
  if (!SafeId(user)) {
    return RouterApi::Error(400, "INVALID_USER_ID", "user_id contains invalid characters");
  }

  if (!id.empty()) {  // one memory: only its owner sees it
    std::optional<plugins::Memory> m = store->Get(id);
    if (!m || m->user_id != user) return NotFound(id);
    if (request.method == "GET") return Json(ToJson(*m));
    store->Forget(id);
    return Json(json::object{{"success", true}, {"message", "Memory deleted successfully"}});
  }
  HttpResponse error;
  std::optional<std::vector<std::string>> types = Types(request, error);
  if (!types) return error;
  if (request.method == "DELETE") {
    store->ForgetAll(user, *types);
    std::string scope = "all memories";
    if (!types->empty()) {
      scope = "memories of type: ";
      for (size_t i = 0; i < types->size(); ++i) scope += (i ? ", " : "") + (*types)[i];
    }
    return Json(json::object{{"success", true}, {"message", "Successfully deleted " + scope}});
  }
  int limit = 20;
  if (auto l = Query(request, "limit")) {
    try {
      limit = std::stoi(*l);
    } catch (...) {
      limit = 20;  // upstream ignores a limit it cannot read
    }
  }
  if (limit <= 0) limit = 20;
  limit = std::min(limit, 100);
  const plugins::MemoryStore::ListResult r = store->List(user, *types, static_cast<size_t>(limit));
  json::array memories;
  for (const plugins::Memory& m : r.memories) memories.push_back(ToJson(m));
  return Json(
      json::object{{"memories", std::move(memories)}, {"total", r.total}, {"limit", limit}});
}

}  // namespace vsr::server
