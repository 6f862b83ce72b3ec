// The tools database of semantic tool selection (global.integrations.tools.tools_db_path):
// upstream's JSON file — a list of {"tool": <OpenAI tool definition>, "description": text to
// match, "category", "tags"} — with every description embedded once at load. A question's
// embedding is compared with each (dot product of unit vectors: cosine similarity).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vsr::plugins {

struct ToolEntry {
  boost::json::object tool;  // {"type": "function", "function": {...}} as the file has it
  std::string name;          // tool.function.name
  std::string description;
  std::string category;
  std::vector<std::string> tags;
  std::vector<float> embedding;
};

class ToolsDatabase {
 public:
  using EmbedFn = std::function<std::vector<float>(const std::string&)>;
  // Reads `path` and embeds each description; null with `error` (file:what) when the file is
  // missing, not JSON, or an entry lacks a tool name or description.
  static std::shared_ptr<const ToolsDatabase> Load(const std::string& path, const EmbedFn& embed,
                                                   std::string& error);
  // From JSON text (`source` names it in errors).
  static std::shared_ptr<const ToolsDatabase> FromJson(const std::string& text,
                                                       const std::string& source,
                                                       const EmbedFn& embed, std::string& error);

  struct Match {
    const ToolEntry* entry;
    double similarity;
  };
  // Entries at >= `threshold` similarity to `query`, most similar first.
  std::vector<Match> FindSimilar(const std::vector<float>& query, double threshold) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<ToolEntry> entries_;
};

}  // namespace vsr::plugins
