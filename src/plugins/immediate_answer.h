// Answers the router gives without a backend (fast_response, semantic-cache hits), built the
// way upstream builds them: a chat.completion, or for streaming clients the same text as
// chat.completion.chunk SSE events (one per word, role on the first, a stop chunk, [DONE]).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace vsr::plugins {

// A non-streamed chat.completion with one assistant message and zero usage.
boost::json::object TextCompletion(const std::string& id, int64_t created, const std::string& model,
                                   const std::string& content);

// The SSE form of a chat.completion: its message's content split into word chunks, the other
// message fields (tool_calls, ...) on the first chunk, then the finish chunk (with the usage,
// when the completion has one) and `data: [DONE]`.
std::string CompletionAsSse(const boost::json::object& completion);

}  // namespace vsr::plugins
