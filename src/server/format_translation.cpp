#include "server/format_translation.h"

#include <boost/json.hpp>
#include <ctime>
#include <map>
#include <vector>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/sse.h"
#include "server/api_errors.h"

namespace vsr::server {

namespace json = boost::json;

namespace {

const json::value* Field(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

// Text of an OpenAI content value (string or parts) or an Anthropic system value.
std::string JoinedText(const json::value& content) {
  if (content.is_string()) return std::string(content.as_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const json::value& part : content.as_array()) {
    if (!part.is_object()) continue;
    const std::string text = StringField(part.as_object(), "text");
    if (text.empty()) continue;
    if (!out.empty()) out += "\n";
    out += text;
  }
  return out;
}

void CopyIf(const json::object& from, std::string_view key, json::object& to,
            std::string_view to_key) {
  if (const json::value* v = from.if_contains(key)) to[to_key] = *v;
}

// --- OpenAI -> Anthropic request ------------------------------------------------------------

json::value OpenAiPartToBlock(const json::object& part) {
  const std::string type = StringField(part, "type");
  if (type == "image_url") {
    std::string url;
    if (const json::value* iu = Field(part, "image_url")) {
      url = iu->is_string() ? std::string(iu->as_string())
                            : (iu->is_object() ? StringField(iu->as_object(), "url") : "");
    }
    // data:<media>;base64,<data>
    if (url.rfind("data:", 0) == 0) {
      const size_t semi = url.find(';');
      const size_t comma = url.find(',');
      if (semi != std::string::npos && comma != std::string::npos && semi < comma) {
        return json::object{{"type", "image"},
                            {"source", json::object{{"type", "base64"},
                                                    {"media_type", url.substr(5, semi - 5)},
                                                    {"data", url.substr(comma + 1)}}}};
      }
    }
    return json::object{{"type", "image"}, {"source", json::object{{"type", "url"}, {"url", url}}}};
  }
  return json::object{{"type", "text"}, {"text", StringField(part, "text")}};
}

json::value OpenAiContentToAnthropic(const json::value* content) {
  if (content == nullptr || content->is_null()) return json::array{};
  if (content->is_string()) {
    return json::array{json::object{{"type", "text"}, {"text", content->as_string()}}};
  }
  json::array blocks;
  if (content->is_array()) {
    for (const json::value& part : content->as_array()) {
      if (part.is_object()) blocks.push_back(OpenAiPartToBlock(part.as_object()));
    }
  }
  return blocks;
}

json::value ParseArguments(const std::string& arguments) {
  boost::system::error_code ec;
  json::value v = json::parse(arguments, ec);
  return !ec && v.is_object() ? v : json::value(json::object{});
}

// An OpenAI message's tool_calls -> Anthropic tool_use blocks.
void AppendToolUseBlocks(const json::object& message, json::array& blocks) {
  for (const ToolCallFields& call : ToolCallsOf(message)) {
    blocks.push_back(json::object{{"type", "tool_use"},
                                  {"id", call.id},
                                  {"name", call.name},
                                  {"input", ParseArguments(call.arguments)}});
  }
}

// An Anthropic tool_use block -> an OpenAI tool call.
json::object ToolCallOf(const json::object& tool_use) {
  const json::value* input = Field(tool_use, "input");
  return json::object{
      {"id", StringField(tool_use, "id")},
      {"type", "function"},
      {"function", json::object{{"name", StringField(tool_use, "name")},
                                {"arguments", input ? CompactJson(*input) : "{}"}}}};
}

// Anthropic wants alternating roles; consecutive same-role messages are merged.
void AppendMessage(json::array& messages, const std::string& role, json::array blocks) {
  if (!messages.empty() && messages.back().as_object().at("role") == role.c_str()) {
    json::array& prev = messages.back().as_object()["content"].as_array();
    for (auto& b : blocks) prev.push_back(std::move(b));
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
}

}  // namespace

json::object OpenAiToAnthropicRequest(const json::object& in) {
  json::object out;
  CopyIf(in, "model", out, "model");
  std::string system;
  json::array messages;
  if (const json::value* msgs = Field(in, "messages"); msgs && msgs->is_array()) {
    for (const json::value& mv : msgs->as_array()) {
      if (!mv.is_object()) continue;
      const json::object& m = mv.as_object();
      const std::string role = StringField(m, "role");
      const json::value* content = Field(m, "content");
      if (role == "system" || role == "developer") {
        const std::string text = content ? JoinedText(*content) : "";
        if (!text.empty()) system += (system.empty() ? "" : "\n\n") + text;
      } else if (role == "tool") {
        json::object result{{"type", "tool_result"},
                            {"tool_use_id", StringField(m, "tool_call_id")},
                            {"content", content ? JoinedText(*content) : ""}};
        AppendMessage(messages, "user", json::array{result});
      } else if (role == "assistant") {
        json::array blocks = OpenAiContentToAnthropic(content).as_array();
        AppendToolUseBlocks(m, blocks);
        AppendMessage(messages, "assistant", std::move(blocks));
      } else {
        AppendMessage(messages, "user", OpenAiContentToAnthropic(content).as_array());
      }
    }
  }
  if (!system.empty()) out["system"] = system;
  out["messages"] = std::move(messages);
  if (const json::value* v = Field(in, "max_tokens"); v && v->is_number()) {
    out["max_tokens"] = *v;
  } else if (const json::value* w = Field(in, "max_completion_tokens"); w && w->is_number()) {
    out["max_tokens"] = *w;
  } else {
    out["max_tokens"] = 4096;  // required by Anthropic
  }
  CopyIf(in, "temperature", out, "temperature");
  CopyIf(in, "top_p", out, "top_p");
  CopyIf(in, "stream", out, "stream");
  if (const json::value* stop = Field(in, "stop")) {
    if (stop->is_string()) out["stop_sequences"] = json::array{*stop};
    if (stop->is_array()) out["stop_sequences"] = *stop;
  }
  if (const json::value* tools = Field(in, "tools"); tools && tools->is_array()) {
    json::array converted;
    for (const json::value& t : tools->as_array()) {
      const json::value* fn = t.is_object() ? Field(t.as_object(), "function") : nullptr;
      if (!fn || !fn->is_object()) continue;
      const json::object& f = fn->as_object();
      json::object tool{{"name", StringField(f, "name")}};
      CopyIf(f, "description", tool, "description");
      tool["input_schema"] = f.contains("parameters")
                                 ? f.at("parameters")
                                 : json::value(json::object{{"type", "object"}});
      converted.push_back(std::move(tool));
    }
    out["tools"] = std::move(converted);
  }
  if (const json::value* choice = Field(in, "tool_choice")) {
    if (choice->is_string()) {
      const std::string c(choice->as_string());
      out["tool_choice"] = json::object{{"type", c == "required" ? "any" : c}};
    } else if (choice->is_object()) {
      const json::value* fn = Field(choice->as_object(), "function");
      if (fn && fn->is_object()) {
        out["tool_choice"] =
            json::object{{"type", "tool"}, {"name", StringField(fn->as_object(), "name")}};
      }
    }
  }
  if (const std::string user = StringField(in, "user"); !user.empty()) {
    out["metadata"] = json::object{{"user_id", user}};
  }
  return out;
}

// --- Anthropic -> OpenAI request ------------------------------------------------------------

json::object AnthropicToOpenAiRequest(const json::object& in) {
  json::object out;
  CopyIf(in, "model", out, "model");
  json::array messages;
  if (const json::value* system = Field(in, "system")) {
    const std::string text = JoinedText(*system);
    if (!text.empty()) messages.push_back(json::object{{"role", "system"}, {"content", text}});
  }
  if (const json::value* msgs = Field(in, "messages"); msgs && msgs->is_array()) {
    for (const json::value& mv : msgs->as_array()) {
      if (!mv.is_object()) continue;
      const json::object& m = mv.as_object();
      const std::string role = StringField(m, "role");
      const json::value* content = Field(m, "content");
      if (content && content->is_string()) {
        messages.push_back(json::object{{"role", role}, {"content", content->as_string()}});
        continue;
      }
      json::array parts;
      json::array tool_calls;
      std::vector<json::object> tool_results;
      if (content && content->is_array()) {
        for (const json::value& bv : content->as_array()) {
          if (!bv.is_object()) continue;
          const json::object& b = bv.as_object();
          const std::string type = StringField(b, "type");
          if (type == "text") {
            parts.push_back(json::object{{"type", "text"}, {"text", StringField(b, "text")}});
          } else if (type == "image") {
            const json::value* src = Field(b, "source");
            if (!src || !src->is_object()) continue;
            const json::object& s = src->as_object();
            const std::string url =
                StringField(s, "type") == "base64"
                    ? "data:" + StringField(s, "media_type") + ";base64," + StringField(s, "data")
                    : StringField(s, "url");
            parts.push_back(
                json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}});
          } else if (type == "tool_use") {
            tool_calls.push_back(ToolCallOf(b));
          } else if (type == "tool_result") {
            const json::value* c = Field(b, "content");
            tool_results.push_back(json::object{{"role", "tool"},
                                                {"tool_call_id", StringField(b, "tool_use_id")},
                                                {"content", c ? JoinedText(*c) : ""}});
          }
        }
      }
      for (auto& r : tool_results) messages.push_back(std::move(r));
      if (parts.empty() && tool_calls.empty()) continue;
      json::object msg{{"role", role}};
      // A single text part is sent as a plain string: every OpenAI-compatible server takes it.
      if (parts.size() == 1 && parts[0].as_object().at("type") == "text") {
        msg["content"] = parts[0].as_object().at("text");
      } else if (parts.empty()) {
        msg["content"] = nullptr;
      } else {
        msg["content"] = std::move(parts);
      }
      if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
      messages.push_back(std::move(msg));
    }
  }
  out["messages"] = std::move(messages);
  CopyIf(in, "max_tokens", out, "max_tokens");
  CopyIf(in, "temperature", out, "temperature");
  CopyIf(in, "top_p", out, "top_p");
  CopyIf(in, "stop_sequences", out, "stop");
  CopyIf(in, "stream", out, "stream");
  if (const json::value* tools = Field(in, "tools"); tools && tools->is_array()) {
    json::array converted;
    for (const json::value& t : tools->as_array()) {
      if (!t.is_object()) continue;
      const json::object& tool = t.as_object();
      json::object fn{{"name", StringField(tool, "name")}};
      CopyIf(tool, "description", fn, "description");
      CopyIf(tool, "input_schema", fn, "parameters");
      converted.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    out["tools"] = std::move(converted);
  }
  if (const json::value* choice = Field(in, "tool_choice"); choice && choice->is_object()) {
    const std::string type = StringField(choice->as_object(), "type");
    if (type == "any") out["tool_choice"] = "required";
    if (type == "auto" || type == "none") out["tool_choice"] = type;
    if (type == "tool") {
      out["tool_choice"] = json::object{
          {"type", "function"},
          {"function", json::object{{"name", StringField(choice->as_object(), "name")}}}};
    }
  }
  return out;
}

std::vector<ToolCallFields> ToolCallsOf(const json::object& message_or_delta) {
  std::vector<ToolCallFields> out;
  const json::value* calls = message_or_delta.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) return out;
  for (size_t k = 0; k < calls->as_array().size(); ++k) {
    const json::object* call = calls->as_array()[k].if_object();
    if (call == nullptr) continue;
    const json::value* fn = call->if_contains("function");
    const json::object* f = fn != nullptr ? fn->if_object() : nullptr;
    out.push_back(
        ToolCallFields{call->contains("index") ? IntField(*call, "index") : static_cast<int64_t>(k),
                       StringField(*call, "id"), f != nullptr ? StringField(*f, "name") : "",
                       f != nullptr ? StringField(*f, "arguments") : ""});
  }
  return out;
}

std::string ReasoningText(const json::object& message_or_delta) {
  std::string text = StringField(message_or_delta, "reasoning_content");
  return text.empty() ? StringField(message_or_delta, "reasoning") : text;
}

// --- whole responses ------------------------------------------------------------------------

namespace {

std::string OpenAiFinish(std::string_view stop_reason) {
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  return "stop";  // end_turn, stop_sequence, pause_turn, refusal
}

std::string AnthropicStop(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  return "end_turn";
}

}  // namespace

json::object AnthropicToOpenAiResponse(const json::object& in) {
  std::string text, thinking;
  bool has_text = false;
  json::array tool_calls;
  if (const json::value* content = Field(in, "content"); content && content->is_array()) {
    for (const json::value& bv : content->as_array()) {
      if (!bv.is_object()) continue;
      const json::object& b = bv.as_object();
      const std::string type = StringField(b, "type");
      if (type == "text") {
        text += StringField(b, "text");
        has_text = true;
      } else if (type == "tool_use") {
        tool_calls.push_back(ToolCallOf(b));
      } else if (type == "thinking") {
        thinking += StringField(b, "thinking");
      }
    }
  }
  json::object message{{"role", "assistant"}};
  message["content"] = has_text || tool_calls.empty() ? json::value(text) : json::value(nullptr);
  if (!thinking.empty()) message["reasoning_content"] = thinking;
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  json::object usage;
  if (const json::value* u = Field(in, "usage"); u && u->is_object()) {
    const int64_t prompt = IntField(u->as_object(), "input_tokens");
    const int64_t completion = IntField(u->as_object(), "output_tokens");
    usage = {{"prompt_tokens", prompt},
             {"completion_tokens", completion},
             {"total_tokens", prompt + completion}};
  }
  json::object out{
      {"id", StringField(in, "id")},
      {"object", "chat.completion"},
      {"created", static_cast<int64_t>(std::time(nullptr))},
      {"model", StringField(in, "model")},
      {"choices",
       json::array{json::object{{"index", 0},
                                {"message", std::move(message)},
                                {"finish_reason", OpenAiFinish(StringField(in, "stop_reason"))}}}}};
  if (!usage.empty()) out["usage"] = std::move(usage);
  return out;
}

json::object OpenAiToAnthropicResponse(const json::object& in) {
  json::array content;
  std::string finish;
  if (const json::value* choices = Field(in, "choices"); choices && choices->is_array() &&
                                                         !choices->as_array().empty() &&
                                                         choices->as_array()[0].is_object()) {
    const json::object& choice = choices->as_array()[0].as_object();
    finish = StringField(choice, "finish_reason");
    if (const json::value* mv = Field(choice, "message"); mv && mv->is_object()) {
      const json::object& m = mv->as_object();
      if (const std::string thinking = ReasoningText(m); !thinking.empty()) {
        content.push_back(json::object{{"type", "thinking"}, {"thinking", thinking}});
      }
      if (const json::value* c = Field(m, "content"); c && c->is_array()) {
        // Parts (image_gen answers: text and images) become blocks one for one.
        json::value blocks = OpenAiContentToAnthropic(c);
        for (json::value& block : blocks.as_array()) content.push_back(std::move(block));
      } else if (c && !c->is_null()) {
        const std::string text = JoinedText(*c);
        if (!text.empty()) content.push_back(json::object{{"type", "text"}, {"text", text}});
      }
      AppendToolUseBlocks(m, content);
    }
  }
  json::object usage{{"input_tokens", 0}, {"output_tokens", 0}};
  if (const json::value* u = Field(in, "usage"); u && u->is_object()) {
    usage["input_tokens"] = IntField(u->as_object(), "prompt_tokens");
    usage["output_tokens"] = IntField(u->as_object(), "completion_tokens");
  }
  return json::object{{"id", StringField(in, "id")},   {"type", "message"},
                      {"role", "assistant"},           {"model", StringField(in, "model")},
                      {"content", std::move(content)}, {"stop_reason", AnthropicStop(finish)},
                      {"stop_sequence", nullptr},      {"usage", std::move(usage)}};
}

std::string TranslateErrorBody(std::string_view body, int status, bool to_anthropic) {
  std::string message(body.substr(0, 2000));
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const json::value* err = Field(v.as_object(), "error");
    if (err && err->is_object()) {
      const std::string m = StringField(err->as_object(), "message");
      if (!m.empty()) message = m;
    } else if (err && err->is_string()) {
      message = std::string(err->as_string());
    }
  }
  return (to_anthropic ? AnthropicError(status, message) : OpenAiError(status, message)).body;
}

