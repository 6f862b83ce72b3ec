// OpenAI <-> Anthropic translation with known inputs: system prompts, tool definitions, tool
// calls and results, stop reasons, usage, and streams cut at arbitrary byte boundaries.
#include "server/format_translation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/responses_api.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

json::object Obj(const char* text) {
  return json::parse(text).as_object();
}

TEST(FormatTranslationTest, OpenAiRequestWithToolsBecomesAnthropic) {
  const json::object out = OpenAiToAnthropicRequest(Obj(R"({
    "model": "m", "max_completion_tokens": 50, "stop": "END", "temperature": 0.2,
    "tools": [{"type": "function", "function": {"name": "weather", "description": "d",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "tool_choice": "required",
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": "weather in Paris?"},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]})"));
  EXPECT_EQ(out.at("system"), "be brief");
  EXPECT_EQ(out.at("max_tokens"), 50);
  EXPECT_EQ(out.at("stop_sequences"), json::array{"END"});
  EXPECT_EQ(out.at("tools").as_array()[0].at("name"), "weather");
  EXPECT_EQ(out.at("tools").as_array()[0].at("input_schema").at("type"), "object");
  EXPECT_EQ(out.at("tool_choice").at("type"), "any");
  const json::array& msgs = out.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].at("content").as_array()[0].at("type"), "tool_use");
  EXPECT_EQ(msgs[1].at("content").as_array()[0].at("input").at("city"), "Paris");
  EXPECT_EQ(msgs[2].at("role"), "user");
  EXPECT_EQ(msgs[2].at("content").as_array()[0].at("type"), "tool_result");
  EXPECT_EQ(msgs[2].at("content").as_array()[0].at("tool_use_id"), "call_1");
  // No max_tokens at all: Anthropic requires one.
  EXPECT_EQ(OpenAiToAnthropicRequest(Obj(R"({"messages": []})")).at("max_tokens"), 4096);
}

TEST(FormatTranslationTest, AnthropicRequestBecomesOpenAi) {
  const json::object out = AnthropicToOpenAiRequest(Obj(R"({
    "model": "m", "max_tokens": 10, "system": [{"type": "text", "text": "sys"}],
    "messages": [
      {"role": "user", "content": [{"type": "text", "text": "hi"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAA"}}]},
      {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}]})"));
  const json::array& msgs = out.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].at("role"), "system");
  EXPECT_EQ(msgs[1].at("content").as_array()[1].at("image_url").at("url"),
            "data:image/png;base64,AAA");
  EXPECT_EQ(msgs[2].at("tool_calls").as_array()[0].at("function").at("arguments"), R"({"a":1})");
  EXPECT_EQ(msgs[3].at("role"), "tool");
  EXPECT_EQ(msgs[3].at("tool_call_id"), "t1");
}

TEST(FormatTranslationTest, WholeResponsesKeepTextToolsStopReasonAndUsage) {
  const json::object openai = AnthropicToOpenAiResponse(Obj(R"({
    "id": "msg_1", "model": "claude", "stop_reason": "tool_use",
    "content": [{"type": "text", "text": "let me check"},
                {"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Oslo"}}],
    "usage": {"input_tokens": 7, "output_tokens": 3}})"));
  const json::object& choice = openai.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  EXPECT_EQ(choice.at("message").at("content"), "let me check");
  EXPECT_EQ(choice.at("message").at("tool_calls").as_array()[0].at("function").at("name"),
            "weather");
  EXPECT_EQ(openai.at("usage").at("total_tokens"), 10);

  const json::object anthropic = OpenAiToAnthropicResponse(openai);
  EXPECT_EQ(anthropic.at("stop_reason"), "tool_use");
  EXPECT_EQ(anthropic.at("content").as_array()[1].at("input").at("city"), "Oslo");
  EXPECT_EQ(anthropic.at("usage").at("input_tokens"), 7);
}

TEST(FormatTranslationTest, ErrorsChangeEnvelopeButKeepTheMessage) {
  EXPECT_EQ(
      TranslateErrorBody(R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})",
                         529, false),
      R"({"error":{"message":"busy","type":"server_error","code":529}})");
  EXPECT_EQ(TranslateErrorBody(R"({"error":{"message":"bad key","code":401}})", 401, true),
            R"({"type":"error","error":{"type":"authentication_error","message":"bad key"}})");
}

// Feeds `stream` one byte at a time: events split anywhere must come out whole.
std::string ByteByByte(StreamTranslator& t, const std::string& stream) {
  std::string out;
  for (char c : stream) out += t.Feed(std::string_view(&c, 1));
  return out + t.Finish();
}

