// Plain request/response values shared by our HTTP server and client (no Beast types leak).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vsr::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;                          // GET, POST, ...
  std::string target;                          // as sent: path?query
  std::string path;                            // without the query
  std::map<std::string, std::string> query;    // decoded name=value pairs
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
};

}  // namespace vsr::server
