// The read-only replay API upstream serves on the data-plane listener:
//   GET /v1/router_replay[/]            list (filters, pagination), newest first
//   GET /v1/router_replay/aggregate     counts, token volume and cost over the filtered records
//   GET /v1/router_replay/trajectory    the conversation of one session, as chat messages
//   GET /v1/router_replay/{id}          one record
// Answers and error texts follow upstream (extproc/router_replay_api*.go).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "replay/store.h"

namespace vsr::replay {

struct ApiReply {
  int status = 200;
  std::string body;   // JSON payload when status is 200
  std::string error;  // the message for the error envelope otherwise
};

// Pages bigger than this are refused (upstream's ext-proc message limit), so a client asks for a
// smaller page rather than the router building an unbounded answer.
inline constexpr size_t kMaxReplayPayloadBytes = 4 * 1024 * 1024;

bool IsReplayPath(const std::string& path);

// `path` without the query; `query` decoded. nullopt: not a replay path.
std::optional<ApiReply> HandleReplayApi(const ReplayStore& store, const std::string& method,
                                        const std::string& path,
                                        const std::map<std::string, std::string>& query);

}  // namespace vsr::replay
