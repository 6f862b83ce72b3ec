// The response side of one request, for handlers that answer asynchronously or stream (the
// data plane, the simulator). A handler either calls Respond once, or BeginStream, Write any
// number of times and EndStream. Every call returns false once the client is gone; a handler
// that sees false stops (and so cancels whatever it was reading from upstream).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http_types.h"

namespace vsr::server {

class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  // Arguments are taken by reference and consumed before the first suspension. (By-value
  // coroutine parameters built from temporaries are destroyed twice by GCC 12.)
  virtual boost::asio::awaitable<bool> Respond(const HttpResponse& response) = 0;
  // Sends the status line and headers; the body follows in chunks (chunked transfer encoding).
  virtual boost::asio::awaitable<bool> BeginStream(int status, const std::string& content_type,
                                                   const HeaderList& headers) = 0;
  virtual boost::asio::awaitable<bool> Write(std::string_view data) = 0;
  virtual boost::asio::awaitable<bool> EndStream() = 0;
  virtual bool started() const = 0;  // a response (or its head) has been sent
  virtual boost::asio::any_io_executor executor() = 0;
  // Calls `on_hangup` (on executor()) if the client closes the connection before the response
  // is complete, so the handler can drop what it asked upstream. At most once; the watch ends
  // with the exchange. Exchanges that cannot tell never call it.
  virtual void WatchHangup(std::function<void()> on_hangup) { (void)on_hangup; }
};

using AsyncHttpHandler =
    std::function<boost::asio::awaitable<void>(const HttpRequest&, HttpExchange&)>;

}  // namespace vsr::server
