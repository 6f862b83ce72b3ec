// A blocking Model Context Protocol client: one session with one server, over stdio (a child
// process speaking JSON-RPC lines) or Streamable HTTP. It shakes hands on first use
// (initialize, the initialized notification, tools/list), calls tools, and starts a new session
// when the old one is gone (the process exited, the server forgot the session). After a failed
// connection it waits kReconnectPause before trying again, so a broken command is not spawned
// once per request.
//
// Thread-safe. HTTP calls run concurrently; stdio calls take turns on the one pipe.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::mcp {

struct ClientOptions {
  // "stdio", "http" or "streamable-http"; "" picks stdio when there is a command, else HTTP.
  std::string transport;
  std::string command;  // stdio: the program (looked up on PATH) and its arguments
  std::vector<std::string> args;
  std::map<std::string, std::string> env;    // stdio: added to the router's environment
  std::string url;                           // HTTP: the server's endpoint (http:// only)
  std::chrono::milliseconds timeout{30000};  // per message
};

struct Tool {
  std::string name;
  std::string description;
};

// How a message exchange failed.
enum class Failure {
  kNone,
  kRpc,          // the server answered with a JSON-RPC error
  kSessionLost,  // the process exited or the server forgot the session: a new one may work
  kOther,        // timeout, unreachable, unreadable reply
};

// How a session reaches its server (stdio_transport.cpp, http_transport.cpp).
class Transport {
 public:
  virtual ~Transport() = default;
  // Starts a new session's channel (spawns the process, forgets an HTTP session id).
  virtual bool Open(std::string& error) = 0;
  // Sends the JSON-RPC request `message` (whose id is `id`) and reads its response's result.
  virtual Failure Request(const std::string& message, int id, boost::json::value& result,
                          std::string& error) = 0;
  virtual Failure Notify(const std::string& message, std::string& error) = 0;
};

// The transport `options` ask for; null with `error` when they name none that can work.
std::unique_ptr<Transport> MakeTransport(const ClientOptions& options, std::string& error);

class Client {
 public:
  static constexpr std::chrono::seconds kReconnectPause{2};
  static constexpr int kMaxToolPages = 50;  // of tools/list (a server's cursor could loop)

  // Null with `error` for options no transport can use (no command, a non-http URL...).
  static std::unique_ptr<Client> Create(const ClientOptions& options, std::string& error);
  explicit Client(std::unique_ptr<Transport> transport);

  // Connects unless connected. False with why (or, within the pause after a failure, the
  // failure again).
  bool Connect(std::string& error);
  std::vector<Tool> tools() const;
  // Why the last connection attempt failed, while no session is up ("" otherwise, before any
  // attempt, and during one: it never waits).
  std::string ConnectFailure() const;
  // Calls tool `name`; `result` is the tools/call result ({content: [...], isError}).
  bool CallTool(std::string_view name, const boost::json::object& arguments,
                boost::json::value& result, std::string& error);

 private:
  bool ConnectLocked(std::string& error);
  Failure Send(std::string_view method, const boost::json::object& params,
               boost::json::value& result, std::string& error);

  std::unique_ptr<Transport> transport_;
  mutable std::mutex mu_;
  bool connected_ = false;
  unsigned generation_ = 0;  // sessions started, so a lost one is replaced once
  std::chrono::steady_clock::time_point failed_at_{};
  std::string failure_;
  std::vector<Tool> tools_;
  std::atomic<int> next_id_{1};
};

// The text of the first content part of a tools/call `result`; false with `error` when the
// tool reported an error (isError, its text quoted) or the first part is not text.
bool FirstToolText(const boost::json::value& result, std::string& text, std::string& error);

}  // namespace vsr::mcp
