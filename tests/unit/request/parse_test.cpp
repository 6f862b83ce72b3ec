// Request normalization: every API shape becomes the same Request and the same text views.
#include "request/parse.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace vsr::request {
namespace {

boost::json::object Body(const char* text) {
  return boost::json::parse(text).as_object();
}

TEST(ParseTest, ChatCompletionsTextViewsFollowUpstream) {
  Request r;
  ASSERT_FALSE(ParseChatCompletions(Body(R"({"model": "MoM", "stream": true, "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "first question"},
      {"role": "assistant", "content": "an answer"},
      {"role": "user", "content": [{"type": "text", "text": "second"},
                                   {"type": "image_url", "image_url": {"url": "http://x/a.png"}},
                                   {"type": "text", "text": "question"}]}]})"),
                                    r));
  EXPECT_EQ(r.model, "MoM");
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.current_user_text, "second question");
  EXPECT_EQ(r.evaluation_text, "second question");
  EXPECT_EQ(r.prior_user_messages, std::vector<std::string>{"first question"});
  EXPECT_EQ(r.non_user_messages, (std::vector<std::string>{"Be brief.", "an answer"}));
  EXPECT_EQ(r.context_text, "Be brief. an answer second question");
  EXPECT_TRUE(r.has_assistant_reply);
  EXPECT_EQ(r.image_urls, std::vector<std::string>{"http://x/a.png"});
  EXPECT_EQ(r.facts.user_messages, 2);
  EXPECT_EQ(r.facts.system_messages, 1);
}

TEST(ParseTest, ChatCompletionsErrorsUseUpstreamWords) {
  Request r;
  EXPECT_EQ(ParseChatCompletions(Body(R"({"model": "m"})"), r), "messages field is required");
  EXPECT_EQ(ParseChatCompletions(Body(R"({"model": "m", "messages": {}})"), r),
            "messages field must be an array");
  EXPECT_EQ(ParseChatCompletions(Body(R"({"messages": []})"), r),
            "invalid request body: missing required field: model");
}

TEST(ParseTest, ToolsAndToolCyclesAreCounted) {
  Request r;
  ASSERT_FALSE(ParseChatCompletions(Body(R"({"model": "m",
      "tools": [{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "g"}}],
      "messages": [{"role": "user", "content": "weather?"},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "1"}]},
                   {"role": "tool", "tool_call_id": "1", "content": "sunny"},
                   {"role": "developer", "content": "dev note"}]})"),
                                    r));
  EXPECT_EQ(r.facts.tool_definitions, 2);
  EXPECT_EQ(r.facts.assistant_tool_calls, 1);
  EXPECT_EQ(r.facts.completed_tool_cycles, 1);
  EXPECT_EQ(r.facts.tool_messages, 1);
  EXPECT_TRUE(r.facts.has_developer_message);
  EXPECT_EQ(r.evaluation_text, "weather?");
}

TEST(ParseTest, ResponsesApiInputStringAndItems) {
  Request a;
  ASSERT_FALSE(
      ParseResponses(Body(R"({"model": "m", "instructions": "sys", "input": "hello there"})"), a));
  EXPECT_EQ(a.current_user_text, "hello there");
  EXPECT_EQ(a.non_user_messages, std::vector<std::string>{"sys"});
  Request b;
  ASSERT_FALSE(ParseResponses(Body(R"({"model": "m", "input": [
      {"role": "user", "content": [{"type": "input_text", "text": "look"}, {"type": "input_image", "image_url": "u"}]},
      {"type": "function_call", "name": "f"}, {"type": "function_call_output", "output": "42"}]})"),
                              b));
  EXPECT_EQ(b.current_user_text, "look");
  EXPECT_EQ(b.messages[0].image_count, 1);
  EXPECT_EQ(b.facts.completed_tool_cycles, 1);
}

TEST(ParseTest, AnthropicMessagesSystemAndToolResults) {
  Request r;
  ASSERT_FALSE(ParseAnthropicMessages(
      Body(R"({"model": "claude", "system": [{"type": "text", "text": "You help."}],
      "messages": [{"role": "user", "content": "What is 2+2?"},
                   {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "calc", "input": {}}]},
                   {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "4"}]}]})"),
      r));
  EXPECT_EQ(r.current_user_text, "What is 2+2?");  // a tool result is not the user's words
  EXPECT_EQ(r.non_user_messages, std::vector<std::string>{"You help."});
  EXPECT_EQ(r.facts.assistant_tool_calls, 1);
  EXPECT_EQ(r.facts.completed_tool_cycles, 1);
}

TEST(ParseTest, EvalInputMessagesWinOverTextAndEmptyTextIsAnError) {
  Request r;
  ASSERT_FALSE(ParseEvalInput(
      Body(
          R"({"text": "ignored", "messages": [{"role": "user", "content": {"type": "text", "text": "used"}}]})"),
      r));
  EXPECT_EQ(r.evaluation_text, "used");
  Request t;
  ASSERT_FALSE(ParseEvalInput(
      Body(R"({"text": "  just text  ", "messages": [{"role": "user", "content": ""}]})"), t));
  EXPECT_EQ(t.evaluation_text, "just text");
  Request e;
  EXPECT_EQ(ParseEvalInput(Body(R"({"text": "   "})"), e), "text cannot be empty");
  // Only system text: it becomes the evaluation text.
  Request s;
  ASSERT_FALSE(
      ParseEvalInput(Body(R"({"messages": [{"role": "system", "content": "sys only"}]})"), s));
  EXPECT_EQ(s.evaluation_text, "sys only");
}

}  // namespace
}  // namespace vsr::request
