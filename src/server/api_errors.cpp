#include "server/api_errors.h"

#include <boost/json.hpp>

#include "common/json_text.h"

namespace vsr::server {

namespace json = boost::json;

std::string ErrorTypeForStatus(int status, bool anthropic) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return anthropic ? "not_found_error" : "invalid_request_error";
    case 413:
      return anthropic ? "request_too_large" : "invalid_request_error";
    case 429:
      return "rate_limit_error";
    case 502:
    case 503:
    case 504:
      return anthropic ? "overloaded_error" : "server_error";
    default:
      if (status >= 500) return anthropic ? "api_error" : "server_error";
      return "invalid_request_error";
  }
}

HttpResponse OpenAiError(int status, const std::string& message) {
  json::object error{
      {"message", message}, {"type", ErrorTypeForStatus(status, false)}, {"code", status}};
  return HttpResponse{status, "application/json", CompactJson(json::object{{"error", error}}), {}};
}

HttpResponse AnthropicError(int status, const std::string& message) {
  json::object error{{"type", ErrorTypeForStatus(status, true)}, {"message", message}};
  return HttpResponse{status,
                      "application/json",
                      CompactJson(json::object{{"type", "error"}, {"error", error}}),
                      {}};
}

}  // namespace vsr::server
