#include "mcp/category_classifier.h"

#include <boost/json.hpp>
#include <cmath>

#include "common/strings.h"

namespace vsr::mcp {

namespace json = boost::json;

namespace {

// The JSON object in a tool's text; false with `error` naming what it is instead.
bool ParseObjectText(const std::string& text, json::object& out, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    error = "the MCP tool's reply is not a JSON object: " + text.substr(0, 200);
    return false;
  }
  out = std::move(v.as_object());
  if (const json::value* e = out.if_contains("error")) {
    error = "the MCP tool reported: " +
            (e->is_string() ? std::string(e->as_string()) : json::serialize(*e));
    return false;
  }
  return true;
}

}  // namespace

bool ParseCategoryVerdict(const std::string& text, CategoryVerdict& out, std::string& error) {
  json::object o;
  if (!ParseObjectText(text, o, error)) return false;
  const json::value* cls = o.if_contains("class");
  const json::value* confidence = o.if_contains("confidence");
  if (cls == nullptr || !cls->is_int64() || cls->as_int64() < 0 || cls->as_int64() > 1 << 20) {
    error = "the MCP classification has no valid 'class' (a class index from 0)";
    return false;
  }
  if (confidence == nullptr || !confidence->is_number() ||
      !std::isfinite(confidence->to_number<double>())) {
    error = "the MCP classification has no numeric 'confidence'";
    return false;
  }
  out = CategoryVerdict{};
  out.class_index = static_cast<int>(cls->as_int64());
  out.confidence = confidence->to_number<double>();
  if (const json::value* p = o.if_contains("probabilities"); p && p->is_array()) {
    for (const json::value& x : p->as_array()) {
      out.probabilities.push_back(x.is_number() ? x.to_number<double>() : 0.0);
    }
  }
  if (const json::value* m = o.if_contains("model"); m && m->is_string()) {
    out.model = std::string(m->as_string());
  }
  if (const json::value* r = o.if_contains("use_reasoning"); r && r->is_bool()) {
    out.use_reasoning = r->as_bool();
  }
  return true;
}

bool ParseCategoryList(const std::string& text, std::vector<std::string>& out, std::string& error) {
  json::object o;
  if (!ParseObjectText(text, o, error)) return false;
  const json::value* list = o.if_contains("categories");
  if (list == nullptr || !list->is_array()) {
    error = "list_categories returned no 'categories' list";
    return false;
  }
  out.clear();
  for (const json::value& c : list->as_array()) {
    out.push_back(c.is_string() ? std::string(c.as_string()) : std::string());
  }
  return true;
}

std::string FindClassificationTool(const std::vector<Tool>& tools, std::string& error) {
  if (tools.empty()) {
    error = "no tools available from MCP server";
    return {};
  }
  for (const char* known : {"classify_text", "classify", "categorize", "categorize_text"}) {
    for (const Tool& t : tools) {
      if (t.name == known) return t.name;
    }
  }
  for (const Tool& t : tools) {
    if (ToLower(t.name).find("classif") != std::string::npos ||
        ToLower(t.description).find("classif") != std::string::npos) {
      return t.name;
    }
  }
  std::vector<std::string> names;
  for (const Tool& t : tools) names.push_back(t.name);
  error = "no classification tool found among available tools: [" + Join(names, " ") + "]";
  return {};
}

CategoryClassifier::CategoryClassifier(std::unique_ptr<Client> client, std::string tool_name)
    : client_(std::move(client)), configured_tool_(std::move(tool_name)) {}

bool CategoryClassifier::Ready(std::string& error) {
  std::lock_guard lock(mu_);
  if (ready_) return true;
  const auto fail = [&] {
    ready_error_ = error;
    return false;
  };
  if (!client_->Connect(error)) return fail();
  std::string tool = configured_tool_;
  if (tool.empty()) tool = FindClassificationTool(client_->tools(), error);
  if (tool.empty()) return fail();
  json::value result;
  std::string text;
  std::vector<std::string> categories;
  if (!client_->CallTool("list_categories", json::object{}, result, error) ||
      !FirstToolText(result, text, error) || !ParseCategoryList(text, categories, error)) {
    error = "failed to load categories from MCP server: " + error;
    return fail();
  }
  tool_ = std::move(tool);
  categories_ = std::move(categories);
  ready_ = true;
  ready_error_.clear();
  return true;
}

std::string CategoryClassifier::Unavailable() const {
  {
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return {};  // an attempt is in progress: never wait for it
    if (!ready_ && !ready_error_.empty()) return ready_error_;
  }
  return client_->ConnectFailure();
}

bool CategoryClassifier::Classify(const std::string& text, CategoryVerdict& out,
                                  std::string& error) {
  if (!Ready(error)) return false;
  std::string tool;
  {
    std::lock_guard lock(mu_);
    tool = tool_;
  }
  json::value result;
  std::string reply;
  if (!client_->CallTool(tool, json::object{{"text", text}, {"with_probabilities", true}}, result,
                         error) ||
      !FirstToolText(result, reply, error)) {
    error = "MCP classification failed: " + error;
    return false;
  }
  return ParseCategoryVerdict(reply, out, error);
}

std::string CategoryClassifier::CategoryName(int index) const {
  std::lock_guard lock(mu_);
  return index >= 0 && static_cast<size_t>(index) < categories_.size() ? categories_[index]
                                                                       : std::string();
}

}  // namespace vsr::mcp
