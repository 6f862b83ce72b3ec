#include "server/upstream_client.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <mutex>
#include <vector>

#include "common/duration.h"
#include "server/deadline.h"
#include "server/http_wire.h"
#include "server/parse_buffered.h"
#include "server/socket_write.h"

namespace vsr::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Reads a backend's response. Unlike Beast's response_parser, it keeps no field container of
// its own (an allocation per field) and no body buffer: fields go straight into the response's
// list, and body bytes straight into the piece a Read returns, one copy each.
class Parser final : public http::basic_parser<false> {
 public:
  int status = 0;
  std::string content_type;
  HeaderList headers;
  std::string* sink = nullptr;  // where body bytes go: the piece being read

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code& ec) override {
    ec = http::error::bad_version;  // a response parser never sees a request line
  }
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    status = code;
  }
  void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    if (field == http::field::content_type) content_type.assign(value.data(), value.size());
    headers.emplace_back(std::string(name), std::string(value));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    return Take(body, ec);
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                            beast::error_code& ec) override {
    return Take(body, ec);
  }
  void on_finish_impl(beast::error_code&) override {}
  size_t Take(beast::string_view body, beast::error_code& ec) {
    if (sink == nullptr) {  // body bytes outside a Read: stop, they stay buffered
      ec = http::error::need_buffer;
      return 0;
    }
    sink->append(body.data(), body.size());
    return body.size();
  }
};
constexpr size_t kReadBufferBytes = 16384;                 // a pooled connection's read buffer
using RequestBuffers = std::array<asio::const_buffer, 2>;  // head, body
using IoResult = std::tuple<beast::error_code, std::size_t>;

// A backend connection, plain or TLS. The I/O steps are virtual so the request code is the
// same for both.
struct Connection {
  virtual ~Connection() = default;
  virtual tcp::socket& socket() = 0;
  virtual asio::awaitable<IoResult> Write(const RequestBuffers& request) = 0;
  virtual asio::awaitable<IoResult> ReadHeader(Parser& parser) = 0;
  virtual asio::awaitable<IoResult> ReadSome(Parser& parser) = 0;
  beast::flat_buffer buffer;  // bytes read past the previous response
};

template <typename Stream>
struct StreamConnection final : Connection {
  template <typename... Args>
  explicit StreamConnection(Args&&... args) : stream(std::forward<Args>(args)...) {}
  tcp::socket& socket() override { return beast::get_lowest_layer(stream); }
  asio::awaitable<IoResult> Write(const RequestBuffers& request) override {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      co_return co_await WriteAll(stream, request);
    } else {
      co_return co_await asio::async_write(stream, request, kTuple);
    }
  }
  asio::awaitable<IoResult> ReadHeader(Parser& parser) override {
    co_return co_await http::async_read_header(stream, buffer, parser, kTuple);
  }
  asio::awaitable<IoResult> ReadSome(Parser& parser) override {
    co_return co_await http::async_read_some(stream, buffer, parser, kTuple);
  }
  Stream stream;
};
using PlainConnection = StreamConnection<tcp::socket>;
using TlsConnection = StreamConnection<beast::ssl_stream<tcp::socket>>;

// One request's timeouts (connect, then each read and write). When one passes, the socket of
// the connection the request is using is closed, so the pending operation ends.
// The request's abort handle (UpstreamAbort) closes the same connection, at once.
struct RequestDeadline {
  RequestDeadline(const asio::any_io_executor& executor, std::shared_ptr<UpstreamAbort> a)
      : deadline(executor, [this] { CloseConnection(); }), abort(std::move(a)) {
    if (abort) abort->close_connection = [this] { CloseConnection(); };
  }
  ~RequestDeadline() {
    if (abort) abort->close_connection = nullptr;
  }
  RequestDeadline(const RequestDeadline&) = delete;
  RequestDeadline& operator=(const RequestDeadline&) = delete;
  bool aborted() const { return abort && abort->aborted; }
  void CloseConnection() {
    if (conn == nullptr) return;
    beast::error_code ignored;
    conn->socket().close(ignored);
  }
  Connection* conn = nullptr;
  Deadline deadline;
  std::shared_ptr<UpstreamAbort> abort;
};

}  // namespace

struct UpstreamPool::Impl {
  explicit Impl(size_t max_idle) : max_idle_per_host(max_idle) {}

