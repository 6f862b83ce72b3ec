#include "plugins/answer_text.h"

#include <boost/json.hpp>

#include "common/json_text.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

json::array* Choices(json::value& v) {
  json::object* o = v.if_object();
  json::value* choices = o != nullptr ? o->if_contains("choices") : nullptr;
  return choices != nullptr ? choices->if_array() : nullptr;
}

json::string* Content(json::value& choice) {
  json::object* c = choice.if_object();
  json::value* message = c != nullptr ? c->if_contains("message") : nullptr;
  json::object* m = message != nullptr ? message->if_object() : nullptr;
  json::value* content = m != nullptr ? m->if_contains("content") : nullptr;
  return content != nullptr ? content->if_string() : nullptr;
}

}  // namespace

std::string AssistantText(std::string_view completion) {
  boost::system::error_code ec;
  json::value v = json::parse(completion, ec);
  return !ec && v.is_object() ? AssistantText(v.as_object()) : std::string();
}

std::string AssistantText(const json::object& completion) {
  const json::object* message = FirstChoiceMessage(completion);
  const json::value* content = message != nullptr ? message->if_contains("content") : nullptr;
  return content != nullptr && content->is_string() ? std::string(content->as_string())
                                                    : std::string();
}

const json::object* FirstChoiceMessage(const json::object& completion) {
  const json::value* choices = completion.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty()) return nullptr;
  const json::object* choice = choices->as_array()[0].if_object();
  const json::value* message = choice != nullptr ? choice->if_contains("message") : nullptr;
  return message != nullptr ? message->if_object() : nullptr;
}

bool PrependToAssistantText(std::string& completion, std::string_view warning) {
  boost::system::error_code ec;
  json::value v = json::parse(completion, ec);
  json::array* choices = ec ? nullptr : Choices(v);
  if (choices == nullptr) return false;
  bool changed = false;
  for (json::value& choice : *choices) {
    if (json::string* content = Content(choice)) {
      std::string text(warning);
      text += "\n\n";
      text.append(content->data(), content->size());
      *content = text;
      changed = true;
    }
  }
  if (changed) completion = CompactJson(v);
  return changed;
}

}  // namespace vsr::plugins
