// Test helper: the part of Milvus's REST API (v2) the router's Milvus stores call, over
// in-memory collections, on loopback: collections has/create/load/drop/list, entities
// upsert/insert/delete and query (rows from an offset, or count(*)), on loaded collections only,
// as Milvus (a collection made with indexParams is loaded; Restart() releases them all).
// Filters: terms joined by ` && `, each `id in ["a", …]` or `<field> <op> <value>` (op one of
// == != >= <= > <, value a quoted string or a number); "" matches every row. Fail(true) answers
// every call with Milvus's error envelope.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/api_errors.h"
#include "support/loopback_server.h"

namespace vsr::testing {

class FakeMilvus {
 public:
  FakeMilvus()
      : server_([this](const server::HttpRequest& r) { return Answer(r); }, &server::OpenAiError) {}
  std::string Address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  // The collections/create body of `collection` ({} when it was not made).
  boost::json::object created(const std::string& collection) {
    std::lock_guard lock(mu_);
    auto it = collections_.find(collection);
    return it != collections_.end() ? it->second.created : boost::json::object{};
  }
  boost::json::object row(const std::string& collection, const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = collections_.find(collection);
    if (it == collections_.end() || !it->second.rows.count(id)) return {};
    return it->second.rows.at(id);
  }
  size_t size(const std::string& collection) {
    std::lock_guard lock(mu_);
    auto it = collections_.find(collection);
    return it != collections_.end() ? it->second.rows.size() : 0;
  }
  std::vector<std::string> collections() {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    for (const auto& [name, c] : collections_) names.push_back(name);
    return names;
  }
  void Fail(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  // The next collections/has answers false: what a router sees when another one makes the
  // collection between its has and its create.
  void MissNextHas() {
    std::lock_guard lock(mu_);
    miss_next_has_ = true;
  }
  // What a Milvus restart does to collections: they are kept, released.
  void Restart() {
    std::lock_guard lock(mu_);
    for (auto& [name, c] : collections_) c.loaded = false;
  }

 private:
  struct Collection {
    boost::json::object created;
    std::map<std::string, boost::json::object> rows;
    bool loaded = false;
  };
  static server::HttpResponse Reply(boost::json::value data) {
    return {200,
            "application/json",
            boost::json::serialize(boost::json::object{{"code", 0}, {"data", data}}),
            {}};
  }
  static server::HttpResponse Error(int code, const std::string& message) {
    return {200,
            "application/json",
            boost::json::serialize(boost::json::object{{"code", code}, {"message", message}}),
            {}};
  }
  // The quoted strings of a filter expression, in order.
  static std::vector<std::string> Strings(const std::string& filter) {
    std::vector<std::string> out;
    for (size_t a = filter.find('"'); a != std::string::npos; a = filter.find('"', a + 1)) {
      const size_t b = filter.find('"', a + 1);
      if (b == std::string::npos) break;
      out.push_back(filter.substr(a + 1, b - a - 1));
      a = b;
    }
    return out;
  }
  // Whether `row` matches `filter` (the forms above; an unknown term matches).
  static bool Matches(const boost::json::object& row, const std::string& filter) {
    for (size_t start = 0; start < filter.size();) {
      size_t end = filter.find(" && ", start);
      if (end == std::string::npos) end = filter.size();
      if (!TermMatches(row, filter.substr(start, end - start))) return false;
      start = end + 4;
    }
    return true;
  }
  static bool TermMatches(const boost::json::object& row, const std::string& term) {
    if (term.rfind("id in [", 0) == 0) {
      const std::vector<std::string> ids = Strings(term);
      const boost::json::value* id = row.if_contains("id");
      return id != nullptr && id->is_string() &&
             std::find(ids.begin(), ids.end(), std::string(id->as_string())) != ids.end();
    }
    const size_t a = term.find(' '), b = term.find(' ', a + 1);
    if (a == std::string::npos || b == std::string::npos) return true;
    const std::string field = term.substr(0, a), op = term.substr(a + 1, b - a - 1);
    const std::string value = term.substr(b + 1);
    const boost::json::value* v = row.if_contains(field);
    if (v == nullptr) return false;
    int cmp = 0;
    if (!value.empty() && value[0] == '"') {
      const std::vector<std::string> s = Strings(value);
      if (!v->is_string() || s.empty()) return false;
      cmp = std::string(v->as_string()).compare(s[0]);
    } else {
      if (!v->is_number()) return false;
      const double x = v->to_number<double>(), y = std::stod(value);
      cmp = x < y ? -1 : (x > y ? 1 : 0);
    }
    if (op == "==") return cmp == 0;
    if (op == "!=") return cmp != 0;
    if (op == ">=") return cmp >= 0;
    if (op == "<=") return cmp <= 0;
    if (op == ">") return cmp > 0;
    if (op == "<") return cmp < 0;
    return true;
  }
  server::HttpResponse Answer(const server::HttpRequest& r) {
    namespace json = boost::json;
    std::lock_guard lock(mu_);
    if (fail_) return Error(1100, "collection not loaded");
    const json::object body = json::parse(r.body).as_object();
    const std::string path = r.path.substr(std::string("/v2/vectordb/").size());
    if (path == "collections/list") {
      json::array names;
      for (const auto& [name, c] : collections_) names.emplace_back(name);
      return Reply(names);
    }
    const std::string name(body.at("collectionName").as_string());
    if (path == "collections/has") {
      const bool has = collections_.count(name) > 0 && !miss_next_has_;
      miss_next_has_ = false;
      return Reply(json::object{{"has", has}});
    }
    if (path == "collections/create") {
      if (collections_.count(name)) return Error(65535, "collection already exists");
      collections_[name].created = body;
      collections_[name].loaded = body.contains("indexParams");
      return Reply(json::object{});
    }
    auto it = collections_.find(name);
    if (it == collections_.end())
      return Error(100, "collection not found[collection=" + name + "]");
    Collection& c = it->second;
    if (path == "collections/load") {
      c.loaded = true;
      return Reply(json::object{});
    }
    if (path == "collections/drop") {
      collections_.erase(it);
      return Reply(json::object{});
    }
    if (path == "entities/upsert" || path == "entities/insert") {
      for (const json::value& row : body.at("data").as_array()) {
        c.rows[std::string(row.at("id").as_string())] = row.as_object();
      }
      return Reply(json::object{{"upsertCount", body.at("data").as_array().size()}});
    }
    if (path == "entities/delete") {
      const std::string filter(body.at("filter").as_string());
      std::erase_if(c.rows, [&](const auto& kv) { return Matches(kv.second, filter); });
      return Reply(json::object{});
    }
    if (path == "entities/query") {
      if (!c.loaded) return Error(101, "collection not loaded[collection=" + name + "]");
      const json::array& fields = body.at("outputFields").as_array();
      if (fields.size() == 1 && fields[0] == "count(*)") {
        return Reply(json::array{json::object{{"count(*)", c.rows.size()}}});
      }
      json::array out;
      const int64_t offset = body.at("offset").as_int64();
      const int64_t limit = body.at("limit").as_int64();
      int64_t i = 0;
      const std::string filter(body.at("filter").as_string());
      for (const auto& [id, row] : c.rows) {
        if (!Matches(row, filter)) continue;
        if (i++ >= offset && static_cast<int64_t>(out.size()) < limit) out.push_back(row);
      }
      return Reply(out);
    }
    return {404, "text/plain", "", {}};
  }

  std::mutex mu_;
  std::map<std::string, Collection> collections_;
  bool fail_ = false, miss_next_has_ = false;
  LoopbackServer server_;
};

}  // namespace vsr::testing
