// The Streamable HTTP transport: every message is a POST to the server's endpoint that accepts
// a JSON or an event-stream reply. A session id the server hands out on initialize goes with
// every later message; a 404 for it means the server forgot the session. Plain http only: the
// blocking client this runs on speaks no TLS.
#include <boost/json.hpp>

#include "mcp/protocol.h"
#include "mcp/transports.h"
#include "server/http_client.h"

namespace vsr::mcp {
namespace {

namespace json = boost::json;

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(const ClientOptions& o) : options_(o) {}

  bool Open(std::string&) override {
    std::lock_guard lock(mu_);
    session_.clear();
    version_.clear();
    return true;
  }

  Failure Request(const std::string& message, int, json::value& result,
                  std::string& error) override {
    server::HttpResult r;
    if (Failure f = Post(message, r, error); f != Failure::kNone) return f;
    switch (ReadResponse(r.body, result, error)) {
      case Reply::kResult:
        break;
      case Reply::kError:
        return Failure::kRpc;
      case Reply::kNotResponse:
        return Failure::kOther;
    }
    if (auto id = r.headers.find("mcp-session-id"); id != r.headers.end()) {
      std::lock_guard lock(mu_);
      session_ = id->second;
    }
    if (const json::object* o = result.if_object()) {  // the initialize result
      if (const json::value* v = o->if_contains("protocolVersion"); v && v->is_string()) {
        std::lock_guard lock(mu_);
        version_ = std::string(v->as_string());
      }
    }
    return Failure::kNone;
  }

  Failure Notify(const std::string& message, std::string& error) override {
    server::HttpResult r;
    return Post(message, r, error);
  }

 private:
  Failure Post(const std::string& message, server::HttpResult& r, std::string& error) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"},
                                               {"Accept", std::string(kAccept)}};
    bool has_session = false;
    {
      std::lock_guard lock(mu_);
      if (!session_.empty()) {
        headers[std::string(kSessionHeader)] = session_;
        has_session = true;
      }
      if (!version_.empty()) headers[std::string(kVersionHeader)] = version_;
    }
    r = server::HttpCall("POST", options_.url, message, options_.timeout, headers);
    if (r.failure != server::HttpResult::Failure::kNone) {
      error = r.error;
      return Failure::kOther;
    }
    if (r.status == 404 && has_session) {
      error = "the MCP server no longer knows the session";
      return Failure::kSessionLost;
    }
    if (r.status < 200 || r.status >= 300) {
      error = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
      return Failure::kOther;
    }
    return Failure::kNone;
  }

  ClientOptions options_;
  std::mutex mu_;
  std::string session_;
  std::string version_;
};

}  // namespace

std::unique_ptr<Transport> MakeHttpTransport(const ClientOptions& options) {
  return std::make_unique<HttpTransport>(options);
}

}  // namespace vsr::mcp
