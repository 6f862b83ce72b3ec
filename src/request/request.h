// One normalized request, whatever API it arrived through (OpenAI chat completions, OpenAI
// Responses, Anthropic messages, the router's eval API). Text views are derived once, here,
// so every signal reads the same strings.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::request {

struct Message {
  std::string role;         // lower-cased: user, assistant, system, developer, tool
  std::string text;         // text parts joined by a space, trimmed
  int image_count = 0;      // image parts (image_url, input_image, Anthropic image blocks)
  int tool_call_count = 0;  // assistant tool calls carried by this message
  bool is_tool_result = false;
};

// Counts the conversation signal reads (upstream's ConversationFacts).
struct ConversationFacts {
  bool has_developer_message = false;
  int user_messages = 0;
  int assistant_messages = 0;
  int system_messages = 0;
  int tool_messages = 0;
  int tool_definitions = 0;
  int assistant_tool_calls = 0;
  int completed_tool_cycles = 0;  // assistant tool call answered by a tool result
};

struct Request {
  std::string model;
  bool stream = false;
  std::vector<Message> messages;
  int tool_definitions = 0;
  std::vector<std::string> image_urls;
  std::map<std::string, std::string> headers;  // lower-cased names

  // Derived by DeriveTextViews (upstream's signal inputs).
  std::string current_user_text;                 // the last user message
  std::vector<std::string> prior_user_messages;  // earlier user messages, oldest first
  std::vector<std::string> non_user_messages;    // system and assistant messages
  std::string evaluation_text;                   // what text signals read
  std::string evaluation_text_lower;             // the same, lower-cased once for every signal
  std::string context_text;                      // what the context signal counts
  bool has_assistant_reply = false;
  ConversationFacts facts;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The header named in config (any case: authz.identity.user_id_header...), trimmed.
  std::string ConfiguredHeader(std::string_view name) const;
};

// Fills the derived views from `messages` (call after any change to them).
void DeriveTextViews(Request& r);

// A request built from plain text (eval's `text`, `vllm-sr eval --prompt`).
Request FromText(const std::string& text);

}  // namespace vsr::request
