// Category classification by an MCP server, as upstream's MCP category classifier does it: the
// server's classification tool (tool_name, else the first of classify_text, classify,
// categorize, categorize_text, else a tool whose name or description mentions "classif")
// gets {"text", "with_probabilities": true} and answers
// {"class", "confidence", "probabilities"?, "model"?, "use_reasoning"?} as JSON text; its
// `list_categories` tool names the classes ({"categories": [...], ...}).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/client.h"

namespace vsr::mcp {

struct CategoryVerdict {
  int class_index = 0;
  double confidence = 0;
  std::vector<double> probabilities;  // empty when the server sends none
  std::string model;                  // the server's recommendation, when it makes one
  std::optional<bool> use_reasoning;
};

// Reads a classification tool's JSON text; false with `error` for anything else (the server's
// {"error": ...} included).
bool ParseCategoryVerdict(const std::string& text, CategoryVerdict& out, std::string& error);
// Reads list_categories' JSON text: the category names in class order.
bool ParseCategoryList(const std::string& text, std::vector<std::string>& out, std::string& error);
// The classification tool among `tools` (see above); "" with `error` when there is none.
std::string FindClassificationTool(const std::vector<Tool>& tools, std::string& error);

class CategoryClassifier {
 public:
  // `tool_name` "" discovers the tool.
  CategoryClassifier(std::unique_ptr<Client> client, std::string tool_name);

  // Connects and reads the categories unless done (again after a failure, with the client's
  // pause). False with why.
  bool Ready(std::string& error);
  // The verdict on `text`; false with why (not connected, the tool failed...).
  bool Classify(const std::string& text, CategoryVerdict& out, std::string& error);
  // The name of class `index` ("" when the server listed fewer).
  std::string CategoryName(int index) const;
  // Why the server cannot be used now, as the last attempt found ("" when it can, before the
  // first attempt and during one: it never waits): no session, no tool or no categories.
  std::string Unavailable() const;

 private:
  std::unique_ptr<Client> client_;
  const std::string configured_tool_;
  mutable std::mutex mu_;
  std::string tool_;
  std::vector<std::string> categories_;
  bool ready_ = false;
  std::string ready_error_;  // the last Ready() failure while not ready
};

}  // namespace vsr::mcp
