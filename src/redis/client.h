// A small synchronous Redis client: one connection (plain TCP, or TLS through OpenSSL),
// commands as argument vectors encoded and replies parsed by hiredis's protocol functions,
// replies copied into plain values, one reconnect-and-retry when the connection broke. Callers
// keep it off the request path (the cache and replay use it from their own threads).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::redis {

// TLS to the server (managed Redis/Valkey services require it): the server's certificate is
// checked against `ca_file` (else the system's CAs) and its name against the host unless
// `skip_verify`; `cert_file`/`key_file` present a client certificate when the server asks.
struct Tls {
  bool enabled = false;
  std::string ca_file, cert_file, key_file;
  bool skip_verify = false;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int database = 0;
  std::string password;
  int timeout_ms = 5000;  // connect and per-command
  Tls tls;
};

// "host:port", "host" (port 6379) or "redis[s]://[:password@]host[:port][/db]" (rediss: TLS).
bool ParseAddress(std::string_view address, Endpoint& out, std::string& error);

struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // string, status and error text
  long long integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::kError; }
};

class Client {
 public:
  // Connects, authenticates and selects the database; null with `error` set when any fails.
  static std::unique_ptr<Client> Connect(const Endpoint& endpoint, std::string& error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one command. A Redis error reply is a reply (type kError); nullopt means the server
  // could not be reached even after one reconnect (`error` says why).
  std::optional<Reply> Command(const std::vector<std::string_view>& args, std::string& error);
  // Command for callers that treat a Redis error reply as a failure too: nullopt with `error`
  // "redis <host:port/db>: <COMMAND>: <message>" then.
  std::optional<Reply> Checked(const std::vector<std::string_view>& args, std::string& error);
  // Per-command read timeout (e.g. longer than a blocking XREAD's BLOCK).
  void SetTimeout(int timeout_ms);
  std::string name() const;  // host:port/db, for log lines

 private:
  explicit Client(Endpoint endpoint);
  bool Open(std::string& error);
  std::optional<Reply> Send(const std::vector<std::string_view>& args, std::string& error);

  struct Connection;  // socket, TLS session, reply parser
  Endpoint endpoint_;
  int timeout_ms_;
  std::unique_ptr<Connection> conn_;  // null or broken: reconnect before the next command
};

// Embeddings as Redis values: float32 in machine byte order (little-endian here, as upstream's
// stores write them). FloatsOf ignores a trailing partial float.
std::string FloatBytes(const std::vector<float>& v);
std::vector<float> FloatsOf(std::string_view bytes);
// HGETALL's reply as field -> value.
std::map<std::string, std::string> HashPairs(const Reply& r);

}  // namespace vsr::redis
