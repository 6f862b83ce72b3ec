#include "mcp/protocol.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/sse.h"

namespace vsr::mcp {

namespace json = boost::json;

std::string InitializeRequest(int id) {
  return CompactJson(json::object{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"method", "initialize"},
      {"params", json::object{{"protocolVersion", kProtocolVersion},
                              {"capabilities", json::object{}},
                              {"clientInfo",
                               json::object{{"name", "vllm-sr"}, {"version", VLLM_SR_VERSION}}}}}});
}

std::string InitializedNotification() {
  return CompactJson(json::object{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
}

std::string RequestMessage(int id, std::string_view method, const json::object& params) {
  return CompactJson(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

std::string ToolCallRequest(int id, std::string_view tool, const json::object& arguments) {
  return RequestMessage(id, "tools/call", json::object{{"name", tool}, {"arguments", arguments}});
}

namespace {

// A JSON-RPC response (not a request or notification the server sends first).
bool IsResponse(const json::value& v) {
  const json::object* o = v.if_object();
  return o != nullptr && o->contains("id") && (o->contains("result") || o->contains("error"));
}

bool Unwrap(const json::object& response, json::value& result, std::string& error) {
  if (const json::value* e = response.if_contains("error")) {
    const json::object* eo = e->if_object();
    const json::value* code = eo != nullptr ? eo->if_contains("code") : nullptr;
    const json::value* message = eo != nullptr ? eo->if_contains("message") : nullptr;
    error = "MCP error " + (code != nullptr ? CompactJson(*code) : std::string("?")) + ": " +
            (message != nullptr && message->is_string() ? std::string(message->as_string())
                                                        : CompactJson(*e));
    return false;
  }
  result = response.at("result");
  return true;
}

}  // namespace

Reply ReadResponseMessage(const json::value& message, json::value& result, std::string& error) {
  if (!IsResponse(message)) return Reply::kNotResponse;
  return Unwrap(message.as_object(), result, error) ? Reply::kResult : Reply::kError;
}

Reply ReadResponse(std::string_view body, json::value& result, std::string& error) {
  boost::system::error_code ec;
  json::value whole = json::parse(body, ec);
  if (!ec) {
    const Reply r = ReadResponseMessage(whole, result, error);
    if (r == Reply::kNotResponse) error = "the MCP server's reply is not a JSON-RPC response";
    return r;
  }
  // Server-sent events: the response is the data of one of them (others may be notifications).
  SseParser parser;
  std::vector<SseEvent> events = parser.Feed(body);
  for (SseEvent& e : parser.Feed("\n\n")) events.push_back(std::move(e));  // an unterminated last
  for (const SseEvent& e : events) {
    json::value v = json::parse(e.data, ec);
    if (ec) continue;
    if (const Reply r = ReadResponseMessage(v, result, error); r != Reply::kNotResponse) return r;
  }
  error = events.empty() ? "the MCP server's reply is neither JSON nor server-sent events"
                         : "the MCP server's event stream holds no JSON-RPC response";
  return Reply::kNotResponse;
}

}  // namespace vsr::mcp