  // Built on first use (loading the CA store takes a while): plain-http setups never pay.
  ssl::context& TlsContext() {
    std::call_once(tls_once, [this] {
      tls_context = std::make_unique<ssl::context>(ssl::context::tls_client);
      // The system CA store; SSL_CERT_FILE / SSL_CERT_DIR override it, as for any OpenSSL tool.
      beast::error_code ec;
      tls_context->set_default_verify_paths(ec);
      tls_context->set_verify_mode(ssl::verify_peer);
    });
    return *tls_context;
  }

  std::unique_ptr<Connection> TakeIdle(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    return conn;
  }

  void GiveBack(const std::string& key, std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu);
    auto& list = idle[key];
    if (list.size() < max_idle_per_host) list.push_back(std::move(conn));
  }

  size_t max_idle_per_host;
  std::once_flag tls_once;
  std::unique_ptr<ssl::context> tls_context;
  mutable std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
};

namespace {

class PooledResponse final : public UpstreamResponse {
 public:
  PooledResponse(std::weak_ptr<UpstreamPool::Impl> pool, std::string key,
                 std::unique_ptr<Connection> conn, std::unique_ptr<Parser> parser,
                 std::unique_ptr<RequestDeadline> deadline, std::chrono::milliseconds read_timeout)
      : pool_(std::move(pool)),
        key_(std::move(key)),
        conn_(std::move(conn)),
        parser_(std::move(parser)),
        deadline_(std::move(deadline)),
        read_timeout_(read_timeout) {
    if (parser_->is_done()) Finish();
  }

  asio::awaitable<std::string> Read() override {
    std::string piece;
    while (!done_ && conn_) {
      parser_->sink = &piece;
      // What has been received first (the body often comes with the head); the socket only
      // when that gave nothing.
      beast::error_code ec = ParseBuffered(*parser_, conn_->buffer);
      if (!ec && piece.empty() && !parser_->is_done()) {
        deadline_->deadline.Touch(read_timeout_);
        auto [read_ec, n] = co_await conn_->ReadSome(*parser_);
        (void)n;
        deadline_->deadline.Clear();
        ec = read_ec;
        if (!ec) ec = ParseBuffered(*parser_, conn_->buffer);
      }
      parser_->sink = nullptr;
      // A read can bring body bytes and then meet the cut connection: those bytes still count
      // (a resumed download starts after them), and come back with the error.
      if (ec) {
        error_ = deadline_->aborted()            ? "the request was dropped"
                 : deadline_->deadline.expired() ? "backend stopped sending (read timeout)"
                                                 : "backend connection failed: " + ec.message();
        done_ = true;
        deadline_->conn = nullptr;
        conn_.reset();
        co_return piece;
      }
      if (parser_->is_done()) Finish();
      if (!piece.empty()) co_return piece;
    }
    co_return piece;
  }

 private:
  void Finish() {
    done_ = true;
    deadline_->conn = nullptr;  // the connection may serve another request now
    if (!conn_) return;
    if (parser_->keep_alive()) {
      if (auto pool = pool_.lock()) pool->GiveBack(key_, std::move(conn_));
    }
    conn_.reset();
  }

  std::weak_ptr<UpstreamPool::Impl> pool_;
  std::string key_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<Parser> parser_;
  std::unique_ptr<RequestDeadline> deadline_;
  std::chrono::milliseconds read_timeout_;
};

}  // namespace

asio::awaitable<std::string> UpstreamResponse::ReadAll(size_t limit) {
  std::string all;
  while (!done_) {
    std::string piece = co_await Read();
    if (all.size() + piece.size() > limit) {
      error_ = "backend response exceeds " + std::to_string(limit) + " bytes";
      done_ = true;
      co_return std::string();
    }
    all += piece;
  }
  co_return all;
}

UpstreamPool::UpstreamPool(size_t max_idle_per_host)
    : impl_(std::make_shared<Impl>(max_idle_per_host)) {}
UpstreamPool::~UpstreamPool() = default;

size_t UpstreamPool::idle_connections() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& [key, list] : impl_->idle) n += list.size();
  return n;
}

void UpstreamPool::CloseIdle() {
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> closing;
  {
    std::lock_guard lock(impl_->mu);
    closing.swap(impl_->idle);
  }
}