// --- streams --------------------------------------------------------------------------------

std::string SseEventTranslator::Feed(std::string_view piece) {
  std::string out;
  for (const SseEvent& e : parser_.Feed(piece)) {
    if (done_) break;
    if (e.data == "[DONE]") {
      Done(out);
      break;
    }
    boost::system::error_code ec;
    const json::value v = json::parse(e.data, ec);
    if (!ec && v.is_object()) Event(e.event, v.as_object(), out);
  }
  return out;
}

std::string SseEventTranslator::Finish() {
  std::string out;
  if (!done_) Done(out);
  return out;
}

namespace {

class AnthropicToOpenAi final : public SseEventTranslator {
 public:
  explicit AnthropicToOpenAi(bool include_usage) : include_usage_(include_usage) {}

 private:
  json::object Chunk(json::object delta, json::value finish) const {
    return json::object{
        {"id", id_},
        {"object", "chat.completion.chunk"},
        {"created", created_},
        {"model", model_},
        {"choices", json::array{json::object{
                        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
  }

  void Done(std::string& out) override {
    done_ = true;
    if (include_usage_) {
      json::object chunk{{"id", id_},
                         {"object", "chat.completion.chunk"},
                         {"created", created_},
                         {"model", model_},
                         {"choices", json::array{}},
                         {"usage", json::object{{"prompt_tokens", input_tokens_},
                                                {"completion_tokens", output_tokens_},
                                                {"total_tokens", input_tokens_ + output_tokens_}}}};
      out += SseData(chunk);
    }
    out += kSseDone;
  }

  void Event(std::string_view event, const json::object& o, std::string& out) override {
    const std::string type = event.empty() ? StringField(o, "type") : std::string(event);
    if (type == "message_start") {
      if (const json::value* m = Field(o, "message"); m && m->is_object()) {
        id_ = StringField(m->as_object(), "id");
        model_ = StringField(m->as_object(), "model");
        if (const json::value* u = Field(m->as_object(), "usage"); u && u->is_object())
          input_tokens_ = IntField(u->as_object(), "input_tokens");
      }
      out += SseData(Chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr));
    } else if (type == "content_block_start") {
      const json::value* b = Field(o, "content_block");
      if (b && b->is_object() && StringField(b->as_object(), "type") == "tool_use") {
        json::object call{{"index", tool_index_},
                          {"id", StringField(b->as_object(), "id")},
                          {"type", "function"},
                          {"function", json::object{{"name", StringField(b->as_object(), "name")},
                                                    {"arguments", ""}}}};
        ++tool_index_;
        out += SseData(Chunk(json::object{{"tool_calls", json::array{call}}}, nullptr));
      }
    } else if (type == "content_block_delta") {
      const json::value* d = Field(o, "delta");
      if (!d || !d->is_object()) return;
      const std::string dtype = StringField(d->as_object(), "type");
      if (dtype == "text_delta") {
        out +=
            SseData(Chunk(json::object{{"content", StringField(d->as_object(), "text")}}, nullptr));
      } else if (dtype == "thinking_delta") {  // vLLM's and upstream's name for reasoning text
        out += SseData(Chunk(
            json::object{{"reasoning_content", StringField(d->as_object(), "thinking")}}, nullptr));
      } else if (dtype == "input_json_delta") {
        json::object call{
            {"index", tool_index_ - 1},
            {"function", json::object{{"arguments", StringField(d->as_object(), "partial_json")}}}};
        out += SseData(Chunk(json::object{{"tool_calls", json::array{call}}}, nullptr));
      }
    } else if (type == "message_delta") {
      if (const json::value* u = Field(o, "usage"); u && u->is_object())
        output_tokens_ = IntField(u->as_object(), "output_tokens");
      const json::value* d = Field(o, "delta");
      const std::string stop =
          d && d->is_object() ? StringField(d->as_object(), "stop_reason") : "";
      out += SseData(Chunk(json::object{}, json::string(OpenAiFinish(stop))));
    } else if (type == "message_stop") {
      Done(out);
    } else if (type == "error") {
      const json::value* err = Field(o, "error");
      const std::string message =
          err && err->is_object() ? StringField(err->as_object(), "message") : "backend error";
      out += SseData(json::object{
          {"error", json::object{{"message", message}, {"type", "server_error"}, {"code", 500}}}});
      Done(out);
    }
  }

  bool include_usage_;
  std::string id_;
  std::string model_;
  int64_t created_ = static_cast<int64_t>(std::time(nullptr));
  int64_t input_tokens_ = 0;
  int64_t output_tokens_ = 0;
  int tool_index_ = 0;
};

class OpenAiToAnthropic final : public SseEventTranslator {
 public:
 private:
  void Start(std::string& out) {
    if (started_) return;
    started_ = true;
    out += SseNamed(
        "message_start",
        json::object{{"type", "message_start"},
                     {"message", json::object{{"id", id_},
                                              {"type", "message"},
                                              {"role", "assistant"},
                                              {"model", model_},
                                              {"content", json::array{}},
                                              {"stop_reason", nullptr},
                                              {"stop_sequence", nullptr},
                                              {"usage", json::object{{"input_tokens", 0},
                                                                     {"output_tokens", 0}}}}}});
  }
  // Anthropic content blocks are opened and closed one after another; a text or thinking block
  // is open alone, while the tool_use blocks of parallel calls stay open together (a chat stream
  // may interleave their arguments), each found by its tool call index, as upstream's emitter.
  void Stop(std::string& out, int index) {
    out += SseNamed("content_block_stop",
                    json::object{{"type", "content_block_stop"}, {"index", index}});
  }
  void CloseText(std::string& out) {
    if (text_block_ >= 0) Stop(out, text_block_);
    text_block_ = -1;
  }
  void CloseThinking(std::string& out) {
    if (thinking_block_ >= 0) Stop(out, thinking_block_);
    thinking_block_ = -1;
  }
  void CloseTools(std::string& out) {  // in tool call order, the order chat streams open them
    for (const auto& [tool_index, block] : tool_blocks_) Stop(out, block);
    tool_blocks_.clear();
  }
  int OpenBlock(std::string& out, json::object block) {
    const int index = next_block_++;
    out += SseNamed("content_block_start", json::object{{"type", "content_block_start"},
                                                        {"index", index},
                                                        {"content_block", std::move(block)}});
    return index;
  }
  void Delta(std::string& out, int index, json::object delta) {
    out += SseNamed("content_block_delta", json::object{{"type", "content_block_delta"},
                                                        {"index", index},
                                                        {"delta", std::move(delta)}});
  }
  void Done(std::string& out) override {
    done_ = true;
    Start(out);
    CloseThinking(out);
    CloseText(out);
    CloseTools(out);
    out += SseNamed("message_delta",
                    json::object{{"type", "message_delta"},
                                 {"delta", json::object{{"stop_reason", AnthropicStop(finish_)},
                                                        {"stop_sequence", nullptr}}},
                                 {"usage", json::object{{"input_tokens", input_tokens_},
                                                        {"output_tokens", output_tokens_}}}});
    out += SseNamed("message_stop", json::object{{"type", "message_stop"}});
  }

  void Event(std::string_view, const json::object& o, std::string& out) override {
    if (const json::value* err = Field(o, "error"); err && err->is_object()) {
      out += SseNamed(
          "error",
          json::object{
              {"type", "error"},
              {"error", json::object{{"type", "api_error"},
                                     {"message", StringField(err->as_object(), "message")}}}});
      done_ = true;
      return;
    }
    if (id_.empty()) id_ = StringField(o, "id");
    if (model_.empty()) model_ = StringField(o, "model");
    Start(out);
    if (const json::value* u = Field(o, "usage"); u && u->is_object()) {
      input_tokens_ = IntField(u->as_object(), "prompt_tokens");
      output_tokens_ = IntField(u->as_object(), "completion_tokens");
    }
    const json::value* choices = Field(o, "choices");
    if (!choices || !choices->is_array() || choices->as_array().empty()) return;
    const json::value& cv = choices->as_array()[0];
    if (!cv.is_object()) return;
    const json::object& choice = cv.as_object();
    if (const std::string f = StringField(choice, "finish_reason"); !f.empty()) finish_ = f;
    const json::value* dv = Field(choice, "delta");
    if (!dv || !dv->is_object()) return;
    const json::object& delta = dv->as_object();
    // Reasoning first: Anthropic puts thinking before the text and tool calls it leads to.
    if (const std::string thinking = ReasoningText(delta); !thinking.empty()) {
      if (thinking_block_ < 0) {
        CloseText(out);
        CloseTools(out);
        thinking_block_ = OpenBlock(out, json::object{{"type", "thinking"}, {"thinking", ""}});
      }
      Delta(out, thinking_block_, json::object{{"type", "thinking_delta"}, {"thinking", thinking}});
    }
    if (const std::string text = StringField(delta, "content"); !text.empty()) {
      if (text_block_ < 0) {
        CloseThinking(out);
        CloseTools(out);
        text_block_ = OpenBlock(out, json::object{{"type", "text"}, {"text", ""}});
      }
      Delta(out, text_block_, json::object{{"type", "text_delta"}, {"text", text}});
    }
    for (const ToolCallFields& call : ToolCallsOf(delta)) {
      auto it = tool_blocks_.find(call.index);
      if (it == tool_blocks_.end()) {
        CloseThinking(out);
        CloseText(out);
        const int block = OpenBlock(out, json::object{{"type", "tool_use"},
                                                      {"id", call.id},
                                                      {"name", call.name},
                                                      {"input", json::object{}}});
        it = tool_blocks_.emplace(call.index, block).first;
      }
      if (!call.arguments.empty()) {
        Delta(out, it->second,
              json::object{{"type", "input_json_delta"}, {"partial_json", call.arguments}});
      }
    }
  }

  std::string id_;
  std::string model_;
  std::string finish_;
  int64_t input_tokens_ = 0;
  int64_t output_tokens_ = 0;
  int next_block_ = 0;
  int text_block_ = -1;                 // the open text block, if any
  int thinking_block_ = -1;             // the open thinking block, if any
  std::map<int64_t, int> tool_blocks_;  // tool call index -> its open block
  bool started_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> AnthropicToOpenAiStream(bool include_usage) {
  return std::make_unique<AnthropicToOpenAi>(include_usage);
}

std::unique_ptr<StreamTranslator> OpenAiToAnthropicStream() {
  return std::make_unique<OpenAiToAnthropic>();
}

}  // namespace vsr::server
