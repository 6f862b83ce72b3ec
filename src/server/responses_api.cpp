#include "server/responses_api.h"

#include <boost/json.hpp>
#include <ctime>
#include <map>
#include <vector>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/sse.h"
#include "common/strings.h"

namespace vsr::server {

namespace json = boost::json;

namespace {

// Output items (messages, function calls, reasoning) are item_<24 hex>, as upstream's.
std::string NewItemId() {
  return "item_" + RandomHex(24);
}

// Input content (string or parts) -> chat content (string or chat parts).
json::value ChatContent(const json::value* content) {
  if (content == nullptr || content->is_null()) return "";
  if (content->is_string()) return *content;
  json::array parts;
  if (content->is_array()) {
    for (const json::value& p : content->as_array()) {
      if (!p.is_object()) continue;
      const json::object& part = p.as_object();
      const std::string type = StringField(part, "type");
      if (type == "input_text" || type == "output_text" || type == "text") {
        parts.push_back(json::object{{"type", "text"}, {"text", StringField(part, "text")}});
      } else if (type == "input_image") {
        parts.push_back(
            json::object{{"type", "image_url"},
                         {"image_url", json::object{{"url", StringField(part, "image_url")}}}});
      }
    }
  }
  // Text only: a plain string, which every backend accepts.
  bool text_only = true;
  std::string text;
  for (const auto& p : parts) {
    if (p.as_object().at("type") != "text")
      text_only = false;
    else
      text += (text.empty() ? "" : "\n") + std::string(p.as_object().at("text").as_string());
  }
  return text_only ? json::value(text) : json::value(parts);
}

}  // namespace

std::string NewResponseId() {
  return "resp_" + RandomHex(24);
}

json::object ResponsesToChatRequest(const json::object& req, const json::array* history,
                                    std::string& error) {
  json::array messages;
  if (const std::string instructions = StringField(req, "instructions"); !instructions.empty()) {
    messages.push_back(json::object{{"role", "system"}, {"content", instructions}});
  }
  if (history != nullptr) {
    for (const auto& m : *history) {
      // The stored conversation carries its own system message; a new one replaces it.
      if (!messages.empty() && m.is_object() && m.as_object().contains("role") &&
          m.as_object().at("role") == "system") {
        continue;
      }
      messages.push_back(m);
    }
  }
  const json::value* input = req.if_contains("input");
  if (input == nullptr) {
    error = "input is required";
    return {};
  }
  if (input->is_string()) {
    messages.push_back(json::object{{"role", "user"}, {"content", *input}});
  } else if (input->is_array()) {
    for (const json::value& iv : input->as_array()) {
      if (!iv.is_object()) continue;
      const json::object& item = iv.as_object();
      const std::string type = StringField(item, "type");
      if (type == "function_call") {
        messages.push_back(json::object{
            {"role", "assistant"},
            {"content", nullptr},
            {"tool_calls",
             json::array{json::object{
                 {"id", StringField(item, "call_id")},
                 {"type", "function"},
                 {"function", json::object{{"name", StringField(item, "name")},
                                           {"arguments", StringField(item, "arguments")}}}}}}});
      } else if (type == "function_call_output") {
        messages.push_back(json::object{{"role", "tool"},
                                        {"tool_call_id", StringField(item, "call_id")},
                                        {"content", StringField(item, "output")}});
      } else {
        std::string role = StringField(item, "role");
        if (role.empty()) role = "user";
        if (role == "developer") role = "system";
        messages.push_back(
            json::object{{"role", role}, {"content", ChatContent(item.if_contains("content"))}});
      }
    }
  } else {
    error = "input must be a string or an array of input items";
    return {};
  }
  json::object chat{{"model", req.contains("model") ? req.at("model") : json::value("")},
                    {"messages", std::move(messages)}};
  if (const json::value* v = req.if_contains("max_output_tokens")) chat["max_tokens"] = *v;
  for (const char* key : {"temperature", "top_p", "stream", "user", "tool_choice"}) {
    if (const json::value* v = req.if_contains(key)) chat[key] = *v;
  }
  if (const json::value* tools = req.if_contains("tools"); tools && tools->is_array()) {
    json::array converted;
    for (const json::value& t : tools->as_array()) {
      if (!t.is_object() || StringField(t.as_object(), "type") != "function") continue;
      const json::object& tool = t.as_object();
      json::object fn{{"name", StringField(tool, "name")}};
      if (const json::value* d = tool.if_contains("description")) fn["description"] = *d;
      if (const json::value* p = tool.if_contains("parameters")) fn["parameters"] = *p;
      converted.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    chat["tools"] = std::move(converted);
  }
  if (const json::value* effort = req.if_contains("reasoning"); effort && effort->is_object()) {
    if (const json::value* e = effort->as_object().if_contains("effort"))
      chat["reasoning_effort"] = *e;
  }
  return chat;
}

json::array ChatMessagesOf(const json::object& chat_request) {
  const json::value* m = chat_request.if_contains("messages");
  return m && m->is_array() ? m->as_array() : json::array{};
}

namespace {

json::object ResponseShell(const json::object& req, const std::string& id,
                           const std::string& previous_id, const std::string& model,
                           const std::string& status) {
  json::object r{{"id", id},
                 {"object", "response"},
                 {"created_at", static_cast<int64_t>(std::time(nullptr))},
                 {"model", model},
                 {"status", status},
                 {"output", json::array{}}};
  if (!previous_id.empty()) r["previous_response_id"] = previous_id;
  for (const char* key : {"instructions", "metadata", "temperature", "top_p", "max_output_tokens",
                          "tools", "tool_choice", "conversation_id"}) {
    if (const json::value* v = req.if_contains(key)) r[key] = *v;
  }
  return r;
}

json::object TextPart(const std::string& text) {
  return json::object{{"type", "output_text"}, {"text", text}, {"annotations", json::array{}}};
}

json::object MessageItem(const std::string& id, const std::string& text, const char* status) {
  return json::object{{"type", "message"},
                      {"id", id},
                      {"status", status},
                      {"role", "assistant"},
                      {"content", json::array{TextPart(text)}}};
}

// The image_url parts of a chat answer's content (image_gen) as image_generation_call items —
// `result` the image's base64 data, or its URL when it has no data — appended to `output`;
// returns the text parts joined. An answer of images only says so in text, as upstream does.
std::string AppendImageItems(const json::array& parts, json::array& output) {
  std::string text;
  bool images = false;
  for (const json::value& pv : parts) {
    const json::object* part = pv.if_object();
    if (part == nullptr) continue;
    const std::string type = StringField(*part, "type");
    if (type == "text") text += StringField(*part, "text");
    if (type != "image_url") continue;
    const json::value* iu = part->if_contains("image_url");
    std::string url = iu && iu->is_object() ? StringField(iu->as_object(), "url") : "";
    if (url.starts_with("data:") && url.find(";base64,") != std::string::npos) {
      url = url.substr(url.find(";base64,") + 8);
    }
    images = true;
    output.push_back(json::object{{"type", "image_generation_call"},
                                  {"id", "ig_" + RandomHex(24)},
                                  {"status", "completed"},
                                  {"result", std::move(url)}});
  }
  if (images && text.empty()) text = "Here is the generated image based on your request.";
  return text;
}

json::object Usage(const json::object& chat_usage) {
  return json::object{{"input_tokens", IntField(chat_usage, "prompt_tokens")},
                      {"output_tokens", IntField(chat_usage, "completion_tokens")},
                      {"total_tokens", IntField(chat_usage, "total_tokens")}};
}

}  // namespace

json::object ChatToResponse(const json::object& chat, const json::object& req,
                            const std::string& response_id, const std::string& previous_id) {
  json::object r =
      ResponseShell(req, response_id, previous_id, StringField(chat, "model"), "completed");
  json::array& output = r["output"].as_array();
  std::string all_text;
  if (const json::value* choices = chat.if_contains("choices"); choices && choices->is_array()) {
    for (const json::value& cv : choices->as_array()) {
      const json::value* mv = cv.is_object() ? cv.as_object().if_contains("message") : nullptr;
      if (!mv || !mv->is_object()) continue;
      const json::object& msg = mv->as_object();
      std::string text = StringField(msg, "content");
      if (const json::value* parts = msg.if_contains("content"); parts && parts->is_array()) {
        text = AppendImageItems(parts->as_array(), output);
      }
      if (!text.empty()) {
        all_text += text;
        output.push_back(MessageItem(NewItemId(), text, "completed"));
      }
      for (const ToolCallFields& call : ToolCallsOf(msg)) {
        output.push_back(json::object{{"type", "function_call"},
                                      {"id", NewItemId()},
                                      {"call_id", call.id},
                                      {"name", call.name},
                                      {"arguments", call.arguments},
                                      {"status", "completed"}});
      }
    }
  }
  r["output_text"] = all_text;
  if (const json::value* u = chat.if_contains("usage"); u && u->is_object()) {
    r["usage"] = Usage(u->as_object());
  }
  return r;
}

json::object AssistantMessageOf(const json::object& response) {
  json::array tool_calls;
  if (const json::value* output = response.if_contains("output"); output && output->is_array()) {
    for (const json::value& v : output->as_array()) {
      const json::object* item = v.if_object();
      if (item == nullptr || StringField(*item, "type") != "function_call") continue;
      tool_calls.push_back(
          json::object{{"id", StringField(*item, "call_id")},
                       {"type", "function"},
                       {"function", json::object{{"name", StringField(*item, "name")},
                                                 {"arguments", StringField(*item, "arguments")}}}});
    }
  }
  const std::string text = StringField(response, "output_text");
  json::object message{{"role", "assistant"}};
  message["content"] =
      text.empty() && !tool_calls.empty() ? json::value(nullptr) : json::value(text);
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  return message;
}

namespace {

// Output items open in the order their first delta arrives (the answer's text, each tool call)
// and stay open until the stream ends: a chat stream may interleave the arguments of parallel
// tool calls, and each delta names its item.
class ResponsesStream final : public ResponsesStreamTranslator {
 public:
  ResponsesStream(const json::object& req, std::string id, std::string previous)
      : request_(req), id_(std::move(id)), previous_(std::move(previous)) {}

  const json::object& Completed() const override { return completed_; }

 private:
  enum class Kind { kMessage, kCall, kReasoning };
  struct Item {
    Kind kind = Kind::kMessage;
    std::string id;
    std::string content;  // the text, a call's arguments, or the reasoning
    std::string call_id, name;
  };

  std::string Emit(const char* type, json::object body) {
    body["type"] = type;
    body["sequence_number"] = sequence_++;
    return SseNamed(type, body);
  }
  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    json::object shell = ResponseShell(request_, id_, previous_, model_, "in_progress");
    out += Emit("response.created", json::object{{"response", shell}});
    out += Emit("response.in_progress", json::object{{"response", shell}});
  }
  static json::object CallItem(const Item& call, const char* status) {
    return json::object{{"type", "function_call"},   {"id", call.id},
                        {"call_id", call.call_id},   {"name", call.name},
                        {"arguments", call.content}, {"status", status}};
  }
  // Reasoning is a `reasoning` item (its text in reasoning_text events; the item itself carries an
  // empty summary, as upstream's).
  static json::object ReasoningItem(const std::string& id, const char* status) {
    return json::object{
        {"id", id}, {"type", "reasoning"}, {"status", status}, {"summary", json::array{}}};
  }
  // The text's or the reasoning's item, opened on its first delta: its output index.
  size_t OpenItem(int64_t& slot, Kind kind, std::string& out) {
    if (slot >= 0) return static_cast<size_t>(slot);
    slot = static_cast<int64_t>(items_.size());
    items_.push_back(Item{kind, NewItemId(), "", "", ""});
    const std::string& id = items_.back().id;
    out += Emit("response.output_item.added",
                json::object{{"output_index", slot},
                             {"item", kind == Kind::kMessage ? MessageItem(id, "", "in_progress")
                                                             : ReasoningItem(id, "in_progress")}});
    if (kind == Kind::kMessage) {
      out += Emit("response.content_part.added", json::object{{"item_id", id},
                                                              {"output_index", slot},
                                                              {"content_index", 0},
                                                              {"part", TextPart("")}});
    }
    return static_cast<size_t>(slot);
  }
  // A piece of the text or of the reasoning: added to its item and sent as `event`.
  void AppendDelta(int64_t& slot, Kind kind, const char* event, const std::string& piece,
                   std::string& out) {
    if (piece.empty()) return;
    const size_t i = OpenItem(slot, kind, out);
    items_[i].content += piece;
    out += Emit(event, json::object{{"item_id", items_[i].id},
                                    {"output_index", i},
                                    {"content_index", 0},
                                    {"delta", piece}});
  }
  // A piece of a streamed tool call: a call's first piece opens its function_call item.
  void ToolCallDelta(const ToolCallFields& call, std::string& out) {
    auto [it, added] = calls_.try_emplace(call.index, items_.size());
    if (added) {
      items_.push_back(Item{Kind::kCall, NewItemId(), "", call.id, call.name});
      out += Emit("response.output_item.added",
                  json::object{{"output_index", it->second},
                               {"item", CallItem(items_.back(), "in_progress")}});
    }
    Item& item = items_[it->second];
    if (!call.arguments.empty()) {
      item.content += call.arguments;
      out +=
          Emit("response.function_call_arguments.delta",
               json::object{
                   {"item_id", item.id}, {"output_index", it->second}, {"delta", call.arguments}});
    }
  }
  void Done(std::string& out) override {
    done_ = true;
    Start(out);
    completed_ = ResponseShell(request_, id_, previous_, model_, "completed");
    json::array& output = completed_["output"].as_array();
    std::string all_text;
    for (size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      json::object done;
      if (item.kind == Kind::kReasoning) {
        out += Emit("response.reasoning_text.done", json::object{{"item_id", item.id},
                                                                 {"output_index", i},
                                                                 {"content_index", 0},
                                                                 {"text", item.content}});
        done = ReasoningItem(item.id, "completed");
      } else if (item.kind == Kind::kCall) {
        out += Emit(
            "response.function_call_arguments.done",
            json::object{{"item_id", item.id}, {"output_index", i}, {"arguments", item.content}});
        done = CallItem(item, "completed");
      } else {
        all_text += item.content;
        out += Emit("response.output_text.done", json::object{{"item_id", item.id},
                                                              {"output_index", i},
                                                              {"content_index", 0},
                                                              {"text", item.content}});
        out += Emit("response.content_part.done", json::object{{"item_id", item.id},
                                                               {"output_index", i},
                                                               {"content_index", 0},
                                                               {"part", TextPart(item.content)}});
        done = MessageItem(item.id, item.content, "completed");
      }
      out += Emit("response.output_item.done", json::object{{"output_index", i}, {"item", done}});
      output.push_back(std::move(done));
    }
    completed_["output_text"] = all_text;
    if (!usage_.empty()) completed_["usage"] = usage_;
    out += Emit("response.completed", json::object{{"response", completed_}});
  }
  void Event(std::string_view, const json::object& o, std::string& out) override {
    if (model_.empty()) model_ = StringField(o, "model");
    Start(out);
    // A backend error mid-stream: the response failed, and says so instead of completing.
    if (const json::value* err = o.if_contains("error"); err && err->is_object()) {
      done_ = true;
      completed_ = ResponseShell(request_, id_, previous_, model_, "failed");
      completed_["error"] = json::object{{"code", "server_error"},
                                         {"message", StringField(err->as_object(), "message")}};
      out += Emit("response.failed", json::object{{"response", completed_}});
      return;
    }
    if (const json::value* u = o.if_contains("usage"); u && u->is_object())
      usage_ = Usage(u->as_object());
    const json::value* choices = o.if_contains("choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) return;
    const json::value& c = choices->as_array()[0];
    const json::value* delta = c.is_object() ? c.as_object().if_contains("delta") : nullptr;
    if (!delta || !delta->is_object()) return;
    AppendDelta(reasoning_, Kind::kReasoning, "response.reasoning_text.delta",
                ReasoningText(delta->as_object()), out);
    AppendDelta(message_, Kind::kMessage, "response.output_text.delta",
                StringField(delta->as_object(), "content"), out);
    for (const ToolCallFields& call : ToolCallsOf(delta->as_object())) ToolCallDelta(call, out);
  }

  json::object request_;
  std::string id_, previous_, model_;
  std::vector<Item> items_;          // in output order
  int64_t message_ = -1;             // the text's item, once there is text
  int64_t reasoning_ = -1;           // the reasoning's item, once there is reasoning
  std::map<int64_t, size_t> calls_;  // chat tool call index -> its item
  json::object usage_, completed_;
  int64_t sequence_ = 0;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<ResponsesStreamTranslator> ChatToResponsesStream(const json::object& request,
                                                                 const std::string& response_id,
                                                                 const std::string& previous_id) {
  return std::make_unique<ResponsesStream>(request, response_id, previous_id);
}

}  // namespace vsr::server
