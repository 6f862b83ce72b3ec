#include "redis/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace vsr::redis {

namespace {

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

Reply Copy(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

bool ParsePort(std::string_view text, int& port) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port > 0 && port < 65536;
}

}  // namespace

bool ParseAddress(std::string_view address, Endpoint& out, std::string& error) {
  std::string_view rest = address;
  const bool tls_url = rest.starts_with("rediss://");  // the TLS form of the URL
  if (tls_url || rest.starts_with("redis://")) {
    rest.remove_prefix(tls_url ? 9 : 8);
    if (tls_url) out.tls.enabled = true;
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
      std::string_view auth = rest.substr(0, at);
      if (const size_t colon = auth.find(':'); colon != std::string_view::npos) {
        auth.remove_prefix(colon + 1);
      }
      out.password = std::string(auth);
      rest.remove_prefix(at + 1);
    }
    if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
      const std::string_view db = rest.substr(slash + 1);
      if (!db.empty()) {
        const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), out.database);
        if (ec != std::errc() || end != db.data() + db.size() || out.database < 0) {
          error = "redis address '" + std::string(address) + "': database '" + std::string(db) +
                  "' is not a number";
          return false;
        }
      }
      rest = rest.substr(0, slash);
    }
  } else if (rest.find("://") != std::string_view::npos) {
    error = "redis address '" + std::string(address) +
            "': only host:port, redis:// or rediss:// addresses are supported";
    return false;
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = std::string(rest);
  } else {
    out.host = std::string(rest.substr(0, colon));
    if (!ParsePort(rest.substr(colon + 1), out.port)) {
      error = "redis address '" + std::string(address) + "': port '" +
              std::string(rest.substr(colon + 1)) + "' is not a port number";
      return false;
    }
  }
  if (out.host.empty()) {
    error = "redis address '" + std::string(address) + "' has no host";
    return false;
  }
  return true;
}

// One connection: a socket, the TLS session on it (when asked for), and hiredis's reply parser
// fed with what arrives.
struct Client::Connection {
  int fd = -1;
  SSL_CTX* tls_ctx = nullptr;
  SSL* ssl = nullptr;
  redisReader* reader = redisReaderCreate();
  bool broken = false;  // an I/O error or a protocol error: reconnect

  ~Connection() {
    if (ssl != nullptr) SSL_free(ssl);
    if (tls_ctx != nullptr) SSL_CTX_free(tls_ctx);
    if (fd >= 0) ::close(fd);
    if (reader != nullptr) redisReaderFree(reader);
  }

  bool Write(std::string_view data, std::string& error) {
    while (!data.empty()) {
      long n = 0;
      if (ssl != nullptr) {
        n = SSL_write(ssl, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
        if (n <= 0) return Fail("TLS write failed: " + TlsError(ssl, static_cast<int>(n)), error);
      } else {
        n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Fail(std::string("write failed: ") + std::strerror(errno), error);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // The next reply (nullptr with `error` when the connection failed or timed out).
  redisReply* Read(std::string& error) {
    char buf[16384];
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        Fail(std::string("protocol error: ") + reader->errstr, error);
        return nullptr;
      }
      if (reply != nullptr) return static_cast<redisReply*>(reply);
      long n = 0;
      if (ssl != nullptr) {
        n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
          Fail("TLS read failed: " + TlsError(ssl, static_cast<int>(n)), error);
          return nullptr;
        }
      } else {
        n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          Fail(n == 0 ? "the server closed the connection"
               : (errno == EAGAIN || errno == EWOULDBLOCK)
                   ? "timed out waiting for a reply"
                   : std::string("read failed: ") + std::strerror(errno),
               error);
          return nullptr;
        }
      }
      if (redisReaderFeed(reader, buf, static_cast<size_t>(n)) != REDIS_OK) {
        Fail(std::string("protocol error: ") + reader->errstr, error);
        return nullptr;
      }
    }
  }

  // Starts TLS on fd, checking the server as `tls` says; false with `error`.
  bool StartTls(const std::string& host, const Tls& tls, std::string& error);

  bool Fail(const std::string& why, std::string& error) {
    broken = true;
    error = why;
    return false;
  }

