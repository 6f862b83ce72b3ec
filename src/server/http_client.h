// A blocking HTTP/1.1 client for the CLI and tests (plain http, one request per connection).
// `timeout` bounds the whole exchange; `on_body` sees the body as it arrives.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vsr::server {

struct ParsedUrl {
  bool tls = false;  // https
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" at least
};
// http[s]://host[:port][/path]; nullopt for other schemes, a missing host or a bad port.
std::optional<ParsedUrl> ParseWebUrl(const std::string& url);
// The same for plain http:// only (this client speaks no TLS).
std::optional<ParsedUrl> ParseHttpUrl(const std::string& url);

struct HttpResult {
  enum class Failure { kNone, kConnect, kTimeout, kOther };
  Failure failure = Failure::kNone;
  std::string error;  // set when failure != kNone
  int status = 0;
  std::string content_type;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

HttpResult HttpCall(const std::string& method, const std::string& url, const std::string& body,
                    std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& headers = {},
                    const std::function<void(std::string_view)>& on_body = {});

}  // namespace vsr::server
