// WriteAll: bytes go out whole and in order whether the socket takes them at once or only
// after the peer reads (the asynchronous rest), and a closed peer is an error.
#include "server/socket_write.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

namespace vsr::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct SocketPair {
  asio::io_context io;
  tcp::socket writer{io}, reader{io};
  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

TEST(WriteAll, SmallWriteOfSeveralBuffersArrivesWhole) {
  SocketPair p;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = "hello";
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  boost::system::error_code ec;
  size_t n = 0;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> { std::tie(ec, n) = co_await WriteAll(p.writer, buffers); },
      asio::detached);
  p.io.run_for(std::chrono::seconds(5));
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(n, head.size() + body.size());
  std::string got(n, '\0');
  asio::read(p.reader, asio::buffer(got));
  EXPECT_EQ(got, head + body);
}

TEST(WriteAll, WhatTheSocketCannotTakeAtOnceFollowsAsTheReaderReads) {
  SocketPair p;
  p.writer.set_option(asio::socket_base::send_buffer_size(16384));
  p.reader.set_option(asio::socket_base::receive_buffer_size(16384));
  const std::string a = Pattern(3 << 20), b = Pattern(1 << 20);  // far more than the buffers
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(a), asio::buffer(b)};
  boost::system::error_code ec;
  size_t n = 0;
  bool done = false;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        std::tie(ec, n) = co_await WriteAll(p.writer, buffers);
        done = true;
      },
      asio::detached);
  std::string got(a.size() + b.size(), '\0');
  bool read_done = false;
  // The reader starts late, so the writer must wait for it (the asynchronous rest).
  asio::steady_timer later(p.io, std::chrono::milliseconds(50));
  later.async_wait([&](boost::system::error_code) {
    asio::async_read(p.reader, asio::buffer(got),
                     [&](boost::system::error_code, size_t) { read_done = true; });
  });
  for (int i = 0; i < 200 && !(done && read_done); ++i) {
    p.io.run_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(done && read_done);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(n, a.size() + b.size());
  EXPECT_TRUE(got == a + b) << "bytes lost or out of order";
}

TEST(WriteAll, APeerThatIsGoneIsAnError) {
  SocketPair p;
  p.reader.close();
  const std::string big = Pattern(8 << 20);
  boost::system::error_code ec;
  bool done = false;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        // The first write may still be taken by the kernel; the peer's reset ends the rest.
        for (int i = 0; i < 20 && !ec; ++i)
          std::tie(ec, std::ignore) = co_await WriteAll(p.writer, asio::buffer(big));
        done = true;
      },
      asio::detached);
  for (int i = 0; i < 100 && !done; ++i) p.io.run_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(done);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace vsr::server
