// Upstream's Files and Vector Stores APIs on the router API (route_files.go,
// route_vectorstore.go), OpenAI-compatible:
//   POST   /v1/files                          multipart (file, purpose=assistants) -> file
//   GET    /v1/files[?purpose=]               {object: list, data}
//   GET    /v1/files/{id}   DELETE /v1/files/{id}   GET /v1/files/{id}/content
//   POST   /v1/vector_stores                  {name, expires_after, metadata} -> vector_store
//   GET    /v1/vector_stores[?limit&order&after]
//   GET|POST|DELETE /v1/vector_stores/{id}
//   POST   /v1/vector_stores/{id}/search      {query, max_num_results, filters.file_id,
//                                              ranking_options.score_threshold}
//   POST|GET /v1/vector_stores/{id}/files     {file_id, chunking_strategy} -> vector_store.file
//   DELETE /v1/vector_stores/{id}/files/{vsf_id}
// Errors in the router API's envelope: 503 VECTOR_STORE_DISABLED / FILE_STORE_DISABLED when
// global.stores.vector_store is not enabled, 400 INVALID_INPUT / INVALID_FILE_TYPE /
// ATTACH_ERROR, 404 NOT_FOUND, 413 for JSON bodies over 1 MB or files over max_file_size_mb.
#pragma once

#include <optional>

#include "server/http_types.h"
#include "vectorstore/service.h"

namespace vsr::server {

// nullopt when the path is not under /v1/files or /v1/vector_stores; `service` null: the
// feature is not enabled.
std::optional<HttpResponse> HandleVectorStoreApi(const HttpRequest& request,
                                                 vectorstore::VectorStoreService* service);

}  // namespace vsr::server
