#include "plugins/immediate_answer.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_text.h"
#include "common/unix_time.h"

namespace vsr::plugins {

namespace json = boost::json;

json::object TextCompletion(const std::string& id, int64_t created, const std::string& model,
                            const std::string& content) {
  return json::object{
      {"id", id},
      {"object", "chat.completion"},
      {"created", created},
      {"model", model},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", json::object{{"role", "assistant"}, {"content", content}}},
                      {"finish_reason", "stop"}}}},
      {"usage", json::object{{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}}}};
}

namespace {

// Words with the space that follows them kept, so the chunks concatenate to the original.
std::vector<std::string> WordChunks(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(' ', i);
    end = end == std::string::npos ? text.size() : end + 1;
    while (end < text.size() && text[end] == ' ') ++end;
    out.push_back(text.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string Event(const json::object& chunk) {
  return "data: " + CompactJson(chunk) + "\n\n";
}

}  // namespace

std::string CompletionAsSse(const json::object& completion) {
  const json::value* id = completion.if_contains("id");
  const json::value* created = completion.if_contains("created");
  const json::value* model = completion.if_contains("model");
  json::object message;
  json::value finish_reason = "stop";
  if (const json::value* choices = completion.if_contains("choices");
      choices && choices->is_array() && !choices->as_array().empty() &&
      choices->as_array().front().is_object()) {
    const json::object& choice = choices->as_array().front().as_object();
    if (const json::value* m = choice.if_contains("message"); m && m->is_object()) {
      message = m->as_object();
    }
    if (const json::value* f = choice.if_contains("finish_reason"); f && f->is_string()) {
      finish_reason = *f;
    }
  }
  const auto chunk = [&](json::object delta, json::value finish) {
    return json::object{
        {"id", id ? *id : json::value("")},
        {"object", "chat.completion.chunk"},
        {"created", created ? *created : json::value(0)},
        {"model", model ? *model : json::value("")},
        {"choices", json::array{json::object{
                        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
  };
  std::string content;
  if (const json::value* c = message.if_contains("content"); c && c->is_string()) {
    content = std::string(c->as_string());
  }
  std::vector<std::string> words = WordChunks(content);
  if (words.empty()) words.emplace_back();
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    json::object delta{{"content", words[i]}};
    if (i == 0) {
      delta["role"] = "assistant";
      for (const auto& [key, value] : message) {  // tool_calls, refusal, reasoning_content...
        if (key != "role" && key != "content" && !value.is_null()) delta[key] = value;
      }
    }
    out += Event(chunk(std::move(delta), nullptr));
  }
  json::object last = chunk(json::object{}, finish_reason);
  if (const json::value* usage = completion.if_contains("usage")) last["usage"] = *usage;
  out += Event(last);
  out += "data: [DONE]\n\n";
  return out;
}

}  // namespace vsr::plugins
