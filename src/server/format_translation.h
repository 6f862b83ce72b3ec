// OpenAI chat completions <-> Anthropic messages, both directions, for requests, whole
// responses, errors and streams. Used when a client speaks one format and the chosen model's
// provider (`api_format`) the other.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/sse.h"

namespace vsr::server {

boost::json::object OpenAiToAnthropicRequest(const boost::json::object& openai);
boost::json::object AnthropicToOpenAiRequest(const boost::json::object& anthropic);

boost::json::object AnthropicToOpenAiResponse(const boost::json::object& anthropic);
boost::json::object OpenAiToAnthropicResponse(const boost::json::object& openai);

// The tool calls of an OpenAI chat message, or the pieces of them in a stream delta: each
// entry's call (its `index`, else its position in the list), its id, and its function's name and
// arguments. In a stream the id and name come with a call's first piece, the arguments in pieces.
struct ToolCallFields {
  int64_t index = 0;
  std::string id;
  std::string name;
  std::string arguments;
};
std::vector<ToolCallFields> ToolCallsOf(const boost::json::object& message_or_delta);

// A chat message's or stream delta's reasoning text: vLLM's reasoning parsers write
// reasoning_content (newer releases `reasoning`). Anthropic thinking blocks and Responses
// reasoning items carry it, as upstream's translators do.
std::string ReasoningText(const boost::json::object& message_or_delta);

// A backend error body in the other format's envelope (the status stays).
std::string TranslateErrorBody(std::string_view body, int status, bool to_anthropic);

// Rewrites an SSE stream event by event. Feed returns the translated bytes for a piece of the
// backend's stream (possibly empty while an event is incomplete); Finish flushes the end.
class StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;
  virtual std::string Feed(std::string_view piece) = 0;
  virtual std::string Finish() = 0;
};

// The common shape of our translators: split the backend's stream into SSE events, parse each
// event's JSON once, emit new events per event, and close the stream once — at `data: [DONE]`,
// at the translator's own end event, or when the backend stops. Events that are not JSON
// objects (comments, keep-alives) are skipped.
class SseEventTranslator : public StreamTranslator {
 public:
  std::string Feed(std::string_view piece) final;
  std::string Finish() final;

 protected:
  // `event` is the SSE event name ("" when the stream does not name events, as OpenAI's).
  virtual void Event(std::string_view event, const boost::json::object& data, std::string& out) = 0;
  virtual void Done(std::string& out) = 0;  // must set done_
  bool done_ = false;

 private:
  SseParser parser_;
};

// Anthropic events -> OpenAI chunks; `include_usage`: the client asked for a usage chunk.
std::unique_ptr<StreamTranslator> AnthropicToOpenAiStream(bool include_usage);
// OpenAI chunks -> Anthropic events.
std::unique_ptr<StreamTranslator> OpenAiToAnthropicStream();

}  // namespace vsr::server
