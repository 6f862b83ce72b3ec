// The memory API of the router API (upstream's route_memory.go): a user's memories, read and
// forgotten. The user is the x-authz-user-id header (or ?user_id= for development); a memory
// of another user is "not found".
//   GET    /v1/memory[?type=episodic,semantic&limit=N]  -> {memories, total, limit} newest first
//   GET    /v1/memory/{id}                             -> the memory
//   DELETE /v1/memory/{id}                             -> {success, message}
//   DELETE /v1/memory[?type=...]                       -> every memory of the user (of the types)
// Errors: 503 MEMORY_NOT_AVAILABLE (no decision remembers users), 401 MISSING_USER_ID,
// 400 INVALID_USER_ID / INVALID_ID / INVALID_TYPE, 404 NOT_FOUND, 405 for other methods.
#pragma once

#include <optional>

#include "plugins/memory_store.h"
#include "server/http_types.h"

namespace vsr::server {

// nullopt when the path is not under /v1/memory; `store` null: memory is not configured.
std::optional<HttpResponse> HandleMemoryApi(const HttpRequest& request,
                                            plugins::MemoryStore* store);

}  // namespace vsr::server
