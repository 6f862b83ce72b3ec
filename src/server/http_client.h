// A blocking HTTP/1.1 client for the CLI and tests (plain http, one request per connection).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace vsr::server {

struct ParsedUrl {
  std::string host;
  std::string port;
  std::string target;  // path and query, "/" at least
};
// http://host[:port][/path]; nullopt for anything else (https, missing host, bad port).
std::optional<ParsedUrl> ParseHttpUrl(const std::string& url);

struct HttpResult {
  enum class Failure { kNone, kConnect, kTimeout, kOther };
  Failure failure = Failure::kNone;
  std::string error;  // set when failure != kNone
  int status = 0;
  std::string content_type;
  std::string body;
};

HttpResult HttpCall(const std::string& method, const std::string& url, const std::string& body,
                    std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& headers = {});

}  // namespace vsr::server
