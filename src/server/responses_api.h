// The OpenAI Responses API on the data plane (POST /v1/responses, GET/DELETE
// /v1/responses/{id}, GET /v1/responses/{id}/input_items), as upstream serves it: a Responses
// request becomes a chat completion for the backend, and the answer (whole or streamed) comes
// back as a Response object / Responses stream events. Responses are kept in a ResponseStore
// (response_store.h) so previous_response_id can continue a conversation.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/format_translation.h"
#include "server/response_store.h"

namespace vsr::server {

std::string NewResponseId();  // resp_<24 hex>

// Responses request -> chat completions request. `history` is the stored conversation of
// previous_response_id (its messages come first). Empty `error` on success.
boost::json::object ResponsesToChatRequest(const boost::json::object& request,
                                           const boost::json::array* history, std::string& error);
// The chat messages the request adds (for the store): history + new input.
boost::json::array ChatMessagesOf(const boost::json::object& chat_request);

// A chat completion -> a Response object.
boost::json::object ChatToResponse(const boost::json::object& chat,
                                   const boost::json::object& request,
                                   const std::string& response_id,
                                   const std::string& previous_response_id);

// The assistant turn of a Response as a chat message, for the stored conversation: its text,
// and its function calls as tool_calls (content null when there is no text), so a follow-up
// with function_call_output items reaches the backend after the calls it answers.
boost::json::object AssistantMessageOf(const boost::json::object& response);

// Chat completion chunks -> Responses stream events. `Completed()` is the final Response once
// the stream ended (for the store).
class ResponsesStreamTranslator : public SseEventTranslator {
 public:
  virtual const boost::json::object& Completed() const = 0;
};
std::unique_ptr<ResponsesStreamTranslator> ChatToResponsesStream(
    const boost::json::object& request, const std::string& response_id,
    const std::string& previous_response_id);

}  // namespace vsr::server
