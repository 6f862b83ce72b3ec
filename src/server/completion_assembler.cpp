#include "server/completion_assembler.h"

#include <boost/json.hpp>

namespace vsr::server {

namespace json = boost::json;

namespace {

void AppendString(json::object& into, std::string_view key, const json::value* piece) {
  if (piece == nullptr || !piece->is_string()) return;
  json::value& slot = into[key];
  if (!slot.is_string()) slot = "";
  slot.as_string().append(piece->as_string());
}

// Tool-call deltas carry an index; the id, type and name come once, arguments in pieces.
void MergeToolCall(json::array& calls, const json::object& delta) {
  int64_t index = static_cast<int64_t>(calls.size());
  if (const json::value* i = delta.if_contains("index"); i && i->is_int64()) index = i->as_int64();
  if (index < 0 || index > 1024) return;  // bounded: a hostile stream cannot grow this at will
  while (static_cast<int64_t>(calls.size()) <= index) {
    calls.push_back(json::object{{"type", "function"},
                                 {"function", json::object{{"name", ""}, {"arguments", ""}}}});
  }
  json::object& call = calls[static_cast<size_t>(index)].as_object();
  if (const json::value* id = delta.if_contains("id"); id && id->is_string()) call["id"] = *id;
  if (const json::value* t = delta.if_contains("type"); t && t->is_string()) call["type"] = *t;
  const json::value* fn = delta.if_contains("function");
  if (fn == nullptr || !fn->is_object()) return;
  json::object& into = call["function"].as_object();
  AppendString(into, "name", fn->as_object().if_contains("name"));
  AppendString(into, "arguments", fn->as_object().if_contains("arguments"));
}

}  // namespace

void CompletionAssembler::Event(std::string_view, const json::object& data, std::string&) {
  if (id_.is_null()) {
    if (const json::value* v = data.if_contains("id")) id_ = *v;
    if (const json::value* v = data.if_contains("created")) created_ = *v;
    if (const json::value* v = data.if_contains("model")) model_ = *v;
  }
  if (const json::value* u = data.if_contains("usage"); u && u->is_object()) usage_ = *u;
  const json::value* choices = data.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) return;
  for (const json::value& c : choices->as_array()) {
    if (!c.is_object()) continue;
    const json::object& choice = c.as_object();
    if (const json::value* i = choice.if_contains("index"); i && i->is_int64() && i->as_int64())
      continue;  // n > 1: the first choice is the answer we keep
    if (const json::value* f = choice.if_contains("finish_reason"); f && f->is_string())
      finish_reason_ = *f;
    const json::value* d = choice.if_contains("delta");
    if (d == nullptr || !d->is_object()) continue;
    const json::object& delta = d->as_object();
    if (const json::value* t = delta.if_contains("content"); t && t->is_string()) {
      content_.append(t->as_string());
      has_content_ = true;
    }
    if (const json::value* r = delta.if_contains("reasoning_content"); r && r->is_string())
      reasoning_.append(r->as_string());
    if (const json::value* calls = delta.if_contains("tool_calls"); calls && calls->is_array()) {
      for (const json::value& call : calls->as_array()) {
        if (call.is_object()) MergeToolCall(tool_calls_, call.as_object());
      }
    }
  }
}

json::object CompletionAssembler::Completion() const {
  json::object message{{"role", "assistant"}};
  message["content"] = has_content_ || tool_calls_.empty() ? json::value(content_) : nullptr;
  if (!reasoning_.empty()) message["reasoning_content"] = reasoning_;
  if (!tool_calls_.empty()) message["tool_calls"] = tool_calls_;
  json::object out{
      {"id", id_.is_null() ? json::value("") : id_},
      {"object", "chat.completion"},
      {"created", created_.is_null() ? json::value(0) : created_},
      {"model", model_.is_null() ? json::value("") : model_},
      {"choices",
       json::array{json::object{
           {"index", 0},
           {"message", std::move(message)},
           {"finish_reason", finish_reason_.is_null() ? json::value("stop") : finish_reason_}}}}};
  if (!usage_.is_null()) out["usage"] = usage_;
  return out;
}

}  // namespace vsr::server
