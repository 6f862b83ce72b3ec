#include "request/parse.h"

#include <boost/json/value.hpp>

#include "common/strings.h"

namespace vsr::request {
namespace {

namespace json = boost::json;

std::string Str(const json::value* v) {
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

void Append(std::string& out, std::string_view part) {
  part = Trim(part);
  if (part.empty()) return;
  if (!out.empty()) out += ' ';
  out += part;
}

// Text and images of one content value: a string, one part object, or a list of parts.
// Text parts are "", "text" and "input_text" (upstream's eval rule); images are counted.
void ReadContent(const json::value* content, Message& m, std::vector<std::string>* image_urls) {
  if (content == nullptr || content->is_null()) return;
  if (content->is_string()) {
    Append(m.text, content->get_string());
    return;
  }
  auto read_part = [&](const json::value& part) {
    if (part.is_string()) {
      Append(m.text, part.get_string());
      return;
    }
    if (!part.is_object()) return;
    const json::object& p = part.get_object();
    const std::string type = Str(p.if_contains("type"));
    if (type.empty() || type == "text" || type == "input_text" || type == "output_text") {
      Append(m.text, Str(p.if_contains("text")));
    } else if (type == "image_url" || type == "input_image" || type == "image") {
      ++m.image_count;
      if (image_urls == nullptr) return;
      const json::value* url = p.if_contains("image_url");
      if (url && url->is_object()) url = url->get_object().if_contains("url");
      if (std::string u = Str(url); !u.empty()) image_urls->push_back(u);
    } else if (type == "tool_use") {
      ++m.tool_call_count;
    } else if (type == "tool_result") {
      m.is_tool_result = true;  // its text is tool output, not the user's words
    }
  };
  if (content->is_array()) {
    for (const json::value& part : content->get_array()) read_part(part);
  } else {
    read_part(*content);
  }
}

int CountArray(const json::value* v) {
  return v != nullptr && v->is_array() ? static_cast<int>(v->get_array().size()) : 0;
}

// One chat message object (OpenAI or Anthropic shape): role, content, tool calls.
Message ReadMessage(const json::object& o, std::vector<std::string>* image_urls) {
  Message m;
  m.role = ToLower(Trim(Str(o.if_contains("role"))));
  ReadContent(o.if_contains("content"), m, image_urls);
  m.tool_call_count += CountArray(o.if_contains("tool_calls"));
  m.is_tool_result = m.is_tool_result || m.role == "tool";
  return m;
}

std::optional<std::string> ReadModelAndStream(const json::object& body, Request& out) {
  const json::value* model = body.if_contains("model");
  if (model == nullptr || !model->is_string()) {
    return "invalid request body: missing required field: model";
  }
  out.model = std::string(model->get_string());
  const json::value* stream = body.if_contains("stream");
  out.stream = stream != nullptr && stream->is_bool() && stream->get_bool();
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ParseChatCompletions(const json::object& body, Request& out) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) return "messages field is required";
  if (!messages->is_array()) return "messages field must be an array";
  if (auto err = ReadModelAndStream(body, out)) return err;
  for (const json::value& item : messages->get_array()) {
    if (item.is_object()) out.messages.push_back(ReadMessage(item.get_object(), &out.image_urls));
  }
  out.tool_definitions =
      CountArray(body.if_contains("tools")) + CountArray(body.if_contains("functions"));
  DeriveTextViews(out);
  return std::nullopt;
}

std::optional<std::string> ParseResponses(const json::object& body, Request& out) {
  if (auto err = ReadModelAndStream(body, out)) return err;
  if (std::string instructions = Str(body.if_contains("instructions")); !instructions.empty()) {
    Message system{"system", ""};
    Append(system.text, instructions);
    out.messages.push_back(std::move(system));
  }
  const json::value* input = body.if_contains("input");
  if (input == nullptr) return "input field is required";
  if (input->is_string()) {
    Message m{"user", ""};
    Append(m.text, input->get_string());
    out.messages.push_back(std::move(m));
  } else if (input->is_array()) {
    for (const json::value& item : input->get_array()) {
      if (!item.is_object()) continue;
      const json::object& o = item.get_object();
      const std::string type = Str(o.if_contains("type"));
      Message m;
      if (type == "function_call") {
        m.role = "assistant";
        m.tool_call_count = 1;
      } else if (type == "function_call_output") {
        m.role = "tool";
        m.is_tool_result = true;
        Append(m.text, Str(o.if_contains("output")));
      } else {
        m.role = ToLower(Trim(Str(o.if_contains("role"))));
        if (m.role.empty()) m.role = "user";
        ReadContent(o.if_contains("content"), m, &out.image_urls);
      }
      out.messages.push_back(std::move(m));
    }
  } else {
    return "input must be a string or an array of input items";
  }
  out.tool_definitions = CountArray(body.if_contains("tools"));
  DeriveTextViews(out);
  return std::nullopt;
}

std::optional<std::string> ParseAnthropicMessages(const json::object& body, Request& out) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) return "messages: Field required";
  if (!messages->is_array()) return "messages: Input should be a valid list";
  if (ReadModelAndStream(body, out)) return "model: Field required";
  if (const json::value* system = body.if_contains("system")) {
    Message m{"system", ""};
    ReadContent(system, m, nullptr);
    if (!m.text.empty()) out.messages.push_back(std::move(m));
  }
  for (const json::value& item : messages->get_array()) {
    if (!item.is_object()) continue;
    Message m = ReadMessage(item.get_object(), &out.image_urls);
    // Anthropic carries tool results as user messages made of tool_result blocks.
    if (m.role == "user" && m.is_tool_result && m.text.empty()) m.role = "tool";
    out.messages.push_back(std::move(m));
  }
  out.tool_definitions = CountArray(body.if_contains("tools"));
  DeriveTextViews(out);
  return std::nullopt;
}

std::optional<std::string> ParseEvalInput(const json::object& body, Request& out) {
  if (const json::value* messages = body.if_contains("messages");
      messages && messages->is_array()) {
    for (const json::value& item : messages->get_array()) {
      if (item.is_object()) out.messages.push_back(ReadMessage(item.get_object(), nullptr));
    }
    DeriveTextViews(out);
    if (!Trim(out.evaluation_text).empty()) return std::nullopt;
    out = Request{};
  }
  const std::string text(Trim(Str(body.if_contains("text"))));
  if (text.empty()) return "text cannot be empty";
  out = FromText(text);
  return std::nullopt;
}

}  // namespace vsr::request