TEST(FormatTranslationTest, AnthropicStreamBecomesOpenAiChunks) {
  const std::string in =
      "event: message_start\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":\"c\",\"usage\":{\"input_"
      "tokens\":5}}}\n\n"
      "event: content_block_start\ndata: "
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
      "\"\"}}\n\n"
      "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
      "\"Hi\"}}\n\n"
      "event: content_block_start\ndata: "
      "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
      "\"id\":\"t1\",\"name\":\"f\"}}\n\n"
      "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
      "\"partial_json\":\"{\\\"a\\\":1}\"}}\n\n"
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_"
      "tokens\":4}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  auto t = AnthropicToOpenAiStream(true);
  const std::string out = ByteByByte(*t, in);
  EXPECT_NE(out.find(R"("delta":{"role":"assistant","content":""})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("delta":{"content":"Hi"})"), std::string::npos);
  EXPECT_NE(out.find(R"("id":"t1","type":"function","function":{"name":"f","arguments":""})"),
            std::string::npos);
  EXPECT_NE(out.find(R"("arguments":"{\"a\":1}")"), std::string::npos);
  EXPECT_NE(out.find(R"("finish_reason":"tool_calls")"), std::string::npos);
  EXPECT_NE(out.find(R"("usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9})"),
            std::string::npos);
  EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
}

TEST(FormatTranslationTest, OpenAiStreamBecomesAnthropicEventsEvenWithoutDone) {
  const std::string in =
      "data: "
      "{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
      "\"content\":\"\"}}]}\n\n"
      "data: "
      "{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"
      "\r\n\r\n"
      ": keep-alive comment\n\n"
      "data: "
      "{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},"
      "\"finish_reason\":\"length\"}]}\n\n";
  auto t = OpenAiToAnthropicStream();
  const std::string out = ByteByByte(*t, in);  // the backend stopped without [DONE]
  EXPECT_EQ(out.find("event: message_start"), 0u) << out;
  EXPECT_NE(out.find(R"("delta":{"type":"text_delta","text":"Hel"})"), std::string::npos);
  EXPECT_NE(out.find(R"("delta":{"type":"text_delta","text":"lo"})"), std::string::npos);
  EXPECT_NE(out.find(R"("stop_reason":"max_tokens")"), std::string::npos);
  EXPECT_TRUE(out.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
}

// Reasoning (vLLM's reasoning_content) becomes an Anthropic thinking block ahead of the text,
// and parallel tool calls whose arguments arrive interleaved each get their own tool_use block
// with their own arguments.
TEST(FormatTranslationTest, OpenAiStreamReasoningAndParallelCallsBecomeAnthropicBlocks) {
  const auto chunk = [](const std::string& delta, const char* finish = "null") {
    return "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" + delta +
           ",\"finish_reason\":" + finish + "}]}\n\n";
  };
  const std::string in =
      chunk(R"({"role":"assistant","reasoning_content":"Two cities, "})") +
      chunk(R"({"reasoning_content":"two calls."})") + chunk(R"({"content":"Checking."})") +
      chunk(
          R"({"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"w","arguments":"{\"c\":"}}]})") +
      chunk(
          R"({"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"w","arguments":"{\"c\":"}}]})") +
      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]})") +
      chunk(R"({"tool_calls":[{"index":1,"function":{"arguments":"\"Rome\"}"}}]})") +
      chunk("{}", R"("tool_calls")") + "data: [DONE]\n\n";
  auto t = OpenAiToAnthropicStream();
  const std::string out = ByteByByte(*t, in);
  const auto at = [&](const std::string& s) { return out.find(s); };
  EXPECT_NE(at(R"("index":0,"content_block":{"type":"thinking","thinking":""})"), std::string::npos)
      << out;
  EXPECT_NE(at(R"("index":0,"delta":{"type":"thinking_delta","thinking":"two calls."})"),
            std::string::npos);
  EXPECT_LT(at(R"("type":"content_block_stop","index":0)"),
            at(R"("index":1,"content_block":{"type":"text")"));
  EXPECT_NE(at(R"("index":2,"delta":{"type":"input_json_delta","partial_json":"\"Oslo\"}"})"),
            std::string::npos)
      << out;
  EXPECT_NE(at(R"("index":3,"delta":{"type":"input_json_delta","partial_json":"\"Rome\"}"})"),
            std::string::npos)
      << out;
  EXPECT_LT(at(R"("type":"content_block_stop","index":3)"), at("event: message_delta"));
  EXPECT_NE(at(R"("stop_reason":"tool_use")"), std::string::npos);
}

TEST(FormatTranslationTest, ThinkingAndReasoningContentMapBothWays) {
  auto to_openai = AnthropicToOpenAiStream(false);
  const std::string chunks = ByteByByte(
      *to_openai,
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig\"}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  EXPECT_NE(chunks.find(R"("delta":{"reasoning_content":"hmm"})"), std::string::npos) << chunks;
  EXPECT_EQ(chunks.find("sig"), std::string::npos) << chunks;

  const json::object openai = AnthropicToOpenAiResponse(Obj(R"({"id": "m", "content": [
      {"type": "thinking", "thinking": "hmm", "signature": "sig"}, {"type": "text", "text": "hi"}],
      "stop_reason": "end_turn"})"));
  const json::object& message = openai.at("choices").at(0).at("message").as_object();
  EXPECT_EQ(message.at("reasoning_content"), "hmm");
  EXPECT_EQ(message.at("content"), "hi");
  const json::object anthropic = OpenAiToAnthropicResponse(openai);
  EXPECT_EQ(anthropic.at("content").at(0).at("type"), "thinking");
  EXPECT_EQ(anthropic.at("content").at(0).at("thinking"), "hmm");
  EXPECT_EQ(anthropic.at("content").at(1).at("text"), "hi");
}

