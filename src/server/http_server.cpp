#include "server/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>

#include "common/strings.h"
#include "observability/logger.h"
#include "server/deadline.h"
#include "server/http_wire.h"
#include "server/parse_buffered.h"
#include "server/socket_write.h"

namespace vsr::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool Has100Continue(const HttpRequest& req) {
  const auto it = req.headers.find("expect");
  return it != req.headers.end() && IEquals(Trim(it->second), "100-continue");
}

// Writes `buffers` within `timeout` (the deadline closes the socket otherwise).
template <typename Buffers>
asio::awaitable<bool> TimedWrite(tcp::socket& socket, Deadline& deadline,
                                 std::chrono::seconds timeout, const Buffers& buffers) {
  deadline.Touch(timeout);
  auto [ec, n] = co_await WriteAll(socket, buffers);
  (void)n;
  deadline.Clear();
  co_return !ec;
}

// Reads a request straight into an HttpRequest: header names lower-cased into its map, the
// body appended to its string. Beast's request_parser would keep a field list of its own (an
// allocation per field) and a body to copy out.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest& request) : request_(request) {}
  unsigned version() const { return version_; }

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    version_ = static_cast<unsigned>(version);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_method;  // a request parser never sees a status line
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    request_.headers[ToLower(name)].assign(value.data(), value.size());  // the last one wins
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) request_.body.reserve(static_cast<size_t>(*length));  // within the body limit
  }
  size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  HttpRequest& request_;
  unsigned version_ = 11;
};

// Writes a whole response: its head and its body, as two buffers of one write.
asio::awaitable<bool> WriteWhole(tcp::socket& socket, Deadline& deadline,
                                 std::chrono::seconds timeout, const HttpResponse& r,
                                 unsigned version, bool keep_alive) {
  const std::string head =
      ResponseHead(version, r.status, r.content_type, r.headers, keep_alive, r.body.size());
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head),
      asio::buffer(r.body.data(), ResponseHasBody(r.status) ? r.body.size() : 0)};
  co_return co_await TimedWrite(socket, deadline, timeout, buffers);
}

}  // namespace

