// POSTs to one HTTP endpoint over a kept-alive connection (synchronous; one caller thread), for
// senders that post often to the same place — the trace exporter. A connection the server
// closed is replaced once, transparently.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "server/http_client.h"

namespace vsr::server {

class HttpPoster {
 public:
  HttpPoster();
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // A body of the given Content-Type to an http:// URL; the status and body of the answer, or
  // a failure. The body is sent from where it is (not copied).
  HttpResult Post(const std::string& url, std::string_view body, std::string_view content_type,
                  std::chrono::milliseconds timeout);

 private:
  struct Connection;
  HttpResult Attempt(const ParsedUrl& url, std::string_view body, std::string_view content_type,
                     std::chrono::milliseconds timeout, bool& reused);
  std::unique_ptr<Connection> conn_;
};

}  // namespace vsr::server
