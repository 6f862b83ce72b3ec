#include "milvus/rest.h"

#include <boost/json.hpp>
#include <map>

#include "common/json_text.h"
#include "server/http_client.h"

namespace vsr::milvus {

namespace json = boost::json;

namespace {
constexpr int64_t kPage = 1000;
}  // namespace

Rest::Rest(const std::string& address, std::chrono::milliseconds timeout, std::string token)
    : base_(address.rfind("http", 0) == 0 ? address : "http://" + address),
      timeout_(timeout),
      token_(std::move(token)) {}

bool Rest::Call(const std::string& path, json::object body, json::value& data,
                std::string& error) const {
  std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
  if (!token_.empty()) headers["Authorization"] = "Bearer " + token_;
  const server::HttpResult r = server::HttpCall("POST", base_ + "/v2/vectordb/" + path,
                                                CompactJson(body), timeout_, headers);
  if (r.failure != server::HttpResult::Failure::kNone) {
    error = "milvus " + base_ + ": " + r.error;
    return false;
  }
  boost::system::error_code ec;
  json::value reply = json::parse(r.body, ec);
  const json::object* o = ec ? nullptr : reply.if_object();
  if (r.status != 200 || o == nullptr) {
    error = "milvus " + path + ": HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    return false;
  }
  const json::value* code = o->if_contains("code");
  if (code != nullptr && code->is_number() && code->to_number<double>() != 0) {
    error = "milvus " + path + ": code " + CompactJson(*code) + ": " + TextField(*o, "message");
    return false;
  }
  const json::value* d = o->if_contains("data");
  data = d != nullptr ? *d : json::value();
  return true;
}

bool Rest::QueryAll(const std::string& collection, const std::string& filter,
                    const json::array& output_fields,
                    const std::function<void(const json::object&)>& row, std::string& error) const {
  for (int64_t offset = 0; offset < kQueryWindow; offset += kPage) {
    json::value data;
    if (!Call("entities/query",
              {{"collectionName", collection},
               {"filter", filter},
               {"outputFields", output_fields},
               {"limit", std::min(kPage, kQueryWindow - offset)},
               {"offset", offset}},
              data, error)) {
      return false;
    }
    const json::array* rows = data.if_array();
    if (rows == nullptr) break;
    for (const json::value& r : *rows) {
      if (const json::object* o = r.if_object()) row(*o);
    }
    if (static_cast<int64_t>(rows->size()) < kPage) break;
  }
  return true;
}

bool Rest::Has(const std::string& collection, bool& has, std::string& error) const {
  json::value data;
  if (!Call("collections/has", {{"collectionName", collection}}, data, error)) return false;
  const json::value* h = data.is_object() ? data.as_object().if_contains("has") : nullptr;
  has = h != nullptr && h->is_bool() && h->as_bool();
  return true;
}

json::object VarCharField(const char* name, int64_t max_length, bool primary) {
  json::object f{{"fieldName", name},
                 {"dataType", "VarChar"},
                 {"elementTypeParams", json::object{{"max_length", max_length}}}};
  if (primary) f["isPrimary"] = true;
  return f;
}

json::object VectorField(const char* name, int64_t dim) {
  return {{"fieldName", name},
          {"dataType", "FloatVector"},
          {"elementTypeParams", json::object{{"dim", dim}}}};
}

json::object ScalarField(const char* name, const char* type) {
  return {{"fieldName", name}, {"dataType", type}};
}

bool Rest::EnsureCollection(const std::string& collection, json::object create,
                            std::string& error) const {
  bool has = false;
  if (!Has(collection, has, error)) return false;
  json::value data;
  if (!has && Call("collections/create", std::move(create), data, error)) return true;
  // Exists, or was made meanwhile by another process (create then fails): load it.
  if (!has && (!Has(collection, has, error) || !has)) return false;
  return Call("collections/load", {{"collectionName", collection}}, data, error);
}

std::string BaseUrl(const std::string& host, int port, bool tls) {
  return std::string(tls ? "https://" : "http://") + (host.empty() ? "localhost" : host) + ":" +
         std::to_string(port > 0 ? port : 19530);
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace vsr::milvus