void SplitTarget(const std::string& target, std::string& path,
                 std::map<std::string, std::string>& query) {
  const size_t q = target.find('?');
  path = target.substr(0, q);
  if (q == std::string::npos) return;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      query[PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
}

namespace {

// A read of the connection's next bytes, begun while a response is being made: the client's
// hang-up (its FIN) ends it with an error, anything else is the start of its next request and
// stays in the session's buffer. The session then takes that read as the next request's first,
// so watching for a hang-up costs no system call of its own. (Asio's async_wait would: it is not
// speculative, so it re-arms the descriptor with epoll_ctl each time, and its cancellation at
// the end of the response is one more trip through the scheduler.)
struct ReadAhead {
  bool pending = false;  // the read is in flight
  bool done = false;     // it ended; `ec` and `bytes` say how
  beast::error_code ec;
  size_t bytes = 0;
  std::function<void()> on_hangup;               // while a response is being made
  asio::any_completion_handler<void()> on_done;  // the session, waiting for the read
};

// The completion of a read ahead. Dropped unrun (its io_context going away), it drops the
// session waiting for it too: that coroutine holds the read ahead, which holds it, a cycle.
class ReadAheadDone {
 public:
  explicit ReadAheadDone(std::shared_ptr<ReadAhead> ahead) : ahead_(std::move(ahead)) {}
  ReadAheadDone(ReadAheadDone&&) = default;
  ReadAheadDone& operator=(ReadAheadDone&&) = delete;
  ~ReadAheadDone() {
    if (!ahead_) return;  // moved from, or run
    asio::any_completion_handler<void()> dropped;
    dropped.swap(ahead_->on_done);
  }

  void operator()(const beast::error_code& ec, size_t bytes) {
    const std::shared_ptr<ReadAhead> ahead = std::move(ahead_);
    ahead->pending = false;
    ahead->done = true;
    ahead->ec = ec;
    ahead->bytes = bytes;
    if (ec && ec != asio::error::operation_aborted && ahead->on_hangup) {
      const std::function<void()> hangup = std::move(ahead->on_hangup);
      ahead->on_hangup = nullptr;
      hangup();
    }
    if (ahead->on_done) {
      asio::any_completion_handler<void()> resume;
      resume.swap(ahead->on_done);
      std::move(resume)();
    }
  }

 private:
  std::shared_ptr<ReadAhead> ahead_;
};

// One connection's response channel: whole responses, or a head and chunks.
class Exchange final : public HttpExchange {
 public:
  Exchange(tcp::socket& socket, beast::flat_buffer& buffer, const std::shared_ptr<ReadAhead>& ahead,
           Deadline& deadline, unsigned version, bool keep_alive,
           std::chrono::seconds write_timeout)
      : socket_(socket),
        buffer_(buffer),
        ahead_(ahead),
        deadline_(deadline),
        version_(version),
        keep_alive_(keep_alive),
        write_timeout_(write_timeout) {}

  asio::awaitable<bool> Respond(const HttpResponse& response) override {
    if (started_) co_return false;
    started_ = true;
    ok_ = co_await WriteWhole(socket_, deadline_, write_timeout_, response, version_, keep_alive_);
    finished_ = true;
    co_return ok_;
  }

  asio::awaitable<bool> BeginStream(int status, const std::string& content_type,
                                    const HeaderList& headers) override {
    if (started_) co_return false;
    started_ = true;
    streaming_ = true;
    // HTTP/1.0 has no chunked encoding: the body runs until the connection closes.
    chunked_ = version_ != 10;
    if (!chunked_) keep_alive_ = false;
    const std::string head =
        ResponseHead(version_, status, content_type, headers, keep_alive_, chunked_ ? kChunked : 0);
    ok_ = co_await TimedWrite(socket_, deadline_, write_timeout_, asio::buffer(head));
    co_return ok_;
  }

  asio::awaitable<bool> Write(std::string_view data) override {
    if (!streaming_ || !ok_ || finished_) co_return false;
    if (data.empty()) co_return true;  // an empty chunk would end the body
    char size_line[20];
    const size_t size_length = chunked_ ? ChunkSizeLine(data.size(), size_line) : 0;
    const std::array<asio::const_buffer, 3> buffers{asio::buffer(size_line, size_length),
                                                    asio::buffer(data.data(), data.size()),
                                                    asio::buffer("\r\n", chunked_ ? 2 : 0)};
    ok_ = co_await TimedWrite(socket_, deadline_, write_timeout_, buffers);
    co_return ok_;
  }

  asio::awaitable<bool> EndStream() override {
    if (!streaming_ || !ok_ || finished_) co_return false;
    finished_ = true;
    if (!chunked_) co_return ok_;
    ok_ = co_await TimedWrite(socket_, deadline_, write_timeout_, asio::buffer("0\r\n\r\n", 5));
    co_return ok_;
  }

  bool started() const override { return started_; }
  asio::any_io_executor executor() override { return socket_.get_executor(); }

  ~Exchange() override { ahead_->on_hangup = nullptr; }  // the response is over

  void WatchHangup(std::function<void()> on_hangup) override {
    if (ahead_->pending || ahead_->done || finished_) return;  // at most one read ahead
    // A pipelined request already received stays where it is: the buffer must not grow under
    // a read in flight, and the session parses that request next. Its client is not watched.
    if (buffer_.size() > 0) return;
    ahead_->on_hangup = std::move(on_hangup);
    ahead_->pending = true;
    // A FIN that came before the read began still ends it: the read finds the end of stream.
    socket_.async_read_some(buffer_.prepare(kReadAheadBytes), ReadAheadDone{ahead_});
  }

  // The connection can carry another request: the response went out whole.
  bool reusable() const { return ok_ && finished_ && keep_alive_; }

  static constexpr size_t kReadAheadBytes = 4096;

 private:
  tcp::socket& socket_;
  beast::flat_buffer& buffer_;
  const std::shared_ptr<ReadAhead>& ahead_;
  Deadline& deadline_;
  unsigned version_;
  bool keep_alive_;
  std::chrono::seconds write_timeout_;
  bool started_ = false;
  bool streaming_ = false;
  bool chunked_ = true;
  bool finished_ = false;
  bool ok_ = true;
};

// Waits for the read ahead to end (it may have already), then takes its bytes into `buffer`.
// Returns its error: end of stream when the client closed the connection.
asio::awaitable<beast::error_code> FinishReadAhead(ReadAhead& ahead, beast::flat_buffer& buffer) {
  if (ahead.pending) {
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&ahead](auto handler) {
          // Swapped in: Boost 1.81's move assignment wraps the handler in itself, recursively.
          asio::any_completion_handler<void()>(std::move(handler)).swap(ahead.on_done);
        },
        asio::use_awaitable);
  }
  ahead.done = false;
  if (!ahead.ec) buffer.commit(ahead.bytes);
  co_return ahead.ec;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, HttpServerOptions opts, std::vector<HttpLane> l,
       HttpErrorBuilder e)
      : io(io_context),
        options(std::move(opts)),
        lanes(std::move(l)),
        error_builder(std::move(e)),
        acceptor(io_context) {}

  asio::awaitable<void> Accept() {
    auto self = shared_from_this();
    size_t next = 0;
    while (acceptor.is_open()) {
      // Round robin over the lanes. One lane: each connection gets its own strand, so the
      // io_context may run on several threads. Several lanes: each io_context is one thread's.
      const HttpLane& lane = lanes[next++ % lanes.size()];
      const asio::any_io_executor executor_for_socket =
          lanes.size() == 1 ? asio::any_io_executor(asio::make_strand(*lane.io))
                            : asio::any_io_executor(lane.io->get_executor());
      auto [ec, socket] = co_await acceptor.async_accept(executor_for_socket, kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        if (OutOfResources(ec)) co_await PauseAccepting(ec);
        continue;  // keep serving the connections we have
      }
      // Small writes (SSE chunks) go out at once, not after the peer's delayed ACK.
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Session(std::move(socket), lane.handler), asio::detached);
    }
  }

  // Out of file descriptors (or kernel memory), accept fails at once for as long as connections
  // wait in the backlog: retrying straight away spins a core. Like nginx, stop accepting for a
  // moment (connections that close meanwhile free descriptors) and say so, at most every 10 s.
  static bool OutOfResources(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory ||
           (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
  }
  asio::awaitable<void> PauseAccepting(const boost::system::error_code& ec) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_accept_warning >= std::chrono::seconds(10)) {
      last_accept_warning = now;
      beast::error_code ignored;
      const uint16_t port = acceptor.local_endpoint(ignored).port();
      observability::Log(
          observability::LogLevel::kWarn,
          "cannot accept connections: " + ec.message() + "; pausing accept for 100 ms",
          {{"listener", options.address + ":" + std::to_string(port)},
           {"active_requests", std::to_string(active.load())},
           {"fix",
            "raise the open-file limit (VLLM_SR_NOFILE_LIMIT, and the hard limit: "
            "ulimit -Hn)"}});
    }
    asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
    co_await pause.async_wait(kTuple);
  }

  asio::awaitable<void> Session(tcp::socket socket, const AsyncHttpHandler& handler) {
    auto self = shared_from_this();
    // An expired deadline closes the socket: the pending read or write ends with an error.
    Deadline deadline(socket.get_executor(), [&socket] {
      beast::error_code ignored;
      socket.close(ignored);
    });
    // Room for a typical request in one read: an empty Beast buffer reads 512 bytes at a time
    // and never grows past what one read needs, so every request over 512 bytes (a chat with
    // any history; the router's own forwarded requests, which a traceparent takes past 512)
    // took a read per 512 bytes. On the simulator that cost traced streams a third of their
    // throughput when two routers shared it (bench/proxy/observability.sh --together).
    beast::flat_buffer buffer;
    buffer.reserve(4096);
    const auto ahead = std::make_shared<ReadAhead>();
    for (bool first = true; !stopping.load(); first = false) {
      HttpRequest req;
      RequestParser parser(req);
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      deadline.Touch(first ? options.read_timeout : options.idle_timeout);
      beast::error_code ec;
      if (ahead->pending || ahead->done) ec = co_await FinishReadAhead(*ahead, buffer);
      // What came already (a read ahead's bytes, a pipelined request) is parsed first.
      if (!ec) ec = ParseBuffered(parser, buffer);
      if (!ec && !parser.is_header_done()) {
        auto [header_ec, bytes] = co_await http::async_read_header(socket, buffer, parser, kTuple);
        (void)bytes;
        ec = header_ec;
      }
      if (!ec && !parser.is_done()) {
        // A client that asked to be told before sending its body (curl does for big uploads)
        // would otherwise wait a second for our answer, then send it anyway. Over-limit bodies
        // have failed already, with their 413.
        if (parser.version() == 11 && Has100Continue(req)) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          if (!co_await TimedWrite(socket, deadline, std::chrono::seconds(5),
                                   asio::buffer(kContinue.data(), kContinue.size()))) {
            break;
          }
          deadline.Touch(options.read_timeout);
        }
        // The body often came with the head: what has been received first.
        ec = ParseBuffered(parser, buffer);
        if (!ec && !parser.is_done()) {
          auto [body_ec, body_bytes] = co_await http::async_read(socket, buffer, parser, kTuple);
          (void)body_bytes;
          ec = body_ec;
        }
      }
      deadline.Clear();
      if (ec) {
        int status = 0;
        std::string message;
        if (ec == http::error::body_limit) {
          status = 413;
          message =
              "request body exceeds the limit of " + std::to_string(options.body_limit) + " bytes";
        } else if (ec == http::error::header_limit) {
          status = 431;
          message = "request headers exceed the limit of " + std::to_string(options.header_limit) +
                    " bytes";
        } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
          status = 400;
          message = "malformed HTTP request: " + ec.message();
        }
        if (status != 0) {
          co_await WriteWhole(socket, deadline, std::chrono::seconds(5),
                              error_builder(status, message), 11, false);
        }
        break;
      }
      SplitTarget(req.target, req.path, req.query);
      Exchange exchange(socket, buffer, ahead, deadline, parser.version(),
                        parser.keep_alive() && !stopping.load(), options.read_timeout);
      ++active;
      std::string failure;
      try {
        co_await handler(req, exchange);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!exchange.started()) {
        const HttpResponse reply = error_builder(
            500, failure.empty() ? "internal error: no response" : "internal error: " + failure);
        co_await exchange.Respond(reply);
      }
      --active;
      if (!exchange.reusable()) break;
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    // A read ahead still in flight reads into `buffer`, which goes before the socket does: on an
    // io_context run by several threads another one could perform the read in between.
    if (ahead->pending) socket.cancel(ignored);
  }

  asio::io_context& io;
  HttpServerOptions options;
  std::vector<HttpLane> lanes;  // never empty
  HttpErrorBuilder error_builder;
  tcp::acceptor acceptor;
  std::atomic<size_t> active{0};
  std::atomic<bool> stopping{false};
  std::chrono::steady_clock::time_point last_accept_warning{};
};

