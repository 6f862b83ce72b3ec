// OpenAI chat completions <-> Anthropic messages, both directions, for requests, whole
// responses, errors and streams. Used when a client speaks one format and the chosen model's
// provider (`api_format`) the other.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace vsr::server {

boost::json::object OpenAiToAnthropicRequest(const boost::json::object& openai);
boost::json::object AnthropicToOpenAiRequest(const boost::json::object& anthropic);

boost::json::object AnthropicToOpenAiResponse(const boost::json::object& anthropic);
boost::json::object OpenAiToAnthropicResponse(const boost::json::object& openai);

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

// Anthropic events -> OpenAI chunks; `include_usage`: the client asked for a usage chunk.
std::unique_ptr<StreamTranslator> AnthropicToOpenAiStream(bool include_usage);
// OpenAI chunks -> Anthropic events.
std::unique_ptr<StreamTranslator> OpenAiToAnthropicStream();

}  // namespace vsr::server