TEST(ResponsesApiTest, RequestWithHistoryAndToolOutputsBecomesChat) {
  const json::array history =
      json::parse(
          R"([{"role":"system","content":"old"},{"role":"user","content":"a"},{"role":"assistant","content":"b"}])")
          .as_array();
  std::string error;
  const json::object chat = ResponsesToChatRequest(Obj(R"({
    "model": "MoM", "instructions": "new", "max_output_tokens": 9,
    "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "c"}]},
              {"type": "function_call_output", "call_id": "k", "output": "42"}]})"),
                                                   &history, error);
  ASSERT_TRUE(error.empty());
  const json::array& m = chat.at("messages").as_array();
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].at("content"), "new");  // new instructions replace the stored system message
  EXPECT_EQ(m[1].at("content"), "a");
  EXPECT_EQ(m[3].at("content"), "c");
  EXPECT_EQ(m[4].at("role"), "tool");
  EXPECT_EQ(chat.at("max_tokens"), 9);
  ResponsesToChatRequest(Obj(R"({"model": "m"})"), nullptr, error);
  EXPECT_EQ(error, "input is required");
}

// A streamed chat answer with reasoning, text and two tool calls (arguments in pieces, the second
// call's interleaved with the first's) becomes a reasoning item, a message item and two
// function_call items, each with its added / delta / done events, in the completed response too.
TEST(ResponsesApiTest, AStreamedAnswerKeepsItsToolCalls) {
  const auto chunk = [](const char* delta, const char* finish = "null") {
    return std::string("data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,") +
           "\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  };
  const std::string in =
      chunk(R"({"role":"assistant","reasoning_content":"Two calls."})") +
      chunk(R"({"content":"Checking."})") +
      chunk(R"({"tool_calls":[{"index":0,"id":"call_a","type":"function",)"
            R"("function":{"name":"weather","arguments":"{\"ci"}}]})") +
      chunk(R"({"tool_calls":[{"index":1,"id":"call_b","type":"function",)"
            R"("function":{"name":"time","arguments":""}}]})") +
      chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]})") +
      chunk(R"({"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]})") +
      chunk("{}", R"("tool_calls")") + "data: [DONE]\n\n";
  auto t = ChatToResponsesStream(json::object{{"model", "MoM"}}, "resp_1", "");
  const std::string out = ByteByByte(*t, in);
  const json::array& output = t->Completed().at("output").as_array();
  ASSERT_EQ(output.size(), 4u) << out;
  EXPECT_EQ(output[0].at("type"), "reasoning");
  EXPECT_EQ(output[1].at("type"), "message");
  EXPECT_EQ(output[1].at("content").at(0).at("text"), "Checking.");
  EXPECT_EQ(output[2].at("type"), "function_call");
  EXPECT_EQ(output[2].at("call_id"), "call_a");
  EXPECT_EQ(output[2].at("name"), "weather");
  EXPECT_EQ(output[2].at("arguments"), R"({"city":"Oslo"})");
  EXPECT_EQ(output[3].at("call_id"), "call_b");
  EXPECT_EQ(output[3].at("arguments"), "{}");
  const std::string reasoning = std::string(output[0].at("id").as_string());
  EXPECT_NE(out.find(R"("item_id":")" + reasoning +
                     R"(","output_index":0,"content_index":0,"text":"Two calls.")"),
            std::string::npos)
      << out;
  const std::string fc = std::string(output[2].at("id").as_string());
  EXPECT_EQ(fc.rfind("item_", 0), 0u);  // upstream's prefix for every output item
  EXPECT_NE(out.find(R"("output_index":2,"item":{"type":"function_call","id":")" + fc),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("item_id":")" + fc + R"(","output_index":2,"delta":"ty\":\"Oslo\"}")"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find(R"("item_id":")" + fc + R"(","output_index":2,"arguments":"{\"city\":\"Oslo\"}")"),
      std::string::npos)
      << out;
  EXPECT_LT(out.find("response.function_call_arguments.done"), out.find("response.completed"));
}

// A backend error in the middle of a stream fails the response (response.failed with the
// error) instead of completing it with the text so far.
TEST(ResponsesApiTest, AnErrorMidStreamFailsTheResponse) {
  auto t = ChatToResponsesStream(json::object{{"model", "MoM"}}, "resp_1", "");
  const std::string out = ByteByByte(
      *t,
      "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
      "\"Partial\"}}]}\n\n"
      "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"code\":500}}\n\n"
      "data: [DONE]\n\n");
  EXPECT_NE(out.find("event: response.failed"), std::string::npos) << out;
  EXPECT_EQ(out.find("event: response.completed"), std::string::npos) << out;
  EXPECT_EQ(t->Completed().at("status"), "failed");
  EXPECT_EQ(t->Completed().at("error").at("message"), "Overloaded");
}

}  // namespace
}  // namespace vsr::server
