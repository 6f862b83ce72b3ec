// OpenAI chat completions <-> Anthropic messages, both directions, for requests, whole
// responses, errors and streams. Used when a client speaks one format and the chosen model's
// provider (`api_format`) the other.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "server/sse.h"

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

// The common shape of our translators: parse the backend's SSE events, emit new ones per
// event, and close the stream once (at its end event, or when the backend stops).
class SseEventTranslator : public StreamTranslator {
 public:
  std::string Feed(std::string_view piece) final {
    std::string out;
    for (const SseEvent& e : parser_.Feed(piece)) Event(e, out);
    return out;
  }
  std::string Finish() final {
    std::string out;
    if (!done_) Done(out);
    return out;
  }

 protected:
  virtual void Event(const SseEvent& event, std::string& out) = 0;
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
