// Writing to a plain TCP socket without a scheduler round when the socket can take the bytes
// at once, which is nearly always (a response, a request to a backend, an SSE chunk fit the
// socket buffer). An asynchronous write that completes at once still posts its completion,
// and each posted completion costs the I/O thread an epoll_wait syscall: two thirds of a
// streamed answer's syscalls before this. Only what the socket does not take is written
// asynchronously.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <tuple>

namespace vsr::server {

template <typename Buffers>
boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> WriteAll(
    boost::asio::ip::tcp::socket& socket, const Buffers& buffers) {
  namespace asio = boost::asio;
  const std::size_t total = asio::buffer_size(buffers);
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  boost::beast::buffers_suffix<Buffers> rest(buffers);
  std::size_t written = 0;
  while (!ec && written < total) {
    const std::size_t n = socket.write_some(rest, ec);
    rest.consume(n);
    written += n;
  }
  if (written == total) co_return std::tuple{boost::system::error_code{}, total};
  if (ec != asio::error::would_block && ec != asio::error::try_again) {
    co_return std::tuple{ec, written};
  }
  auto [async_ec, n] =
      co_await asio::async_write(socket, rest, asio::as_tuple(asio::use_awaitable));
  co_return std::tuple{async_ec, written + n};
}

}  // namespace vsr::server
