#include "plugins/tools_database.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace vsr::plugins {

namespace json = boost::json;

namespace {

std::string StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

std::shared_ptr<const ToolsDatabase> ToolsDatabase::Load(const std::string& path,
                                                         const EmbedFn& embed, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  return FromJson(text.str(), path, embed, error);
}

std::shared_ptr<const ToolsDatabase> ToolsDatabase::FromJson(const std::string& text,
                                                             const std::string& source,
                                                             const EmbedFn& embed,
                                                             std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) {
    error = source + ": expected a JSON list of {tool, description, category, tags} entries";
    return nullptr;
  }
  auto db = std::make_shared<ToolsDatabase>();
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const std::string where = source + ": entry " + std::to_string(i);
    const json::object* e = v.as_array()[i].if_object();
    const json::value* tool = e != nullptr ? e->if_contains("tool") : nullptr;
    const json::object* function = nullptr;
    if (tool != nullptr && tool->is_object()) {
      if (const json::value* f = tool->as_object().if_contains("function"))
        function = f->if_object();
    }
    ToolEntry entry;
    if (function != nullptr) entry.name = StringAt(*function, "name");
    if (entry.name.empty()) {
      error = where + ": 'tool.function.name' is missing";
      return nullptr;
    }
    entry.description = StringAt(*e, "description");
    if (entry.description.empty()) {
      error = where + " (" + entry.name + "): 'description' is missing; it is what questions match";
      return nullptr;
    }
    entry.tool = tool->as_object();
    entry.category = StringAt(*e, "category");
    if (const json::value* tags = e->if_contains("tags"); tags && tags->is_array()) {
      for (const json::value& t : tags->as_array()) {
        if (t.is_string()) entry.tags.emplace_back(t.as_string());
      }
    }
    entry.embedding = embed(entry.description);
    db->entries_.push_back(std::move(entry));
  }
  return db;
}

std::vector<ToolsDatabase::Match> ToolsDatabase::FindSimilar(const std::vector<float>& query,
                                                             double threshold) const {
  std::vector<Match> out;
  for (const ToolEntry& e : entries_) {
    double dot = 0;
    const size_t n = std::min(query.size(), e.embedding.size());
    for (size_t i = 0; i < n; ++i) dot += static_cast<double>(query[i]) * e.embedding[i];
    if (dot >= threshold) out.push_back({&e, dot});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Match& a, const Match& b) { return a.similarity > b.similarity; });
  return out;
}

}  // namespace vsr::plugins