  static std::string TlsError(SSL* ssl, int ret) {
    const int code = SSL_get_error(ssl, ret);
    if (code == SSL_ERROR_ZERO_RETURN) return "the server closed the connection";
    if ((code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) &&
        (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return "timed out";
    }
    const unsigned long e = ERR_get_error();
    if (e == 0) return code == SSL_ERROR_SYSCALL ? std::strerror(errno) : "TLS error";
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    return text;
  }
};

namespace {

void SetIoTimeouts(int fd, int ms) {
  const timeval tv = ToTimeval(ms);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A connected TCP socket to host:port within `timeout_ms`; -1 with `error`.
int ConnectTcp(const std::string& host, int port, int timeout_ms, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int ok = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (ok != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      ok = ::poll(&p, 1, timeout_ms) == 1 ? 0 : -1;
      if (ok != 0) errno = ETIMEDOUT;
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (ok == 0 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error) {
        errno = so_error;
        ok = -1;
      }
    }
    if (ok == 0) break;
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

bool Client::Connection::StartTls(const std::string& host, const Tls& tls, std::string& error) {
  tls_ctx = SSL_CTX_new(TLS_client_method());
  if (tls_ctx == nullptr) return Fail("cannot create a TLS context", error);
  const auto openssl_error = [] {
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    return std::string(text);
  };
  if (!tls.skip_verify) {
    SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = tls.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(tls_ctx)
                           : SSL_CTX_load_verify_locations(tls_ctx, tls.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return Fail("cannot read CA file " + tls.ca_file + ": " + openssl_error(), error);
  }
  if (!tls.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(tls_ctx, tls.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(tls_ctx,
                                   (tls.key_file.empty() ? tls.cert_file : tls.key_file).c_str(),
                                   SSL_FILETYPE_PEM) != 1)) {
    return Fail("cannot use client certificate " + tls.cert_file + ": " + openssl_error(), error);
  }
  ssl = SSL_new(tls_ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) return Fail("cannot start TLS", error);
  in6_addr ip6{};
  in_addr ip4{};
  const bool is_ip = ::inet_pton(AF_INET, host.c_str(), &ip4) == 1 ||
                     ::inet_pton(AF_INET6, host.c_str(), &ip6) == 1;
  if (!is_ip) {  // SNI (SSL_set_tlsext_host_name's expansion, without its C cast)
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (!tls.skip_verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      SSL_set1_host(ssl, host.c_str());
    }
  }
  const int rc = SSL_connect(ssl);
  if (rc != 1) {
    const long verify = SSL_get_verify_result(ssl);
    return Fail(
        "TLS handshake failed: " + (verify != X509_V_OK ? std::string("certificate check: ") +
                                                              X509_verify_cert_error_string(verify)
                                                        : TlsError(ssl, rc)),
        error);
  }
  return true;
}

Client::Client(Endpoint endpoint)
    : endpoint_(std::move(endpoint)), timeout_ms_(endpoint_.timeout_ms) {}

Client::~Client() = default;

std::unique_ptr<Client> Client::Connect(const Endpoint& endpoint, std::string& error) {
  std::unique_ptr<Client> client(new Client(endpoint));
  if (!client->Open(error)) return nullptr;
  return client;
}

std::string Client::name() const {
  return endpoint_.host + ":" + std::to_string(endpoint_.port) + "/" +
         std::to_string(endpoint_.database) + (endpoint_.tls.enabled ? " (TLS)" : "");
}

void Client::SetTimeout(int timeout_ms) {
  timeout_ms_ = timeout_ms;
  if (conn_ != nullptr) SetIoTimeouts(conn_->fd, timeout_ms_);
}

bool Client::Open(std::string& error) {
  conn_.reset();
  auto c = std::make_unique<Connection>();
  c->fd = ConnectTcp(endpoint_.host, endpoint_.port, endpoint_.timeout_ms, error);
  if (c->fd < 0) {
    error = "cannot connect to redis at " + name() + ": " + error;
    return false;
  }
  SetIoTimeouts(c->fd, endpoint_.timeout_ms);
  if (c->reader == nullptr ||
      (endpoint_.tls.enabled && !c->StartTls(endpoint_.host, endpoint_.tls, error))) {
    error = "cannot connect to redis at " + name() + ": " +
            (c->reader == nullptr ? "out of memory" : error);
    return false;
  }
  SetIoTimeouts(c->fd, timeout_ms_);
  conn_ = std::move(c);
  const auto handshake = [&](const std::vector<std::string_view>& args, const char* what) {
    auto reply = Send(args, error);
    if (reply && reply->is_error()) error = std::string(what) + ": " + reply->str;
    if (!reply || reply->is_error()) {
      error = "redis at " + name() + ": " + error;
      conn_.reset();
      return false;
    }
    return true;
  };
  if (!endpoint_.password.empty() && !handshake({"AUTH", endpoint_.password}, "AUTH failed")) {
    return false;
  }
  const std::string db = std::to_string(endpoint_.database);
  return endpoint_.database == 0 || handshake({"SELECT", db}, "SELECT failed");
}

std::optional<Reply> Client::Send(const std::vector<std::string_view>& args, std::string& error) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* command = nullptr;
  const long long n =
      redisFormatCommandArgv(&command, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (n < 0 || command == nullptr) {
    error = "redis at " + name() + ": cannot encode the command";
    return std::nullopt;
  }
  const bool written = conn_->Write(std::string_view(command, static_cast<size_t>(n)), error);
  redisFreeCommand(command);
  redisReply* reply = written ? conn_->Read(error) : nullptr;
  if (reply == nullptr) {
    error = "redis at " + name() + ": " + error;
    return std::nullopt;
  }
  Reply out = Copy(reply);
  freeReplyObject(reply);
  return out;
}

std::optional<Reply> Client::Command(const std::vector<std::string_view>& args,
                                     std::string& error) {
  if (conn_ != nullptr && !conn_->broken) {
    if (auto reply = Send(args, error)) return reply;
  }
  // The connection broke (server restarted, idle timeout): one fresh connection, one retry.
  if (!Open(error)) return std::nullopt;
  return Send(args, error);
}

std::optional<Reply> Client::Checked(const std::vector<std::string_view>& args,
                                     std::string& error) {
  std::optional<Reply> reply = Command(args, error);
  if (reply && reply->is_error()) {
    error = "redis " + name() + ": " + std::string(args.empty() ? "" : args[0]) + ": " + reply->str;
    return std::nullopt;
  }
  return reply;
}

std::string FloatBytes(const std::vector<float>& v) {
  std::string out(v.size() * sizeof(float), '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<float> FloatsOf(std::string_view bytes) {
  std::vector<float> v(bytes.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

std::map<std::string, std::string> HashPairs(const Reply& r) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

}  // namespace vsr::redis
