// Where the rag plugin retrieves from: one class per backend, each turning a question into one
// HTTP call and its reply into passages (upstream's req_filter_rag_*.go, request and response
// shapes kept):
//  - external_api: `request_format` pinecone (POST the query vector, read matches[].metadata
//    content|text), weaviate (GraphQL nearVector over Document{content}), elasticsearch (match
//    on `content`, read hits.hits[]._source content|text) or custom (`request_template` with
//    {{.Query}} {{.TopK}} {{.Threshold}} / ${user_content} ${top_k} ${threshold}; reads
//    content, text or results[].content|text);
//  - openai: a vector store's search endpoint (POST {base_url}/vector_stores/{id}/search,
//    data[].content[].text, scores below the threshold dropped);
//  - milvus: Milvus's REST API (POST /v2/vectordb/entities/search) at the semantic cache's
//    Milvus connection (upstream reuses that connection too), scores below the threshold
//    dropped.
//  - vectorstore: this router's own vector store (global.stores.vector_store, filled through the
//    Files and Vector Stores APIs), searched in process with the question's embedding: no call.
//  - hybrid: a `primary` backend and an optional `fallback` (their settings in primary_config /
//    fallback_config), `strategy` sequential (the fallback is asked when the primary fails or
//    finds nothing) or parallel (both at once, the primary's passages preferred); see
//    MakeRagBackends.
//  - mcp: a tool of an MCP server over the Streamable HTTP transport (mcp_protocol.h):
//    `server_name` is the server's URL (upstream names a server it has no way to reach, and
//    always fails), `tool_name` the tool, `tool_arguments` its arguments with ${user_content},
//    ${matched_domains}, ${matched_keywords}, ${decision_name} (and ${top_k}, ${threshold})
//    filled in; the session is set up once and shared by the plugin's requests. The tool's text
//    (or structured) content holds the passages, read as upstream reads MCP results.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugins/plugin.h"
#include "vectorstore/service.h"

namespace vsr::plugins {

struct RagQuery {
  std::string text;                               // the user's question
  const std::vector<float>* embedding = nullptr;  // its embedding, for backends that need one
  int top_k = 5;
  double threshold = 0.7;
  std::string decision;                        // the matched decision's name
  std::vector<std::string> domains, keywords;  // matched domain and keyword rules
};

struct RagPassage {
  std::string content;
  double score = 0;  // 0 when the backend reports none
};

class RagBackend {
 public:
  virtual ~RagBackend() = default;
  virtual bool needs_embedding() const { return false; }
  // A backend the model searches itself, through a tool the request gets (OpenAI's
  // `workflow_mode: tool_based`): the tool's `file_search` settings. Null: the router
  // retrieves (every other backend).
  virtual const boost::json::object* FileSearchTool() const { return nullptr; }
  // Backends that search in this process answer through Retrieve, never a call (Build).
  virtual bool local() const { return false; }
  // The passages for `q` (none is not a failure); false with `error`.
  virtual bool Retrieve(const RagQuery& /*q*/, std::vector<RagPassage>& /*out*/,
                        std::string& error) const {
    error = "this backend retrieves through a call";
    return false;
  }
  // The call for `q`; nullopt with `error` when it cannot be built.
  virtual std::optional<OutboundCall> Build(const RagQuery& q, std::string& error) const = 0;
  // Backends that need several calls in turn (MCP's handshake) keep their place in `x`: Start
  // makes the first call (the others: Build's), and after each reply Continue names the next
  // one, or returns nullopt when `reply` is the last (Parse reads it) or, with `error`, when
  // the exchange failed.
  virtual std::optional<OutboundCall> Start(const RagQuery& q, RagExchange& /*x*/,
                                            std::string& error) const {
    return Build(q, error);
  }
  virtual std::optional<OutboundCall> Continue(const RagQuery& /*q*/,
                                               const OutboundReply& /*reply*/, RagExchange& /*x*/,
                                               std::string& /*error*/) const {
    return std::nullopt;
  }
  // The passages in a 200 reply's body (replacing `out`'s); false with `error` when the body
  // is not JSON, not what the backend answers, or holds no passage.
  virtual bool Parse(const std::string& body, const RagQuery& q, std::vector<RagPassage>& out,
                     std::string& error) const;

 protected:
  // The passages in the reply's JSON (`out` starts empty).
  virtual bool Read(const boost::json::value& reply, const RagQuery& q,
                    std::vector<RagPassage>& out, std::string& error) const = 0;
};

// The backend of `cfg` (its backend_config read and checked); null with `error` saying what is
// missing or unsupported. `vector_store` serves backend vectorstore (null: not enabled; its
// searches then fail saying so).
std::unique_ptr<RagBackend> MakeRagBackend(
    const config::RagPluginConfig& cfg, const config::Config& config, std::string& error,
    std::shared_ptr<vectorstore::VectorStoreService> vector_store = nullptr);

// What a rag plugin retrieves from: one backend, or hybrid's primary and fallback.
struct RagBackends {
  std::vector<std::unique_ptr<RagBackend>> stages;  // [0] the backend or primary, [1] fallback
  bool hybrid = false;
  bool parallel = false;  // hybrid strategy parallel
  bool needs_embedding() const;
};

// The backends of `cfg`: MakeRagBackend's, or for backend hybrid its primary and fallback
// (milvus, external_api, openai, each built from its *_config block; upstream also lists mcp,
// which hybrid does not take here: an MCP exchange is several calls in turn).
std::optional<RagBackends> MakeRagBackends(
    const config::RagPluginConfig& cfg, const config::Config& config, std::string& error,
    std::shared_ptr<vectorstore::VectorStoreService> vector_store = nullptr);

// Passages joined as upstream joins them ("\n\n---\n\n").
std::string JoinPassages(const std::vector<RagPassage>& passages);

}  // namespace vsr::plugins
