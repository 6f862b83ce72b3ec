// The OpenAI Responses API on the data plane (POST /v1/responses, GET/DELETE
// /v1/responses/{id}, GET /v1/responses/{id}/input_items), as upstream serves it: a Responses
// request becomes a chat completion for the backend, and the answer (whole or streamed) comes
// back as a Response object / Responses stream events. Responses are kept in a bounded
// in-memory store so previous_response_id can continue a conversation.
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

#include "config/model_global.h"
#include "server/format_translation.h"

namespace vsr::server {

struct StoredResponse {
  boost::json::object response;  // the Response object returned to the client
  boost::json::array messages;   // the whole conversation as chat messages, answer included
  boost::json::array input_items;
  std::chrono::steady_clock::time_point expires;
};

class ResponseStore {
 public:
  ResponseStore(size_t max_responses, std::chrono::seconds ttl) : max_(max_responses), ttl_(ttl) {}
  void Put(const std::string& id, StoredResponse r);
  std::optional<StoredResponse> Get(const std::string& id);
  bool Delete(const std::string& id);

 private:
  std::mutex mu_;
  size_t max_;
  std::chrono::seconds ttl_;
  std::map<std::string, StoredResponse> items_;
  std::deque<std::string> order_;  // oldest first, for eviction
};

std::string NewResponseId();  // resp_<24 hex>

// What the router logs about where responses are kept, or "" when there is nothing to say:
// the store is in this router's memory, so a configured Redis (store_backend redis with an
// address, upstream's durable store) is not used, and the user should know.
std::string ResponseStoreNote(const config::ResponseApiService& cfg);

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
