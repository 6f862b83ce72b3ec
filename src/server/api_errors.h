// Error bodies in the client's API format, as the data plane and the simulator send them.
#pragma once

#include <string>

#include "server/http_types.h"

namespace vsr::server {

// OpenAI style, upstream's data-path envelope:
// {"error":{"message":"...","type":"invalid_request_error","code":400}}
HttpResponse OpenAiError(int status, const std::string& message);
// Anthropic style: {"type":"error","error":{"type":"invalid_request_error","message":"..."}}
HttpResponse AnthropicError(int status, const std::string& message);
// The OpenAI/Anthropic error `type` for an HTTP status.
std::string ErrorTypeForStatus(int status, bool anthropic);

}  // namespace vsr::server
