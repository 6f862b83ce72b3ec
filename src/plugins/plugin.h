// The decision plugin interface. A decision's plugins (config `plugins:`) run around the
// backend call of every request that decision wins: first when the request is routed (a plugin
// may answer it right away: fast_response, a semantic-cache hit), then when it is forwarded to
// the chosen model (rewrites: system prompt, request params, headers), then before a complete
// answer reaches the client (screens: response jailbreak, hallucination), and last when the
// request is over (recording, caching). One class per plugin type; plugins/registry.cpp is the
// one place types are registered.
#pragma once

#include <algorithm>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "observability/span.h"
#include "request/request.h"
#include "routing/router.h"

namespace vsr::plugins {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An HTTP call a plugin needs made before the request goes on (RAG retrieval, image
// generation). The data plane makes it without blocking a thread (TLS for https, connect and
// read timeouts) and hands the plugin the reply.
struct OutboundCall {
  std::string url;  // http[s]://host[:port]/path
  // Instead of `url`: a configured model (providers.models name) that gets `body`, an OpenAI
  // chat-completions request, through its backend like any routed request (endpoint,
  // credentials, provider model id, Anthropic translation both ways).
  std::string model;
  // Instead of an HTTP call: a text for the router's embedding model, embedded on the model
  // threads (memory's rewritten query); the vector comes back in OutboundReply::embedding.
  std::string embed;
  HeaderList headers;
  std::string body;  // JSON, POSTed
  std::chrono::milliseconds timeout{30000};
  size_t max_reply_bytes = 4 * 1024 * 1024;  // a longer reply fails the call
};
struct OutboundReply {
  int status = 0;                // 0: no reply (see error)
  HeaderList headers;            // the reply's, as received
  std::string body;              // bounded
  std::string error;             // why there is no reply
  double seconds = 0;            // how long the call took
  std::vector<float> embedding;  // an `embed` call's vector
};

// Where a rag backend that needs several calls in turn (MCP: a session handshake before the
// tool call) stands for one request.
struct RagExchange {
  int step = 0;                      // the backend's own numbering
  HeaderList headers;                // what the exchange's later calls repeat (MCP's session id)
  std::optional<OutboundCall> next;  // the call to make in the next round
  double seconds = 0;                // spent in the exchange's calls so far
};

// An answer given instead of calling a backend, in OpenAI chat-completions form (a
// `chat.completion` object, or its SSE chunks when the client streams). The data plane turns it
// into the client's API (Anthropic messages, Responses) like any backend answer.
struct ImmediateAnswer {
  std::string body;
  bool sse = false;
  HeaderList headers;  // x-vsr-fast-response, x-vsr-cache-hit, ...
  bool from_cache = false;
};

// One request as the plugins see it. The data plane fills it; plugins read and change it.
struct RequestContext {
  std::string request_id;
  const config::Config* config = nullptr;
  const config::Decision* decision = nullptr;  // null when no decision matched
  const routing::RoutingResult* routing = nullptr;
  const request::Request* request = nullptr;           // normalized (text views, headers)
  std::string_view original_body;                      // the body as the client sent it
  const boost::json::object* readable_body = nullptr;  // the body to forward, to read
  // The same body, to change: set only when a plugin of the chain rewrites_body(), since the
  // data plane forwards the client's own bytes (model swapped) when no plugin may change them.
  boost::json::object* body = nullptr;  // in the client's format
  bool anthropic = false;               // body is an Anthropic messages request
  // The client's Responses API request, when it speaks that API (`body` is its chat form).
  const boost::json::object* responses_request = nullptr;
  bool stream = false;
  bool auto_routed = false;     // the client asked for the auto model (MoM)
  std::string requested_model;  // the `model` the client sent
  std::string selected_model;   // providers.models name (set before OnForward)
  bool reasoning = false;       // reasoning mode switched on for the selected model
  observability::RequestTrace* trace = nullptr;  // each plugin hook gets a span when recording

  // Set by plugins.
  std::optional<ImmediateAnswer> answer;  // OnRouted: answer now, no backend call
  HeaderList upstream_set;                // headers set on the backend request
  std::vector<std::string> upstream_remove;
  bool injected_system_prompt = false;
  double cache_similarity = 0;         // semantic-cache: best similarity (x-vsr-cache-similarity)
  std::vector<float> cache_embedding;  // the question's embedding, when a plugin needs it
  std::string replay_id;               // router_replay: the record id (x-vsr-replay-id)
  // A plugin that stops the request (RAG with on_failure: block): the error to answer.
  int fail_status = 0;
  std::string fail_message;

  // rag: what was retrieved (injected by OnForward; grounds hallucination checks as tool role).
  std::string rag_backend;
  std::string rag_context;
  double rag_similarity = 0;
  bool rag_as_tool = false;
  bool rag_file_search = false;  // tool_based: the request gets a file_search tool instead
  // rag's calls in flight: the backend stage (0 primary, 1 fallback) of each.
  std::vector<size_t> rag_calls;
  std::string rag_primary_error;  // hybrid sequential: why the primary gave nothing
  bool rag_fallback_due = false;  // hybrid sequential: the fallback is to be asked next
  RagExchange rag_exchange;       // a backend's calls in turn (MCP)

  // memory: the question as the memory_rewrite model made it self-contained ("" when not
  // rewritten), its embedding, and whether that was asked for.
  std::string memory_query;
  std::vector<float> memory_query_embedding;
  bool memory_query_embed_asked = false;

  // Set by the answer screens (OnAnswer), for the replay record.
  bool response_jailbreak_detected = false;
  std::string response_jailbreak_type;
  double response_jailbreak_confidence = 0;
  bool hallucination_enabled = false;  // the decision screens for hallucinations
  bool hallucination_detected = false;
  double hallucination_confidence = 0;
  std::vector<std::string> hallucination_spans;
};

// Upstream's FactCheckNeeded: the fact_check signal's `needs_fact_check` rule matched (the
// hallucination screen and memory read it).
inline bool FactCheckNeeded(const RequestContext& ctx) {
  if (ctx.routing == nullptr) return false;
  const auto& matched = ctx.routing->signals.Of(signals::Family::kFactCheck).output.matched;
  return std::find(matched.begin(), matched.end(), "needs_fact_check") != matched.end();
}

// A non-streamed 2xx answer before it reaches the client (upstream screens only those: a stream
// has been delivered by the time it could be judged). Screens may replace it with an error,
// add response headers, or rewrite the assistant's text.
struct AnswerContext {
  std::string completion;  // the answer in OpenAI chat.completion form
  bool rewritten = false;  // set when a screen changed `completion`
  HeaderList headers;      // added to the client's response
  int block_status = 0;    // non-zero: answer with this error status and message instead
  std::string block_message;
};

// The finished answer, for plugins that look at it.
struct ResponseContext {
  int status = 0;
  bool streamed = false;
  bool from_cache = false;
  // For a 2xx answer, the answer in OpenAI chat.completion form (streams reassembled); for an
  // error, the backend's error body. Empty when unavailable (a client that went away) and
  // unless a plugin of the chain needs_completion().
  std::string_view completion;
  int prompt_tokens = -1;  // -1: not reported
  int completion_tokens = -1;
  double latency_ms = 0;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view type() const = 0;
  // After routing, before a model is resolved. Setting ctx.answer ends the request here.
  virtual void OnRouted(RequestContext& /*ctx*/) {}
  // The model is chosen and the body is about to be sent to it.
  virtual void OnForward(RequestContext& /*ctx*/) {}
  // The request is over (answered, failed or abandoned).
  virtual void OnResponse(const RequestContext& /*ctx*/, const ResponseContext& /*response*/) {}
  // After OnRouted (no answer), before a model is resolved: the calls to make (calls_out()),
  // which the data plane makes concurrently. Runs on the I/O thread: building calls must be
  // cheap (the question's embedding is in RequestContext::cache_embedding when
  // needs_embedding()). May set ctx.fail_status to stop the request.
  virtual std::vector<OutboundCall> PrepareCalls(RequestContext& /*ctx*/) { return {}; }
  // Their replies (or why there are none), in the calls' order. May set ctx.fail_status to
  // stop the request, or ctx.answer to answer it.
  virtual void OnCallsDone(RequestContext& /*ctx*/, std::vector<OutboundReply>& /*replies*/) {}
  // After OnCallsDone: calls that depend on those replies (rag's hybrid fallback), sent the
  // same way and answered through OnCallsDone again; none (the default) ends the exchange.
  virtual std::vector<OutboundCall> FollowUpCalls(RequestContext& /*ctx*/) { return {}; }
  virtual bool calls_out() const { return false; }
  // A non-streamed 2xx answer is about to be sent (see AnswerContext). Runs off the I/O
  // threads when screens_answers(): screens may run a model.
  virtual void OnAnswer(RequestContext& /*ctx*/, AnswerContext& /*answer*/) {}
  virtual bool screens_answers() const { return false; }
  // Whether OnResponse needs ResponseContext::completion (streams are reassembled only then).
  virtual bool needs_completion() const { return false; }
  // Whether OnRouted wants the question's embedding (RequestContext::cache_embedding), which the
  // data plane then computes off the I/O thread before OnRouted.
  virtual bool needs_embedding() const { return false; }
  // Whether its hooks get `semantic_router.plugin.execution` spans. router_replay's do not: they
  // only keep the request's record (upstream does not trace them either), and three empty spans
  // a request were a third of a routed request's trace.
  virtual bool traced() const { return true; }
  // Whether it changes the forwarded body (RequestContext::body, null otherwise).
  virtual bool rewrites_body() const { return false; }
};

}  // namespace vsr::plugins
