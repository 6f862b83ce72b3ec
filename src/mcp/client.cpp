#include "mcp/client.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "mcp/protocol.h"
#include "mcp/transports.h"
#include "server/http_client.h"

namespace vsr::mcp {

namespace json = boost::json;

std::unique_ptr<Transport> MakeTransport(const ClientOptions& options, std::string& error) {
  std::string kind = options.transport;
  if (kind.empty()) kind = !options.command.empty() ? "stdio" : "streamable-http";
  if (kind == "stdio") {
    if (options.command.empty()) {
      error = "the stdio transport needs a command";
      return nullptr;
    }
    return MakeStdioTransport(options);
  }
  if (kind == "http" || kind == "streamable-http") {
    if (options.url.empty()) {
      error = "the HTTP transport needs a url";
      return nullptr;
    }
    if (!server::ParseHttpUrl(options.url)) {
      error = "url '" + options.url + "' is not an http:// URL (https is not supported here)";
      return nullptr;
    }
    return MakeHttpTransport(options);
  }
  error = "unsupported transport type: " + kind;
  return nullptr;
}

std::unique_ptr<Client> Client::Create(const ClientOptions& options, std::string& error) {
  std::unique_ptr<Transport> transport = MakeTransport(options, error);
  if (!transport) return nullptr;
  return std::make_unique<Client>(std::move(transport));
}

Client::Client(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}

Failure Client::Send(std::string_view method, const json::object& params, json::value& result,
                     std::string& error) {
  const int id = next_id_.fetch_add(1);
  return transport_->Request(RequestMessage(id, method, params), id, result, error);
}

bool Client::Connect(std::string& error) {
  std::lock_guard lock(mu_);
  return ConnectLocked(error);
}

bool Client::ConnectLocked(std::string& error) {
  if (connected_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (!failure_.empty() && now - failed_at_ < kReconnectPause) {
    error = failure_;
    return false;
  }
  ++generation_;
  const auto fail = [&](const std::string& why) {
    failure_ = why;
    failed_at_ = now;
    error = why;
    return false;
  };
  std::string why;
  if (!transport_->Open(why)) return fail("cannot start the MCP session: " + why);
  const int id = next_id_.fetch_add(1);
  json::value result;
  if (transport_->Request(InitializeRequest(id), id, result, why) != Failure::kNone) {
    return fail("MCP initialize failed: " + why);
  }
  // A notification gets no answer; some servers (upstream's example HTTP servers) reply 404 to
  // one they do not know. Only a server that is gone ends the handshake here.
  if (transport_->Notify(InitializedNotification(), why) == Failure::kSessionLost) {
    return fail("MCP initialized notification failed: " + why);
  }
  // Every page of the tool list (servers with many tools page it with nextCursor).
  tools_.clear();
  json::object params;
  for (int page = 0; page < kMaxToolPages; ++page) {
    if (Send("tools/list", params, result, why) != Failure::kNone) {
      return fail("MCP tools/list failed: " + why);
    }
    const json::object* o = result.if_object();
    const json::value* list = o != nullptr ? o->if_contains("tools") : nullptr;
    if (list != nullptr && list->is_array()) {
      for (const json::value& t : list->as_array()) {
        const json::object* to = t.if_object();
        if (to == nullptr) continue;
        const json::value* name = to->if_contains("name");
        const json::value* description = to->if_contains("description");
        if (name == nullptr || !name->is_string()) continue;
        tools_.push_back(
            {std::string(name->as_string()), description != nullptr && description->is_string()
                                                 ? std::string(description->as_string())
                                                 : std::string()});
      }
    }
    const json::value* next = o != nullptr ? o->if_contains("nextCursor") : nullptr;
    if (next == nullptr || !next->is_string() || next->as_string().empty()) break;
    params = json::object{{"cursor", *next}};
  }
  connected_ = true;
  failure_.clear();
  return true;
}

std::string Client::ConnectFailure() const {
  // Never waits for a connection attempt in progress (that one will tell).
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || connected_) return {};
  return failure_;
}

std::vector<Tool> Client::tools() const {
  std::lock_guard lock(mu_);
  return tools_;
}

bool Client::CallTool(std::string_view name, const json::object& arguments, json::value& result,
                      std::string& error) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    unsigned generation = 0;
    {
      std::lock_guard lock(mu_);
      if (!ConnectLocked(error)) return false;
      generation = generation_;
    }
    const int id = next_id_.fetch_add(1);
    const Failure f = transport_->Request(ToolCallRequest(id, name, arguments), id, result, error);
    if (f == Failure::kNone) return true;
    if (f == Failure::kRpc) return false;
    {
      std::lock_guard lock(mu_);
      if (generation_ == generation) connected_ = false;  // the next call starts a new session
    }
    // A lost session is replaced once at once (a restarted server); other failures wait.
    if (f != Failure::kSessionLost) return false;
  }
  return false;
}

bool FirstToolText(const json::value& result, std::string& text, std::string& error) {
  const json::object* o = result.if_object();
  const json::value* content = o != nullptr ? o->if_contains("content") : nullptr;
  const json::array* parts = content != nullptr ? content->if_array() : nullptr;
  const json::value* failed = o != nullptr ? o->if_contains("isError") : nullptr;
  if (failed != nullptr && failed->is_bool() && failed->as_bool()) {
    error = "the MCP tool returned an error: " +
            (parts != nullptr ? CompactJson(*content) : std::string("no details"));
    return false;
  }
  if (parts == nullptr || parts->empty()) {
    error = "the MCP tool returned empty content";
    return false;
  }
  const json::object* first = parts->front().if_object();
  const json::value* type = first != nullptr ? first->if_contains("type") : nullptr;
  const json::value* t = first != nullptr ? first->if_contains("text") : nullptr;
  if (type == nullptr || !type->is_string() || type->as_string() != "text" || t == nullptr ||
      !t->is_string()) {
    error = "the MCP tool returned non-text content";
    return false;
  }
  text = std::string(t->as_string());
  return true;
}

}  // namespace vsr::mcp
