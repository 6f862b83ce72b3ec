// The client side of the Model Context Protocol's messages, as far as calling a tool needs it
// (the rag plugin's `mcp` backend, the MCP category classifier): the JSON-RPC messages, and
// reading a reply that comes as one JSON document or as server-sent events. No I/O here: the
// data plane makes the rag plugin's calls (so a slow MCP server never holds an I/O thread);
// client.h runs sessions for the classifier.
//
// A session: POST `initialize` (the reply may carry an `Mcp-Session-Id` header, which every
// later message repeats), POST the `notifications/initialized` notification (202), then POST
// `tools/call` as often as needed. A server that forgets the session answers 404 and the client
// starts a new one.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace vsr::mcp {

inline constexpr std::string_view kProtocolVersion = "2025-06-18";
inline constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
inline constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
// Every POST accepts both reply forms, as the transport requires.
inline constexpr std::string_view kAccept = "application/json, text/event-stream";

std::string InitializeRequest(int id);
std::string InitializedNotification();
std::string ToolCallRequest(int id, std::string_view tool, const boost::json::object& arguments);
// Any other request (tools/list...).
std::string RequestMessage(int id, std::string_view method, const boost::json::object& params);

// One parsed message as a response: kNotResponse for a request or notification the server sends
// (which a client skips), else its `result`, or the JSON-RPC error as "MCP error <code>:
// <message>".
enum class Reply { kNotResponse, kResult, kError };
Reply ReadResponseMessage(const boost::json::value& message, boost::json::value& result,
                          std::string& error);

// The JSON-RPC response in a reply body (JSON, or SSE events whose data is JSON): kResult with
// its `result` in `result`; kError for a JSON-RPC error ("MCP error <code>: <message>" in
// `error`); kNotResponse, with `error` saying why, for a body that is neither form or holds no
// response.
Reply ReadResponse(std::string_view body, boost::json::value& result, std::string& error);

}  // namespace vsr::mcp
