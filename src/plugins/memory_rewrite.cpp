#include "plugins/memory_rewrite.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/strings.h"
#include "plugins/answer_text.h"
#include "plugins/memory.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

constexpr size_t kHistoryMessages = 5;
constexpr int kDefaultTimeoutSeconds = 5;
constexpr int kDefaultMaxTokens = 512;
constexpr double kDefaultTemperature = 0.1;

constexpr const char* kSystemPrompt =
    "You rewrite the user's latest message so that it can be looked up on its own in a "
    "database of what this user said in earlier conversations.\n"
    "- Use the history only to say what references such as \"it\", \"that\" or \"my budget\" "
    "point to.\n"
    "- Keep a statement a statement and a question a question; keep the user's intent.\n"
    "- Add no fact the history does not state, and copy names and numbers exactly.\n"
    "- Keep constraints the user stated (must use, cannot use) when the message depends on "
    "them.\n"
    "- If the message already stands on its own, return it unchanged.\n"
    "Answer with the rewritten message only, under 50 words: no reasoning, no quotes, no "
    "<think> tags.";

}  // namespace

std::optional<MemoryQueryRewriter> MemoryQueryRewriter::From(
    const std::vector<config::ExternalModel>& external) {
  for (const config::ExternalModel& m : external) {
    if (m.model_role != "memory_rewrite" || m.llm_endpoint.address.empty()) continue;
    MemoryQueryRewriter r;
    r.model_ = m;
    const std::string scheme = m.llm_endpoint.protocol.empty() ? "http" : m.llm_endpoint.protocol;
    r.url_ = scheme + "://" + m.llm_endpoint.address +
             (m.llm_endpoint.port > 0 ? ":" + std::to_string(m.llm_endpoint.port) : "") +
             "/v1/chat/completions";
    return r;
  }
  return std::nullopt;
}

std::string MemoryRewritePrompt(const std::vector<request::Message>& messages,
                                const std::string& query) {
  std::vector<std::string> lines;
  for (const request::Message& m : messages) {
    if (m.role == "system" || m.role == "developer" || m.text.empty()) continue;
    lines.push_back("[" + m.role + "]: " + m.text);
  }
  if (lines.size() > kHistoryMessages) {
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(kHistoryMessages));
  }
  const std::string history = lines.empty() ? "(no previous conversation)" : Join(lines, "\n");
  return "History:\n" + history + "\n\nQuery: " + query + "\n\nRewritten query:";
}

OutboundCall MemoryQueryRewriter::Call(const std::vector<request::Message>& messages,
                                       const std::string& query) const {
  OutboundCall call;
  call.url = url_;
  if (!model_.access_key.empty()) {
    call.headers.emplace_back("authorization", "Bearer " + model_.access_key);
  }
  json::object body{
      {"model", model_.llm_model_name},
      {"messages", json::array{json::object{{"role", "system"}, {"content", kSystemPrompt}},
                               json::object{{"role", "user"},
                                            {"content", MemoryRewritePrompt(messages, query)}}}},
      {"max_tokens", model_.max_tokens > 0 ? model_.max_tokens : kDefaultMaxTokens},
      {"temperature", model_.temperature > 0 ? model_.temperature : kDefaultTemperature},
      {"stream", false}};
  call.body = CompactJson(body);
  call.timeout = std::chrono::seconds(model_.llm_timeout_seconds > 0 ? model_.llm_timeout_seconds
                                                                     : kDefaultTimeoutSeconds);
  call.max_reply_bytes = 256 * 1024;  // a query, not an essay
  return call;
}

std::string MemoryQueryRewriter::ReadReply(const OutboundReply& reply, std::string& error) {
  if (reply.status == 0) {
    error = reply.error.empty() ? "no reply" : reply.error;
    return "";
  }
  if (reply.status != 200) {
    error = "status " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200);
    return "";
  }
  std::string text = StripThinkTags(AssistantText(reply.body));
  const size_t first = text.find_first_not_of("\"'");
  const size_t last = text.find_last_not_of("\"'");
  text = first == std::string::npos ? "" : std::string(Trim(text.substr(first, last - first + 1)));
  if (text.empty()) error = "the reply has no rewritten query";
  return text;
}

}  // namespace vsr::plugins