namespace {

AsyncHttpHandler WrapSync(HttpHandler handler) {
  return [handler = std::move(handler)](const HttpRequest& req,
                                        HttpExchange& exchange) -> asio::awaitable<void> {
    const HttpResponse reply = handler(req);
    co_await exchange.Respond(reply);
  };
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler,
                       HttpErrorBuilder error_builder)
    : HttpServer(io, std::move(options), WrapSync(std::move(handler)), std::move(error_builder)) {}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, AsyncHttpHandler handler,
                       HttpErrorBuilder error_builder)
    : HttpServer(io, std::move(options), std::vector<HttpLane>{{&io, std::move(handler)}},
                 std::move(error_builder)) {}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, std::vector<HttpLane> lanes,
                       HttpErrorBuilder error_builder)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(lanes),
                                   std::move(error_builder))) {}

HttpServer::~HttpServer() {
  Stop();
}

bool HttpServer::Start(std::string& error) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) {
    error = "invalid listen address '" + impl_->options.address + "': " + ec.message();
    return false;
  }
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + impl_->options.address + ":" +
            std::to_string(impl_->options.port) + ": " + ec.message();
    acceptor.close(ec);
    return false;
  }
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  return true;
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

size_t HttpServer::active_requests() const {
  return impl_->active.load();
}

void HttpServer::Stop() {
  beast::error_code ec;
  if (impl_) impl_->stopping = true;
  if (impl_ && impl_->acceptor.is_open()) impl_->acceptor.close(ec);
}

}  // namespace vsr::server
