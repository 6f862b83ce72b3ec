// Test helper: the part of Llama Stack's OpenAI-compatible Vector Stores API the router's
// llama_stack vector store backend calls, over in-memory stores, on loopback: create (ids of its
// own, vs_ls_<n>), list, delete, delete a file (404: inserted chunks are not files),
// vector-io/insert, and search. Its search stands in for an embedding model: a chunk's score is
// the share of the query's words it contains, and filters on metadata file_id (eq, or) apply.
// Every request is kept, for the test to read.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "server/api_errors.h"
#include "support/loopback_server.h"

namespace vsr::testing {

class FakeLlamaStack {
 public:
  FakeLlamaStack()
      : server_([this](const server::HttpRequest& r) { return Answer(r); }, &server::OpenAiError) {}
  std::string Url() const { return server_.Url(); }
  struct Store {
    std::string id, name;
    boost::json::object created;  // the create request
    std::vector<boost::json::object> chunks;
  };
  // The store named `name` ({} when there is none).
  Store store(const std::string& name) {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : stores_) {
      if (s.name == name) return s;
    }
    return {};
  }
  size_t stores() {
    std::lock_guard lock(mu_);
    return stores_.size();
  }
  std::vector<server::HttpRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  static std::vector<std::string> Words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) {
      for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(w);
    }
    return out;
  }
  static bool Passes(const boost::json::object& chunk, const boost::json::value* filter) {
    if (filter == nullptr || !filter->is_object()) return true;
    const boost::json::object& f = filter->as_object();
    if (f.at("type") == "or") {
      for (const boost::json::value& inner : f.at("filters").as_array()) {
        if (Passes(chunk, &inner)) return true;
      }
      return false;
    }
    const boost::json::value* v =
        chunk.at("metadata").as_object().if_contains(f.at("key").as_string());
    return v != nullptr && *v == f.at("value");
  }
  server::HttpResponse Search(const Store& s, const boost::json::object& body) {
    namespace json = boost::json;
    const std::vector<std::string> query = Words(std::string(body.at("query").as_string()));
    std::vector<std::pair<double, const json::object*>> hits;
    for (const json::object& c : s.chunks) {
      if (!Passes(c, body.if_contains("filters"))) continue;
      const std::vector<std::string> words = Words(std::string(c.at("content").as_string()));
      size_t found = 0;
      for (const std::string& q : query) found += std::count(words.begin(), words.end(), q) > 0;
      if (found > 0) hits.emplace_back(static_cast<double>(found) / query.size(), &c);
    }
    std::stable_sort(hits.begin(), hits.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    json::array data;
    const auto limit = static_cast<size_t>(body.at("max_num_results").as_int64());
    for (size_t i = 0; i < hits.size() && i < limit; ++i) {
      const json::object& c = *hits[i].second;
      const json::object& meta = c.at("metadata").as_object();
      data.push_back(json::object{
          {"file_id", meta.at("file_id")},
          {"filename", meta.at("filename")},
          {"score", hits[i].first},
          {"attributes", meta},
          {"content", json::array{json::object{{"type", "text"}, {"text", c.at("content")}}}}});
    }
    return Reply(json::object{{"object", "vector_store.search_results.page"}, {"data", data}});
  }
  static server::HttpResponse Reply(const boost::json::value& v) {
    return {200, "application/json", boost::json::serialize(v), {}};
  }
  static server::HttpResponse NotFound() {
    return {404, "application/json", R"({"detail":"not found"})", {}};
  }
  server::HttpResponse Answer(const server::HttpRequest& r) {
    namespace json = boost::json;
    std::lock_guard lock(mu_);
    requests_.push_back(r);
    const json::object body = r.body.empty() ? json::object{} : json::parse(r.body).as_object();
    const std::string prefix = "/v1/vector_stores";
    if (r.path == prefix && r.method == "POST") {
      Store s{
          "vs_ls_" + std::to_string(++made_), std::string(body.at("name").as_string()), body, {}};
      stores_[s.id] = s;
      return Reply(json::object{{"id", s.id}, {"name", s.name}, {"created_at", made_}});
    }
    if (r.path == prefix && r.method == "GET") {
      json::array data;
      for (const auto& [id, s] : stores_) {
        data.push_back(json::object{{"id", id}, {"name", s.name}, {"created_at", 1}});
      }
      return Reply(json::object{{"data", data}});
    }
    if (r.path == "/v1/vector-io/insert") {
      auto it = stores_.find(std::string(body.at("vector_store_id").as_string()));
      if (it == stores_.end()) return NotFound();
      for (const json::value& c : body.at("chunks").as_array()) {
        it->second.chunks.push_back(c.as_object());
      }
      return Reply(nullptr);
    }
    if (r.path.rfind(prefix + "/", 0) != 0) return NotFound();
    const std::string rest = r.path.substr(prefix.size() + 1);
    const std::string id = rest.substr(0, rest.find('/'));
    auto it = stores_.find(id);
    if (it == stores_.end()) return NotFound();
    if (rest == id && r.method == "DELETE") {
      stores_.erase(it);
      return Reply(json::object{{"id", id}, {"deleted", true}});
    }
    if (rest == id + "/search") return Search(it->second, body);
    return NotFound();  // files/<id>: inserted chunks are not files
  }

  std::mutex mu_;
  std::map<std::string, Store> stores_;
  std::vector<server::HttpRequest> requests_;
  int made_ = 0;
  LoopbackServer server_;
};

}  // namespace vsr::testing
