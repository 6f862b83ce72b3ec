// Parsing what a connection has already received, without waiting for more: a request's body
// that came with its head, a backend's SSE events that came several per segment. An async
// read would give the same bytes after a trip through the I/O machinery; Beast's eager mode
// would parse them inside the read, but then also waits for the CRLF that ends a chunk when it
// has not arrived yet, holding back each event of a paced stream until the next one comes.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace vsr::server {

// Feeds `buffer` to `parser` until the message is done or needs bytes not received yet (not an
// error); consumed bytes leave the buffer. Returns a parse error, if any.
template <bool kIsRequest>
boost::beast::error_code ParseBuffered(boost::beast::http::basic_parser<kIsRequest>& parser,
                                       boost::beast::flat_buffer& buffer) {
  boost::beast::error_code ec;
  while (!parser.is_done() && buffer.size() > 0) {
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) return {};
    if (ec || used == 0) break;
  }
  return ec;
}

}  // namespace vsr::server
