// The data plane: the OpenAI/Anthropic-compatible API clients call (default :8888). A request
// for the auto model is routed with Router::Route; one naming a configured model goes there
// directly. The body is rewritten for the chosen model (provider model id, reasoning mode,
// format translation) and forwarded to one of its backends, the answer streamed back with the
// x-vsr-* routing headers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "common/worker_pool.h"
#include "observability/logger.h"
#include "observability/router_metrics.h"
#include "observability/tracer.h"
#include "plugins/registry.h"
#include "server/access_log.h"
#include "server/backends.h"
#include "server/http_exchange.h"
#include "server/responses_api.h"
#include "server/router_snapshot.h"
#include "server/upstream_client.h"

namespace vsr::server {

struct DataPlaneOptions {
  std::chrono::milliseconds backend_timeout{300000};  // longest backend silence (listener timeout)
  std::chrono::milliseconds connect_timeout{5000};
  size_t max_response_bytes = 64 * 1024 * 1024;  // a non-streamed answer larger than this fails
  int max_json_depth = 64;                       // deeper request bodies get 400
  // Responses API store, shared by every worker's data plane (one is made when null).
  std::shared_ptr<ResponseStore> responses;
  std::shared_ptr<observability::RouterMetrics> metrics;  // null: not recorded
  // Decision plugins and their shared state, shared by every worker (one is made when null).
  std::shared_ptr<plugins::PluginRuntime> plugins;
  // Request tracing (spans exported over OTLP/HTTP, traceparent to backends); null: off.
  std::shared_ptr<observability::Tracer> tracer;
  // Threads that route requests whose config runs learned signals (they wait on the models,
  // so the I/O threads do not); null: every request routes inline.
  std::shared_ptr<WorkerPool> route_threads;
};

class DataPlane {
 public:
  DataPlane(std::shared_ptr<RouterSnapshot> router, std::shared_ptr<UpstreamPool> pool,
            std::shared_ptr<AccessLog> log, DataPlaneOptions options = {});

  boost::asio::awaitable<void> Handle(const HttpRequest& request, HttpExchange& exchange);

  // This listener's chat completions URL, set once before it serves: where looper calls go
  // while global.integrations.looper.endpoint keeps upstream's default (its default listener).
  void set_self_url(std::string url) { self_url_ = std::move(url); }

  // Errors the HTTP server answers itself (413, 431, 400), in OpenAI's envelope.
  static HttpResponse ErrorForStatus(int status, const std::string& message);

 private:
  struct Call;
  // Parses and validates the body into the normalized request; an error reply when the
  // request stops.
  // Plain functions on purpose: coroutines here only do I/O or hand work to other threads
  // (GCC 12 mishandles some temporaries inside co_await expressions).
  std::optional<HttpResponse> Prepare(Call& call);
  // Router::Route, on the routing threads when the config runs models (else inline).
  boost::asio::awaitable<void> RouteRequest(Call& call);
  // Runs `work` on the routing threads (inline without them) and resumes on this coroutine's
  // executor: model passes never hold an I/O thread.
  boost::asio::awaitable<void> OffIoThread(const std::function<void()>& work);
  // The decision's answer screens on a non-streamed 2xx answer (`answer`, in `format`): their
  // headers join `headers`; a rewrite (or an Anthropic answer to an OpenAI client) leaves
  // `answer` in OpenAI form (`format` says so); a block is the error reply to send instead.
  boost::asio::awaitable<std::optional<HttpResponse>> ScreenAnswer(Call& call, std::string& answer,
                                                                   ApiFormat& format,
                                                                   HeaderList& headers);
  // After routing: timings, trace, metrics, the decision's plugin chain; an error reply when
  // routing refused the request.
  std::optional<HttpResponse> Routed(Call& call);
  // Embeds the question on the model threads when the decision's plugins want it.
  boost::asio::awaitable<void> EmbedQuestion(Call& call);
  // Answers a looper decision (confidence, ratings) from several pinned model calls.
  boost::asio::awaitable<void> Loop(Call& call, HttpExchange& exchange);
  // After routing: the decision's plugins (OnRouted); their answer, if one answered.
  std::optional<HttpResponse> RunPlugins(Call& call);
  // The calls the decision's plugins need made (rag retrieval, image generation): each
  // plugin's calls at once, plugin after plugin, until one stops or answers the request.
  boost::asio::awaitable<void> CallOut(Call& call);
  // The model, then OnForward.
  std::optional<HttpResponse> Dispatch(Call& call);
  // Spans of routing (signals, then decision and selection), from when Route started.
  void TraceRouting(Call& call, int64_t route_start_unix_ns);
  // Closes the request's root span and hands the trace to the exporter.
  void FinishTrace(Call& call);
  // The request's router-log line: debug for every request, warn for a 5xx (request_id in it).
  void LogRequest(const Call& call);
  HttpResponse ErrorReply(Call& call, int status, const std::string& message);
  // GET /v1/router_replay... when some decision records replays; nullopt otherwise.
  std::optional<HttpResponse> ReplayReply(Call& call);
  // A plugin's answer (fast_response, cache hit) in the client's API.
  HttpResponse ImmediateReply(Call& call);
  // A whole answer the router made in OpenAI form (a chat.completion, or its SSE when `sse`) in
  // the client's API: Anthropic, the Responses API (stored), or as it is.
  std::string InClientApi(Call& call, std::string openai_body, bool sse);
  // Builds the plugin view of the request and runs the routed-phase plugins.
  void RunRoutedPlugins(Call& call);
  // The request is over: response-phase plugins see how it ended.
  void FinishPlugins(Call& call);
  boost::asio::awaitable<void> Forward(Call& call, HttpExchange& exchange);
  // The body every endpoint of the model gets (built once, not once per attempt): the client's
  // bytes with the model swapped when nothing changed the body, else the body serialized.
  std::string ForwardedBody(Call& call, ApiFormat backend_format);
  // GET/DELETE /v1/responses/{id}[/input_items]
  HttpResponse StoredResponseReply(Call& call, const std::string& path);
  // Keeps a finished Responses-API answer (previous_response_id, GET /v1/responses/{id}).
  void Store(const Call& call, const boost::json::object& response);
  // A whole chat.completion body -> the Responses-API object, stored (a body that is not a JSON
  // object is left as it is).
  void ToResponsesApi(Call& call, std::string& body);
  // Metrics and latency samples for an answer; `head`/`tail` are the start and end of the
  // backend's bytes, where usage is reported.
  void RecordAnswer(Call& call, int status, double ttft_s, std::string_view head,
                    std::string_view tail, const std::string& error_reason);

  std::shared_ptr<RouterSnapshot> router_;
  std::shared_ptr<UpstreamPool> pool_;
  std::shared_ptr<AccessLog> log_;
  DataPlaneOptions options_;
  BackendBalancer balancer_;
  std::string self_url_;
};

}  // namespace vsr::server
