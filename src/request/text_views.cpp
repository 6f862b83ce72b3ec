// Which text each signal reads follows upstream's intent_request_messages.go: the last user
// message is the evaluation text; system and assistant messages are "non-user" context; the
// context signal counts non-user messages plus the current user message.
#include "common/strings.h"
#include "common/utf8.h"
#include "request/request.h"

namespace vsr::request {

void DeriveTextViews(Request& r) {
  r.current_user_text.clear();
  r.prior_user_messages.clear();
  r.non_user_messages.clear();
  r.has_assistant_reply = false;
  ConversationFacts f;
  f.tool_definitions = r.tool_definitions;
  bool pending_tool_call = false;
  for (const Message& m : r.messages) {
    if (m.role == "user") {
      ++f.user_messages;
    } else if (m.role == "assistant") {
      ++f.assistant_messages;
      f.assistant_tool_calls += m.tool_call_count;
      pending_tool_call = pending_tool_call || m.tool_call_count > 0;
    } else if (m.role == "system") {
      ++f.system_messages;
    } else if (m.role == "developer") {
      f.has_developer_message = true;
    } else if (m.role == "tool") {
      ++f.tool_messages;
    }
    if (m.is_tool_result && pending_tool_call) {
      ++f.completed_tool_cycles;
      pending_tool_call = false;
    }
    if (m.text.empty()) continue;
    if (m.role == "user") {
      if (!r.current_user_text.empty()) r.prior_user_messages.push_back(r.current_user_text);
      r.current_user_text = m.text;
    } else if (m.role == "system" || m.role == "assistant") {
      r.non_user_messages.push_back(m.text);
      r.has_assistant_reply = r.has_assistant_reply || m.role == "assistant";
    }
  }
  r.facts = f;
  r.evaluation_text = r.current_user_text;
  if (r.evaluation_text.empty()) {
    r.evaluation_text = Join(r.non_user_messages, " ");
    r.context_text = r.evaluation_text;
  } else if (!r.non_user_messages.empty()) {
    r.context_text = Join(r.non_user_messages, " ") + " " + r.current_user_text;
  } else {
    r.context_text = r.current_user_text;
  }
  r.evaluation_text_lower = utf8::ToLower(r.evaluation_text);
}

Request FromText(const std::string& text) {
  Request r;
  r.messages.push_back({"user", text, 0, 0, false});
  DeriveTextViews(r);
  return r;
}

std::string Request::ConfiguredHeader(std::string_view name) const {
  return std::string(Trim(Header(ToLower(name))));
}

}  // namespace vsr::request