asio::awaitable<UpstreamResult> UpstreamPool::Send(UpstreamRequest& request) {
  const std::string key = (request.tls ? "https://" : "") + request.host + ":" + request.port;
  auto executor = co_await asio::this_coro::executor;

  const std::string head =
      RequestHead(request.method, request.target, request.host + ":" + request.port,
                  request.headers, request.body.size());
  const RequestBuffers req{asio::buffer(head), asio::buffer(request.body)};

  UpstreamResult result;
  if (request.abort && request.abort->aborted) {
    result.failure = UpstreamFailure::kConnect;
    result.error = "the request was dropped";
    co_return result;
  }
  auto deadline = std::make_unique<RequestDeadline>(executor, request.abort);
  // A pooled connection first (it may have been closed by the backend: then one fresh try).
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? impl_->TakeIdle(key) : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      TlsConnection* tls = nullptr;
      if (request.tls) {
        auto t = std::make_unique<TlsConnection>(executor, impl_->TlsContext());
        tls = t.get();
        conn = std::move(t);
      } else {
        conn = std::make_unique<PlainConnection>(executor);
      }
      // Room to read what the backend has sent in one go: an empty buffer reads 512 bytes at a
      // time, which split a streamed answer into a read and a client write per ~500 bytes.
      conn->buffer.reserve(kReadBufferBytes);
      tcp::resolver resolver(executor);
      auto [rec, endpoints] = co_await resolver.async_resolve(request.host, request.port, kTuple);
      if (rec) {
        result.failure = UpstreamFailure::kConnect;
        result.error = "cannot resolve " + request.host + ": " + rec.message();
        co_return result;
      }
      deadline->conn = conn.get();
      deadline->deadline.Touch(request.connect_timeout);  // the TLS handshake too
      auto [cec, ep] = co_await asio::async_connect(conn->socket(), endpoints, kTuple);
      (void)ep;
      if (cec) {
        const bool expired = deadline->deadline.expired();
        result.failure = expired ? UpstreamFailure::kTimeout : UpstreamFailure::kConnect;
        result.error = "cannot connect to " + key + ": " +
                       (expired ? "no answer within " + FormatGoDuration(request.connect_timeout)
                                : cec.message());
        co_return result;
      }
      beast::error_code ignored;
      conn->socket().set_option(tcp::no_delay(true), ignored);
      if (tls != nullptr) {
        // SNI, and the certificate must name the host (verified against the system CA store).
        SSL_ctrl(tls->stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                 TLSEXT_NAMETYPE_host_name, const_cast<char*>(request.host.c_str()));
        tls->stream.set_verify_callback(ssl::host_name_verification(request.host));
        auto [hec] = co_await tls->stream.async_handshake(ssl::stream_base::client,
                                                          asio::as_tuple(asio::use_awaitable));
        if (hec) {
          result.failure = UpstreamFailure::kConnect;
          result.error = "TLS handshake with " + key + " failed: " + hec.message();
          co_return result;
        }
      }
    }
    deadline->conn = conn.get();
    deadline->deadline.Touch(request.read_timeout);
    auto [wec, written] = co_await conn->Write(req);
    (void)written;
    auto parser = std::make_unique<Parser>();
    parser->body_limit(boost::none);
    beast::error_code hec = wec;
    if (!hec) {
      auto [ec, n] = co_await conn->ReadHeader(*parser);
      (void)n;
      hec = ec;
    }
    deadline->deadline.Clear();
    const bool timed_out = deadline->deadline.expired();
    if (hec) {
      deadline->conn = nullptr;
      if (reused && !timed_out && !deadline->aborted()) continue;  // stale keep-alive connection
      result.failure = timed_out ? UpstreamFailure::kTimeout : UpstreamFailure::kProtocol;
      result.error = timed_out ? "backend " + key + " did not answer within " +
                                     FormatGoDuration(request.read_timeout)
                               : "backend " + key + " did not answer: " + hec.message();
      co_return result;
    }
    const int status = parser->status;
    std::string content_type = std::move(parser->content_type);
    HeaderList headers = std::move(parser->headers);
    auto out = std::make_unique<PooledResponse>(impl_, key, std::move(conn), std::move(parser),
                                                std::move(deadline), request.read_timeout);
    out->status = status;
    out->content_type = std::move(content_type);
    out->headers = std::move(headers);
    result.response = std::move(out);
    co_return result;
  }
  result.failure = UpstreamFailure::kProtocol;
  result.error = "backend " + key + " closed the connection";
  co_return result;
}

}  // namespace vsr::server
