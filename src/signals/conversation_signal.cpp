// Conversation shape (upstream classifier_signal_conversation.go): counts of messages by role,
// tool definitions, assistant tool calls and completed tool cycles, compared with a predicate.
#include "signals/families.h"
#include "signals/predicate.h"

namespace vsr::signals {
namespace {

int MessagesWithRole(const std::string& role, const request::ConversationFacts& f) {
  const int developer = f.has_developer_message ? 1 : 0;
  if (role == "user") return f.user_messages;
  if (role == "assistant") return f.assistant_messages;
  if (role == "system") return f.system_messages;
  if (role == "developer") return developer;
  if (role == "tool") return f.tool_messages;
  if (role == "non_user")
    return f.assistant_messages + f.system_messages + f.tool_messages + developer;
  if (role.empty()) {
    return f.user_messages + f.assistant_messages + f.system_messages + f.tool_messages + developer;
  }
  return 0;
}

int RawCount(const config::ConversationSignal& s, const request::ConversationFacts& f) {
  const std::string& type = s.source.type;
  if (type == "message") return MessagesWithRole(s.source.role, f);
  if (type == "tool_definition") return f.tool_definitions;
  if (type == "assistant_tool_call") return f.assistant_tool_calls;
  if (type == "assistant_tool_cycle") return f.completed_tool_cycles;
  return 0;
}

class ConversationSignal final : public Signal {
 public:
  explicit ConversationSignal(std::vector<config::ConversationSignal> rules)
      : rules_(std::move(rules)) {}
  Family family() const override { return Family::kConversation; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    out.confidence = 1.0;
    for (const auto& r : rules_) {
      const int raw = RawCount(r, request.facts);
      const bool exists = r.feature_type == "exists";
      const double value = exists ? (raw > 0 ? 1.0 : 0.0) : raw;
      // exists: any; count without predicate: always (upstream); else the predicate.
      const bool matched =
          exists ? value > 0
                 : !r.predicate || r.predicate->empty() || PredicateHolds(value, *r.predicate);
      if (!matched) continue;
      const std::string key = "conversation:" + r.name;
      out.matched.push_back(r.name);
      out.confidences[key] = 1.0;
      out.values[key] = value;
    }
  }

 private:
  std::vector<config::ConversationSignal> rules_;
};

}  // namespace

std::unique_ptr<Signal> MakeConversationSignal(const config::Config& c, std::string&) {
  return std::make_unique<ConversationSignal>(c.routing.signals.conversation);
}

}  // namespace vsr::signals
