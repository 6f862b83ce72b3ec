#include "plugins/system_prompt.h"

#include <boost/json.hpp>

namespace vsr::plugins {

namespace json = boost::json;

namespace {

// The text of a system message's content: a string, or the text parts of an array (both are
// valid OpenAI and Anthropic input; dropping the array form would lose instructions).
std::string ContentText(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const json::value& part : content.as_array()) {
    if (!part.is_object()) continue;
    const json::object& p = part.as_object();
    const json::value* type = p.if_contains("type");
    if (type && type->is_string() && type->as_string() != "text" &&
        type->as_string() != "input_text") {
      continue;
    }
    const json::value* text = p.if_contains("text");
    if (!text || !text->is_string() || text->as_string().empty()) continue;
    if (!out.empty()) out += '\n';
    out.append(text->as_string());
  }
  return out;
}

std::string Combined(const std::string& prompt, const std::string& mode, bool has_existing,
                     const std::string& existing) {
  if (mode == "insert" && has_existing) return prompt + "\n\n" + existing;
  return prompt;
}

}  // namespace

bool ApplySystemPrompt(json::object& body, bool anthropic, const std::string& prompt,
                       const std::string& mode) {
  if (prompt.empty()) return false;
  if (anthropic) {
    const json::value* system = body.if_contains("system");
    const bool has = system != nullptr && !system->is_null();
    body["system"] = Combined(prompt, mode, has, has ? ContentText(*system) : "");
    return true;
  }
  json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return false;
  json::array& list = messages->as_array();
  const bool has = !list.empty() && list.front().is_object() &&
                   list.front().as_object().if_contains("role") != nullptr &&
                   list.front().as_object().at("role") == "system";
  if (has) {
    json::object& first = list.front().as_object();
    const json::value* content = first.if_contains("content");
    first["content"] = Combined(prompt, mode, true, content ? ContentText(*content) : "");
  } else {
    list.insert(list.begin(), json::object{{"role", "system"}, {"content", prompt}});
  }
  return true;
}

void SystemPromptPlugin::OnForward(RequestContext& ctx) {
  // Upstream injects only for auto-routed requests that matched a decision.
  if (!ctx.auto_routed || ctx.decision == nullptr || ctx.body == nullptr) return;
  if (!cfg_.enabled.value_or(!cfg_.system_prompt.empty())) return;
  if (ApplySystemPrompt(*ctx.body, ctx.anthropic, cfg_.system_prompt, cfg_.mode)) {
    ctx.injected_system_prompt = true;
  }
}

}  // namespace vsr::plugins
