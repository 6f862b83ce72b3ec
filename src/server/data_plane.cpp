#include "server/data_plane.h"

#include <array>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "common/unix_time.h"
#include "plugins/immediate_answer.h"
#include "replay/api.h"
#include "request/parse.h"
#include "routing/reasoning.h"
#include "server/api_errors.h"
#include "server/completion_assembler.h"
#include "server/credentials.h"
#include "server/format_translation.h"
#include "server/forward_body.h"
#include "server/forward_headers.h"
#include "server/http_client.h"
#include "server/looper.h"
#include "server/plugin_calls.h"
#include "server/router_api.h"
#include "server/routing_headers.h"
#include "server/usage_chunk_filter.h"

namespace vsr::server {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct DataPlane::Call {
  explicit Call(const HttpRequest& request)
      : http(request),
        json_memory(json::make_shared_resource<json::monotonic_resource>(json_buffer.data(),
                                                                         json_buffer.size())),
        body(json_memory) {}
  const HttpRequest& http;
  // The request body's JSON lives in one arena per request: no malloc per node.
  std::array<unsigned char, 8192> json_buffer;
  json::storage_ptr json_memory;
  ApiFormat client = ApiFormat::kOpenAi;
  Clock::time_point started = Clock::now();
  std::string request_id;
  AccessRecord record;
  std::shared_ptr<const routing::Router> router;
  json::object body;          // becomes the forwarded body
  bool body_changed = false;  // by the router itself (reasoning mode), not by plugins
  request::Request req;       // normalized view the signals and plugins read
  routing::RoutingResult result;
  const config::ProviderModel* model = nullptr;
  RoutedTo routed;
  bool stream = false;
  bool client_wants_usage = false;
  // Responses API: the original request (the body above is its chat translation).
  bool responses = false;
  json::object responses_request;
  json::array chat_messages;  // the conversation sent to the backend (kept for the store)
  bool is_auto = false;       // the client asked for the auto model
  Clock::time_point route_start;
  int64_t route_start_unix = 0;  // for the routing spans, when tracing
  std::string response_id;
  std::string previous_response_id;
  // Decision plugins: the chains of this request's router, the chain of its decision, and
  // what the plugins see of the request and, at the end, of the answer.
  std::shared_ptr<const plugins::PluginChains> chains;
  const plugins::PluginChain* chain = nullptr;
  plugins::RequestContext plugin_ctx;
  plugins::ResponseContext plugin_response;
  std::string completion;  // the OpenAI-form answer, kept only when a plugin needs it
  // Looper decisions (confidence, ratings): the client's body as it arrived, for the calls.
  bool looper = false;
  json::object looper_body;
  // Tracing: inert unless the data plane has a tracer and the request is sampled.
  observability::RequestTrace trace;
  observability::RequestTrace::Index root_span = observability::RequestTrace::kNone;
  observability::RequestTrace::Index upstream_span = observability::RequestTrace::kNone;

  double ElapsedMs() const {
    return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  }
};

namespace {

// One trailing slash is ignored, as upstream does.
std::string NormalizedPath(const std::string& path) {
  if (path.size() > 1 && path.back() == '/') return path.substr(0, path.size() - 1);
  return path;
}

std::string AvailableModels(const config::Config& c) {
  std::string out = c.global.router.auto_model_name;
  for (const auto& m : c.providers.models) out += ", " + m.name;
  return out;
}

bool IsJsonObject(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  return !ec && v.is_object();
}

// Runs a stream through `first` (format translation) and then `second` (Responses events).
class ChainedTranslator final : public StreamTranslator {
 public:
  ChainedTranslator(std::unique_ptr<StreamTranslator> first,
                    std::unique_ptr<StreamTranslator> second)
      : first_(std::move(first)), second_(std::move(second)) {}
  std::string Feed(std::string_view piece) override { return second_->Feed(first_->Feed(piece)); }
  std::string Finish() override {
    std::string out = second_->Feed(first_->Finish());
    return out + second_->Finish();
  }

 private:
  std::unique_ptr<StreamTranslator> first_, second_;
};

// A complete SSE stream through a translator (Feed before Finish: the operands of `+` would be
// unsequenced).
std::string TranslateWholeStream(StreamTranslator& translator, const std::string& sse) {
  std::string out = translator.Feed(sse);
  out += translator.Finish();
  return out;
}

std::unique_ptr<StreamTranslator> ChainTranslators(std::unique_ptr<StreamTranslator> first,
                                                   std::unique_ptr<StreamTranslator> second) {
  if (!first) return second;
  return std::make_unique<ChainedTranslator>(std::move(first), std::move(second));
}

}  // namespace

HttpResponse DataPlane::StoredResponseReply(Call& call, const std::string& path) {
  // /v1/responses/{id} or /v1/responses/{id}/input_items
  std::string id = path.substr(std::string("/v1/responses/").size());
  const bool items = id.size() > 12 && id.ends_with("/input_items");
  if (items) id.resize(id.size() - 12);
  const std::string& method = call.http.method;
  if ((items && method != "GET") || (!items && method != "GET" && method != "DELETE")) {
    return ErrorReply(call, 405, "method not allowed");
  }
  if (id.rfind("resp_", 0) != 0 || id.find('/') != std::string::npos) {
    return ErrorReply(call, 404, "endpoint not found");
  }
  if (method == "DELETE") {
    if (!options_.responses->Delete(id))
      return ErrorReply(call, 404, "response '" + id + "' not found");
    return HttpResponse{
        200,
        "application/json",
        CompactJson(json::object{{"id", id}, {"object", "response"}, {"deleted", true}}),
        {}};
  }
  std::optional<StoredResponse> stored = options_.responses->Get(id);
  if (!stored) return ErrorReply(call, 404, "response '" + id + "' not found");
  if (!items) return HttpResponse{200, "application/json", CompactJson(stored->response), {}};
  json::object list{{"object", "list"}, {"data", stored->input_items}, {"has_more", false}};
  const json::array& data = stored->input_items;
  const auto item_id = [](const json::value& v) {
    return v.is_object() && v.as_object().contains("id") ? v.as_object().at("id") : json::value("");
  };
  list["first_id"] = data.empty() ? json::value("") : item_id(data.front());
  list["last_id"] = data.empty() ? json::value("") : item_id(data.back());
  return HttpResponse{200, "application/json", CompactJson(list), {}};
}

void DataPlane::RecordAnswer(Call& call, int status, double ttft_s, std::string_view head,
                             std::string_view tail, const std::string& error_reason) {
  const std::string& model = call.model->name;
  observability::CompletionSample sample;
  sample.model = model;
  sample.status = status;
  sample.ttft_s = ttft_s;
  sample.completion_s = std::chrono::duration<double>(Clock::now() - call.started).count();
  sample.error_reason = error_reason;
  if (error_reason.empty() && status >= 400) {
    sample.error_reason = status >= 500 ? "upstream_5xx" : "upstream_4xx";
  }
  // OpenAI reports usage at the end; Anthropic input tokens at the start, output at the end.
  sample.prompt_tokens = observability::LastIntegerField(tail, "prompt_tokens");
  if (sample.prompt_tokens < 0)
    sample.prompt_tokens = observability::LastIntegerField(head, "input_tokens");
  sample.completion_tokens = observability::LastIntegerField(tail, "completion_tokens");
  if (sample.completion_tokens < 0) {
    sample.completion_tokens = observability::LastIntegerField(tail, "output_tokens");
  }
  if (status >= 200 && status < 300) {
    // latency_aware selection learns from what the data plane sees.
    auto& latency = call.router->selectors().latency();
    latency.RecordTtft(model, ttft_s);
    if (sample.completion_tokens > 0) {
      latency.RecordTpot(model,
                         sample.completion_s / static_cast<double>(sample.completion_tokens));
    }
  }
  call.plugin_response.prompt_tokens = sample.prompt_tokens;
  call.plugin_response.completion_tokens = sample.completion_tokens;
  if (call.trace.recording() && call.upstream_span != observability::RequestTrace::kNone) {
    if (sample.prompt_tokens >= 0) {
      call.trace.Set(call.upstream_span, "model.token_count_prompt",
                     static_cast<int64_t>(sample.prompt_tokens));
    }
    if (sample.completion_tokens >= 0) {
      call.trace.Set(call.upstream_span, "model.token_count_completion",
                     static_cast<int64_t>(sample.completion_tokens));
    }
    if (!error_reason.empty()) call.trace.Fail(call.upstream_span, error_reason);
    call.trace.End(call.upstream_span);
  }
  if (options_.metrics) options_.metrics->RecordCompletion(sample, &call.model->pricing);
}

void DataPlane::Store(const Call& call, const json::object& response) {
  if (const json::value* store = call.responses_request.if_contains("store");
      store && store->is_bool() && !store->as_bool()) {
    return;
  }
  StoredResponse s;
  s.response = response;
  s.messages = call.chat_messages;
  s.messages.push_back(AssistantMessageOf(response));
  if (const json::value* input = call.responses_request.if_contains("input")) {
    if (input->is_string()) {
      s.input_items.push_back(json::object{
          {"type", "message"},
          {"id", "msg_" + call.response_id.substr(5)},
          {"role", "user"},
          {"content", json::array{json::object{{"type", "input_text"}, {"text", *input}}}}});
    } else if (input->is_array()) {
      s.input_items = input->as_array();
    }
  }
  options_.responses->Put(call.response_id, std::move(s));
}

void DataPlane::ToResponsesApi(Call& call, std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return;
  const json::object r = ChatToResponse(v.as_object(), call.responses_request, call.response_id,
                                        call.previous_response_id);
  Store(call, r);
  body = CompactJson(r);
}

DataPlane::DataPlane(std::shared_ptr<RouterSnapshot> router, std::shared_ptr<UpstreamPool> pool,
                     std::shared_ptr<AccessLog> log, DataPlaneOptions options)
    : router_(std::move(router)),
      pool_(std::move(pool)),
      log_(std::move(log)),
      options_(std::move(options)) {
  if (!options_.responses) {
    options_.responses = std::make_shared<ResponseStore>(1000, std::chrono::hours(24));
  }
  if (!options_.plugins) {
    options_.plugins = std::make_shared<plugins::PluginRuntime>(plugins::PluginServices{});
  }
}

HttpResponse DataPlane::ErrorForStatus(int status, const std::string& message) {
  return OpenAiError(status, message);
}

HttpResponse DataPlane::ErrorReply(Call& call, int status, const std::string& message) {
  HttpResponse r = call.client == ApiFormat::kAnthropic ? AnthropicError(status, message)
                                                        : OpenAiError(status, message);
  r.headers.emplace_back("x-request-id", call.request_id);
  call.record.status = status;
  call.record.error = message;
  return r;
}

asio::awaitable<void> DataPlane::Handle(const HttpRequest& request, HttpExchange& exchange) {
  Call call(request);
  auto it = request.headers.find("x-request-id");
  call.request_id = it != request.headers.end() && !it->second.empty() && it->second.size() <= 128
                        ? it->second
                        : RandomHex(32);
  call.record.request_id = call.request_id;
  call.record.method = request.method;
  call.record.path = request.path;
  const std::string path = NormalizedPath(request.path);
  if (options_.tracer) {
    auto tp = request.headers.find("traceparent");
    call.trace = options_.tracer->StartRequest(tp != request.headers.end() ? tp->second : "");
    call.root_span =
        call.trace.Begin("semantic_router.request.received", observability::RequestTrace::kNone,
                         observability::SpanKind::kServer);
    call.trace.Set(call.root_span, "request.id", call.request_id);
    call.trace.Set(call.root_span, "http.method", request.method);
    call.trace.Set(call.root_span, "http.path", path);
  }

  if (path == "/health") {
    call.record.status = 200;
    const HttpResponse reply{
        200, "application/json", R"({"status":"healthy","service":"vllm-sr"})", {}};
    co_await exchange.Respond(reply);
  } else if (std::optional<HttpResponse> replay = ReplayReply(call); replay) {
    call.record.status = replay->status;
    co_await exchange.Respond(*replay);
  } else if (path == "/v1/models") {
    const HttpResponse reply = request.method == "GET"
                                   ? ModelsList(router_->Get()->config())
                                   : ErrorReply(call, 405, "method not allowed");
    call.record.status = reply.status;
    co_await exchange.Respond(reply);
  } else if (path.rfind("/v1/responses/", 0) == 0) {
    const HttpResponse reply = StoredResponseReply(call, path);
    call.record.status = reply.status;
    co_await exchange.Respond(reply);
  } else if (path == "/v1/responses" &&
             !router_->Get()->config().global.services.response_api.enabled) {
    const HttpResponse reply = ErrorReply(call, 404, "endpoint not found");
    co_await exchange.Respond(reply);
  } else if (path == "/v1/chat/completions" || path == "/v1/messages" || path == "/v1/responses") {
    call.client = path == "/v1/messages" ? ApiFormat::kAnthropic : ApiFormat::kOpenAi;
    call.responses = path == "/v1/responses";
    std::optional<HttpResponse> error =
        request.method == "POST" ? Prepare(call) : ErrorReply(call, 405, "method not allowed");
    if (!error) {
      co_await RouteRequest(call);
      error = Routed(call);
    }
    if (!error) {
      co_await EmbedQuestion(call);
      error = RunPlugins(call);
    }
    if (!error && call.chain->calls_out()) {
      co_await CallOut(call);
      if (call.plugin_ctx.fail_status != 0) {
        error = ErrorReply(call, call.plugin_ctx.fail_status, call.plugin_ctx.fail_message);
      } else if (call.plugin_ctx.answer) {
        error = ImmediateReply(call);  // not an error: the reply that ends the request
      }
    }
    if (!error) error = Dispatch(call);
    if (error) {
      co_await exchange.Respond(*error);
    } else if (call.looper) {
      co_await Loop(call, exchange);
    } else {
      co_await Forward(call, exchange);
    }
  } else {
    const HttpResponse reply = ErrorReply(call, 404, "endpoint not found");
    co_await exchange.Respond(reply);
  }
  call.record.duration_ms = call.ElapsedMs();
  FinishPlugins(call);
  FinishTrace(call);
  if (log_) log_->Write(call.record);
  LogRequest(call);
}

void DataPlane::LogRequest(const Call& call) {
  using observability::LogLevel;
  const AccessRecord& r = call.record;
  // Failures the router answered with 5xx are warnings; every request is a debug line.
  const LogLevel level = r.status >= 500 ? LogLevel::kWarn : LogLevel::kDebug;
  if (!observability::LogEnabled(level)) return;
  std::vector<observability::LogField> fields{{"request_id", call.request_id},
                                              {"method", r.method},
                                              {"path", r.path},
                                              {"status", std::to_string(r.status)}};
  if (!r.decision.empty()) fields.push_back({"decision", r.decision});
  if (!r.selected_model.empty()) fields.push_back({"model", r.selected_model});
  if (!r.error.empty()) fields.push_back({"error", r.error});
  if (!call.req.current_user_text.empty()) {
    fields.push_back({"prompt", observability::PromptForLog(call.req.current_user_text)});
  }
  fields.push_back({"duration_ms", FormatFixed(r.duration_ms, 3)});
  observability::Log(level, r.status >= 500 ? "request failed" : "request", std::move(fields));
}

void DataPlane::FinishTrace(Call& call) {
  observability::RequestTrace& t = call.trace;
  if (!t.recording()) return;
  const auto root = call.root_span;
  t.Set(root, "http.status_code", static_cast<int64_t>(call.record.status));
  if (!call.record.requested_model.empty()) {
    t.Set(root, "routing.original_model", call.record.requested_model);
  }
  if (!call.record.selected_model.empty()) {
    t.Set(root, "routing.selected_model", call.record.selected_model);
  }
  if (!call.record.decision.empty()) t.Set(root, "decision.name", call.record.decision);
  if (call.chain != nullptr && !call.chain->empty()) {
    t.Set(root, "cache.hit", call.plugin_response.from_cache);
  }
  if (call.record.status >= 500 || !call.record.error.empty()) {
    t.Fail(root, call.record.error.empty() ? "HTTP " + std::to_string(call.record.status)
                                           : call.record.error);
  }
  t.End(call.upstream_span);
  t.End(root);
  options_.tracer->Finish(t);
}

namespace {
// Upstream's span name per signal family (semantic_router.signal.keyword, ...), built once:
// span names must outlive the traces that point at them.
std::string_view SignalSpanName(signals::Family family) {
  static const auto kNames = [] {
    std::array<std::string, signals::kFamilyCount> names;
    for (const signals::FamilyNames& f : signals::AllFamilies()) {
      names[static_cast<size_t>(f.family)] = "semantic_router.signal." + std::string(f.metrics_key);
    }
    return names;
  }();
  return kNames[static_cast<size_t>(family)];
}
}  // namespace

void DataPlane::TraceRouting(Call& call, int64_t route_start_unix_ns) {
  observability::RequestTrace& t = call.trace;
  const int64_t route_end = UnixNanos();
  const auto eval =
      t.Add("semantic_router.signal.evaluation", call.root_span, route_start_unix_ns, route_end);
  // Every matched rule as type:name, for the decision's span: written into one reused buffer.
  thread_local std::string matched_text;
  thread_local std::vector<std::pair<size_t, size_t>> matched_at;  // offset, size in the text
  matched_text.clear();
  matched_at.clear();
  int64_t signals_end = route_start_unix_ns;
  call.result.signals.ForEachReported(
      [&](const signals::FamilyNames& names, const routing::FamilyResult& fr) {
        const signals::SignalOutput& out = fr.output;
        const int64_t start = route_start_unix_ns + static_cast<int64_t>(out.started_ms * 1e6);
        const int64_t end = start + static_cast<int64_t>(out.execution_ms * 1e6);
        signals_end = std::max(signals_end, end);
        const auto span = t.Add(SignalSpanName(names.family), eval, start, std::max(start, end));
        t.Set(span, "signal.type", names.leaf_type);
        t.Set(span, "signal.matched_rules", out.matched);
        t.Set(span, "signal.confidence", out.confidence);
        t.Set(span, "signal.latency_ms", static_cast<int64_t>(out.execution_ms));
        if (!fr.not_ready.empty()) t.Fail(span, fr.not_ready);
        if (!out.error.empty()) t.Fail(span, out.error);
        for (const std::string& m : out.matched) {
          matched_at.emplace_back(matched_text.size(), names.leaf_type.size() + 1 + m.size());
          matched_text.append(names.leaf_type).append(1, ':').append(m);
        }
      });
  thread_local std::vector<std::string_view> all_matched;
  all_matched.clear();
  for (const auto& [at, size] : matched_at)
    all_matched.emplace_back(matched_text.data() + at, size);
  // After the signals: projections, the decision rules and model selection.
  const auto decision = t.Add("semantic_router.decision.evaluation", eval,
                              std::min(signals_end, route_end), route_end);
  const routing::RoutingResult& r = call.result;
  t.Set(decision, "decision.name",
        r.decision != nullptr ? std::string_view(r.decision->name) : std::string_view());
  t.Set(decision, "decision.confidence", r.decision_confidence);
  t.Set(decision, "decision.matched_rules", std::span<const std::string_view>(all_matched));
  t.Set(decision, "decision.strategy", r.selection_method);
  t.Set(decision, "routing.selected_model", r.selected_model);
  if (!r.error.empty()) t.Fail(decision, r.error);
}

std::optional<HttpResponse> DataPlane::ReplayReply(Call& call) {
  if (!replay::IsReplayPath(call.http.path)) return std::nullopt;
  // Served only while some decision records (otherwise the path is an unknown /v1 route).
  if (!options_.plugins->ChainsFor(router_->Get())->records_replays()) return std::nullopt;
  const std::shared_ptr<replay::ReplayStore> store = options_.plugins->replay_store();
  if (!store) return std::nullopt;
  std::optional<replay::ApiReply> r =
      replay::HandleReplayApi(*store, call.http.method, call.http.path, call.http.query);
  if (!r) return std::nullopt;
  if (r->status != 200) return ErrorReply(call, r->status, r->error);
  return HttpResponse{200, "application/json", std::move(r->body), {}};
}

void DataPlane::RunRoutedPlugins(Call& call) {
  plugins::RequestContext& pctx = call.plugin_ctx;
  pctx.request_id = call.request_id;
  pctx.config = &call.router->config();
  pctx.decision = call.result.decision;
  pctx.routing = &call.result;
  pctx.request = &call.req;
  pctx.original_body = call.http.body;
  pctx.readable_body = &call.body;
  pctx.body = call.chain->rewrites_body() ? &call.body : nullptr;
  pctx.anthropic = call.client == ApiFormat::kAnthropic;
  pctx.responses_request = call.responses ? &call.responses_request : nullptr;
  pctx.stream = call.stream;
  pctx.auto_routed = call.is_auto;
  pctx.requested_model = call.record.requested_model;
  pctx.trace = &call.trace;
  call.chain->OnRouted(pctx);
}

HttpResponse DataPlane::ImmediateReply(Call& call) {
  plugins::ImmediateAnswer& answer = *call.plugin_ctx.answer;
  call.plugin_response.from_cache = answer.from_cache;
  call.plugin_response.streamed = answer.sse;
  call.record.streamed = answer.sse;
  HttpResponse reply;
  reply.status = 200;
  reply.content_type = answer.sse ? "text/event-stream" : "application/json";
  reply.headers = {{"x-request-id", call.request_id}};
  for (auto& h : answer.headers) reply.headers.push_back(std::move(h));
  if (answer.sse) reply.headers.emplace_back("cache-control", "no-cache");
  if (call.chain->needs_completion()) call.completion = answer.body;  // OpenAI form
  reply.body = InClientApi(call, std::move(answer.body), answer.sse);
  call.record.status = 200;
  return reply;
}

std::string DataPlane::InClientApi(Call& call, std::string openai_body, bool sse) {
  if (call.responses) {
    if (!sse) {
      ToResponsesApi(call, openai_body);
      return openai_body;
    }
    auto translator =
        ChatToResponsesStream(call.responses_request, call.response_id, call.previous_response_id);
    std::string events = TranslateWholeStream(*translator, openai_body);
    Store(call, translator->Completed());
    return events;
  }
  if (call.client != ApiFormat::kAnthropic) return openai_body;
  if (sse) return TranslateWholeStream(*OpenAiToAnthropicStream(), openai_body);
  boost::system::error_code ec;
  const json::value v = json::parse(openai_body, ec);
  return !ec && v.is_object() ? CompactJson(OpenAiToAnthropicResponse(v.as_object())) : openai_body;
}

void DataPlane::FinishPlugins(Call& call) {
  if (call.chain == nullptr || call.chain->empty()) return;
  plugins::ResponseContext& r = call.plugin_response;
  r.status = call.record.status;
  r.latency_ms = call.record.duration_ms;
  r.completion = call.completion;
  call.chain->OnResponse(call.plugin_ctx, r);
}

std::optional<HttpResponse> DataPlane::Prepare(Call& call) {
  call.router = router_->Get();
  const config::Config& cfg = call.router->config();

  // The body: JSON, an object, messages present and an array, a model (upstream's order).
  json::parse_options parse_options;
  parse_options.max_depth = static_cast<std::size_t>(options_.max_json_depth);
  boost::system::error_code ec;
  json::value parsed = json::parse(call.http.body, ec, call.json_memory, parse_options);
  if (ec || !parsed.is_object()) {
    const std::string why = ec == json::error::too_deep
                                ? "malformed JSON body: nested deeper than " +
                                      std::to_string(options_.max_json_depth) + " levels"
                                : "malformed JSON body";
    return ErrorReply(call, 400, why);
  }
  call.body = std::move(parsed.as_object());
  if (call.responses) {
    // Responses API: continue a stored conversation, then speak chat completions onwards.
    call.responses_request = call.body;
    std::optional<StoredResponse> previous;
    if (const json::value* prev = call.body.if_contains("previous_response_id");
        prev && prev->is_string() && !prev->as_string().empty()) {
      call.previous_response_id = std::string(prev->as_string());
      previous = options_.responses->Get(call.previous_response_id);
      if (!previous) {
        return ErrorReply(call, 404,
                          "previous response '" + call.previous_response_id + "' not found");
      }
    }
    std::string error;
    json::object chat =
        ResponsesToChatRequest(call.body, previous ? &previous->messages : nullptr, error);
    if (!error.empty()) return ErrorReply(call, 400, error);
    call.chat_messages = ChatMessagesOf(chat);
    call.body = json::object(std::move(chat), call.json_memory);
    call.response_id = NewResponseId();
  }
  const json::value* messages = call.body.if_contains("messages");
  if (messages == nullptr) {
    return ErrorReply(call, 400, "messages field is required");
  }
  if (!messages->is_array()) {
    return ErrorReply(call, 400, "messages field must be an array");
  }
  const json::value* model_field = call.body.if_contains("model");
  if (model_field == nullptr || !model_field->is_string() || model_field->as_string().empty()) {
    return ErrorReply(call, 400, "invalid request body: missing required field: model");
  }
  const std::string requested(model_field->as_string());
  call.record.requested_model = requested;

  request::Request& req = call.req;
  const auto parse_error = call.client == ApiFormat::kAnthropic
                               ? request::ParseAnthropicMessages(call.body, req)
                               : request::ParseChatCompletions(call.body, req);
  if (parse_error) {
    return ErrorReply(call, 400, *parse_error);
  }
  req.headers = call.http.headers;
  call.stream = req.stream;
  call.client_wants_usage = StreamUsageRequested(call.body);

  call.is_auto = requested == "auto" || requested == cfg.global.router.auto_model_name;
  return std::nullopt;
}

// Routing evaluates learned signals (forward passes of milliseconds) when the config uses
// them: then it runs on the routing threads and this coroutine resumes on its own executor, so
// an I/O thread never waits for a model. Cheap-signal configs route inline (microseconds).
asio::awaitable<void> DataPlane::RouteRequest(Call& call) {
  // Routing waits for the other events this I/O thread already has in hand, so the requests
  // that arrived together are routed back to back: the signals' tables (CLD2's 1.6 MB of
  // n-gram buckets, the keyword automata) and code are probed while still in cache, where
  // routing each request between other requests' socket work found them evicted under load
  // (bench/proxy/ab.sh: router CPU a request -5% at 256 connections, -8% at 64; perf at 256:
  // CLD2's samples a request -35%, the allocator's and boost.json's -25 to -40%).
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  call.route_start = Clock::now();
  call.route_start_unix = call.trace.recording() ? UnixNanos() : 0;
  if (!options_.route_threads || !call.router->runs_models()) {
    call.router->RouteInto(call.req, call.result);
    co_return;
  }
  const std::function<void()> route = [&call] { call.router->RouteInto(call.req, call.result); };
  co_await OffIoThread(route);
}

asio::awaitable<void> DataPlane::OffIoThread(const std::function<void()>& work) {
  if (!options_.route_threads) {
    work();
    co_return;
  }
  auto initiation = [this, &work](auto handler) {
    auto h = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
    options_.route_threads->Submit([h, &work] {
      work();
      auto executor = asio::get_associated_executor(*h);
      asio::post(executor, [h]() mutable { std::move (*h)(); });
    });
  };
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiation,
                                                                        asio::use_awaitable);
}

asio::awaitable<std::optional<HttpResponse>> DataPlane::ScreenAnswer(Call& call,
                                                                     std::string& answer,
                                                                     ApiFormat& format,
                                                                     HeaderList& headers) {
  plugins::AnswerContext screened;
  if (format == ApiFormat::kOpenAi) {
    screened.completion = answer;
  } else {
    boost::system::error_code ec;
    json::value v = json::parse(answer, ec);
    if (ec || !v.is_object()) co_return std::nullopt;  // nothing a screen could read
    screened.completion = CompactJson(AnthropicToOpenAiResponse(v.as_object()));
  }
  const std::function<void()> screen = [&call, &screened] {
    call.chain->OnAnswer(call.plugin_ctx, screened);
  };
  co_await OffIoThread(screen);
  if (screened.block_status != 0) {
    co_return ErrorReply(call, screened.block_status, screened.block_message);
  }
  for (auto& h : screened.headers) headers.push_back(std::move(h));
  // A rewritten answer is in OpenAI form now; so is an Anthropic one for an OpenAI client (the
  // translation done above, not done again below).
  if (screened.rewritten || (format != ApiFormat::kOpenAi && call.client == ApiFormat::kOpenAi)) {
    answer = std::move(screened.completion);
    format = ApiFormat::kOpenAi;
  }
  co_return std::nullopt;
}

std::optional<HttpResponse> DataPlane::Routed(Call& call) {
  // Decisions are evaluated for pinned models too (plugins and records need them).
  call.record.routing_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - call.route_start).count();
  if (call.trace.recording()) TraceRouting(call, call.route_start_unix);
  if (options_.metrics) options_.metrics->RecordRouting(call.result, call.record.routing_ms / 1000);
  if (call.result.decision != nullptr) call.record.decision = call.result.decision->name;
  if (!call.result.error.empty()) {
    return ErrorReply(call, 403, call.result.error);
  }
  call.chains = options_.plugins->ChainsFor(call.router);
  call.chain = &call.chains->For(call.result.decision);
  return std::nullopt;
}

asio::awaitable<void> DataPlane::EmbedQuestion(Call& call) {
  if (!call.chain->needs_embedding()) co_return;
  const std::string& question = call.req.current_user_text;
  const auto embed_async = options_.plugins->embed_async();
  if (question.empty() || !embed_async) co_return;  // the plugin embeds on this thread itself
  // A forward pass takes milliseconds: not on this I/O thread.
  std::vector<float> vector = co_await EmbedOffThread(embed_async, question);
  call.plugin_ctx.cache_embedding = std::move(vector);
}

std::optional<HttpResponse> DataPlane::RunPlugins(Call& call) {
  // The looper's calls are pinned requests through this listener: they get the decision's
  // plugins themselves, so they start from the body as the client sent it (in chat form: a
  // Responses request already is; an Anthropic one is translated), and the answer goes back in
  // the client's API, as upstream's looper answers Responses clients.
  if (call.is_auto &&
      UsesLooper(call.result.decision, call.http.headers.count("x-vsr-looper-request") > 0)) {
    call.looper = true;
    call.looper_body =
        call.client == ApiFormat::kAnthropic ? AnthropicToOpenAiRequest(call.body) : call.body;
  }
  RunRoutedPlugins(call);
  if (call.plugin_ctx.answer) return ImmediateReply(call);
  return std::nullopt;
}

asio::awaitable<void> DataPlane::CallOut(Call& call) {
  // Named locals: the loop suspends, and GCC 12 mishandles temporaries kept across co_await.
  const std::vector<plugins::Plugin*> callers = call.chain->callers();
  PluginCaller caller(*pool_, balancer_, options_.connect_timeout, options_.plugins->embed_async());
  // A plugin's follow-up rounds (calls that depend on the replies) are bounded.
  constexpr int kMaxRounds = 4;
  for (plugins::Plugin* plugin : callers) {
    std::vector<plugins::OutboundCall> calls = plugin->PrepareCalls(call.plugin_ctx);
    if (call.plugin_ctx.fail_status != 0) co_return;
    for (int round = 0; !calls.empty(); ++round) {
      std::vector<plugins::OutboundReply> replies(calls.size());
      if (round < kMaxRounds) {
        std::vector<observability::RequestTrace::Index> spans;
        for (size_t i = 0; i < calls.size(); ++i) {
          spans.push_back(call.trace.Begin("semantic_router.plugin.call", call.root_span,
                                           observability::SpanKind::kClient));
          call.trace.Set(spans.back(), "plugin.type", plugin->type());
        }
        co_await caller.SendAll(call.router->config(), calls, replies);
        for (size_t i = 0; i < replies.size(); ++i) {
          if (!replies[i].error.empty()) call.trace.Fail(spans[i], replies[i].error);
          if (calls[i].embed.empty()) {
            call.trace.Set(spans[i], "http.status_code", static_cast<int64_t>(replies[i].status));
          }
          call.trace.End(spans[i]);
        }
      } else {  // out of rounds: the plugin hears that these calls were not made
        for (plugins::OutboundReply& r : replies) {
          r.error =
              "not made: a plugin gets at most " + std::to_string(kMaxRounds) + " rounds of calls";
        }
      }
      plugin->OnCallsDone(call.plugin_ctx, replies);
      if (call.plugin_ctx.fail_status != 0 || call.plugin_ctx.answer) co_return;
      calls.clear();
      if (round < kMaxRounds) calls = plugin->FollowUpCalls(call.plugin_ctx);
    }
  }
}

std::optional<HttpResponse> DataPlane::Dispatch(Call& call) {
  const config::Config& cfg = call.router->config();
  const bool is_auto = call.is_auto;
  const std::string chosen = is_auto ? call.result.selected_model : call.record.requested_model;
  if (chosen.empty()) {
    return ErrorReply(call, 503,
                      "no model available: no decision matched this request and "
                      "providers.defaults.default_model is not set");
  }
  call.model = FindProviderModel(cfg, chosen);
  if (call.model == nullptr) {
    return ErrorReply(
        call, is_auto ? 500 : 404,
        is_auto ? "routing chose model '" + chosen + "', which providers.models does not define"
                : "model '" + chosen +
                      "' is not configured; available models: " + AvailableModels(cfg));
  }
  call.routed.model = call.model->name;
  call.record.selected_model = call.model->name;
  if (is_auto) {
    const bool use_reasoning = call.result.selected_ref != nullptr &&
                               call.result.selected_ref->use_reasoning.value_or(false);
    call.body_changed =
        routing::ApplyReasoningMode(call.body, call.model->name, use_reasoning,
                                    call.result.decision ? call.result.decision->name : "", cfg)
            .body_changed;
    call.routed.reasoning = use_reasoning;
  }
  plugins::RequestContext& pctx = call.plugin_ctx;
  pctx.selected_model = call.model->name;
  pctx.reasoning = call.routed.reasoning;
  call.chain->OnForward(pctx);
  return std::nullopt;
}

asio::awaitable<void> DataPlane::Loop(Call& call, HttpExchange& exchange) {
  const config::Config& cfg = call.router->config();
  const config::LooperIntegration& looper = cfg.global.integrations.looper;
  LooperTarget target;
  target.endpoint = looper.endpoint;
  // Upstream's default endpoint is its default listener; ours may listen elsewhere.
  if (target.endpoint == config::LooperIntegration{}.endpoint && !self_url_.empty())
    target.endpoint = self_url_;
  for (const auto& [name, value] : looper.headers) target.headers.emplace_back(name, value);
  if (looper.timeout_seconds > 0) target.timeout = std::chrono::seconds(looper.timeout_seconds);
  const LooperOutcome outcome =
      co_await RunLooper(*pool_, target, cfg, *call.result.decision, call.looper_body);
  if (outcome.status != 200) {
    const HttpResponse reply = ErrorReply(call, outcome.status, outcome.error);
    co_await exchange.Respond(reply);
    co_return;
  }
  HttpResponse reply;
  reply.status = 200;
  reply.content_type = call.stream ? "text/event-stream" : "application/json";
  reply.headers = {{"x-request-id", call.request_id},
                   {"x-vsr-selected-decision", call.result.decision->name},
                   {"x-vsr-selected-model", outcome.final_model},
                   {"x-vsr-looper-model", outcome.final_model},
                   {"x-vsr-looper-models-used", Join(outcome.models_used, ",")},
                   {"x-vsr-looper-iterations", std::to_string(outcome.iterations)},
                   {"x-vsr-looper-algorithm", outcome.algorithm}};
  reply.body =
      InClientApi(call, call.stream ? LooperAnswerAsSse(outcome) : CompactJson(outcome.completion),
                  call.stream);
  if (call.chain->needs_completion()) call.completion = CompactJson(outcome.completion);
  call.record.selected_model = outcome.final_model;
  call.record.streamed = call.stream;
  call.record.status = 200;
  co_await exchange.Respond(reply);
}

std::string DataPlane::ForwardedBody(Call& call, ApiFormat backend_format) {
  const bool translate = backend_format != call.client;
  // The router asks an OpenAI backend for a stream's usage (dropped again if the client did not).
  const bool stream_usage = call.stream && backend_format == ApiFormat::kOpenAi;
  if (!translate && !call.responses && !call.body_changed &&
      (call.chain == nullptr || !call.chain->rewrites_body())) {
    std::optional<std::string> as_sent =
        SpliceForwardedBody(call.http.body, call.body, UpstreamModelId(*call.model), stream_usage);
    if (as_sent) return std::move(*as_sent);
  }
  json::object body = !translate ? std::move(call.body)
                      : backend_format == ApiFormat::kAnthropic
                          ? OpenAiToAnthropicRequest(call.body)
                          : AnthropicToOpenAiRequest(call.body);
  if (stream_usage) {
    body["stream"] = true;
    body["stream_options"] = json::object{{"include_usage", true}};
  }
  body["model"] = UpstreamModelId(*call.model);
  return CompactJson(body);
}

asio::awaitable<void> DataPlane::Forward(Call& call, HttpExchange& exchange) {
  std::vector<BackendTarget> candidates = balancer_.Candidates(*call.model);
  if (candidates.empty()) {
    const HttpResponse reply =
        ErrorReply(call, 503, "model '" + call.model->name + "' has no backend_refs");
    co_await exchange.Respond(reply);
    co_return;
  }
  const ApiFormat backend_format = FormatOf(*call.model);
  const bool translate = backend_format != call.client;
  std::string payload = ForwardedBody(call, backend_format);

  std::string failures;
  std::unique_ptr<UpstreamResponse> response;
  BackendTarget* used = nullptr;
  size_t usable = 0;
  for (const auto& c : candidates) usable += c.error.empty() ? 1 : 0;
  bool timed_out = false;
  bool unauthorized = false;  // no key for the backend, and the credential chain fails closed
  const CredentialChain credentials(call.router->config().global.services.authz);
  // A client that hangs up while the backend works drops the backend request (as Envoy
  // resets it upstream): a backend generating for nobody is a GPU wasted.
  auto abort = std::make_shared<UpstreamAbort>();
  exchange.WatchHangup([abort] { abort->Abort(); });
  const auto record_hangup = [this, &call](double header_s) {
    call.record.error = "client went away before the answer";
    RecordAnswer(call, 499, header_s, {}, {}, "cancellation");
  };
  for (size_t i = 0; i < candidates.size(); ++i) {
    BackendTarget& target = candidates[i];
    if (!failures.empty()) failures += "; ";
    if (!target.error.empty()) {
      failures += target.error;
      continue;
    }
    UpstreamRequest up;
    up.host = target.host;
    up.port = target.port;
    up.tls = target.tls;
    up.target = target.path;
    const auto span = call.trace.Begin("semantic_router.upstream.request", call.root_span,
                                       observability::SpanKind::kClient);
    call.trace.Set(span, "model.name", call.model->name);
    call.trace.Set(span, "endpoint.name", target.name);
    call.trace.Set(span, "endpoint.address", target.Address());
    if (credentials.Resolve(call.http.headers, target) == CredentialResult::kMissing) {
      call.trace.Fail(span, kCredentialsMissing);
      call.trace.End(span);
      unauthorized = true;
      break;
    }
    up.headers = ForwardHeaders(call.http.headers, target.headers, call.plugin_ctx.upstream_set,
                                call.plugin_ctx.upstream_remove, call.request_id,
                                options_.tracer ? call.trace.TraceParentFor(span) : "");
    credentials.StripInjectedKeys(up.headers);
    // The last endpoint to try takes the body; earlier ones copy it for the next attempt.
    up.body = i + 1 == candidates.size() ? std::move(payload) : payload;
    up.connect_timeout = options_.connect_timeout;
    up.read_timeout = options_.backend_timeout;
    up.abort = abort;
    UpstreamResult r = co_await pool_->Send(up);
    if (!r.response || (r.response->status >= 500 && usable > 1)) {
      call.trace.Fail(span, r.response ? "HTTP " + std::to_string(r.response->status) : r.error);
      call.trace.End(span);
    } else {
      call.trace.Set(span, "http.status_code", static_cast<int64_t>(r.response->status));
      call.upstream_span = span;  // ends when the answer is complete
    }
    if (abort->aborted) break;
    if (!r.response) {
      failures += target.name + " (" + target.Address() + "): " + r.error;
      timed_out = timed_out || r.failure == UpstreamFailure::kTimeout;
      --usable;
      continue;
    }
    // A 5xx before anything reached the client: try the next endpoint, if there is one.
    if (r.response->status >= 500 && usable > 1) {
      failures +=
          target.name + " (" + target.Address() + "): HTTP " + std::to_string(r.response->status);
      --usable;
      continue;
    }
    response = std::move(r.response);
    used = &target;
    break;
  }
  if (options_.metrics) options_.metrics->RecordRequest(call.model->name);
  if (abort->aborted) {
    record_hangup(0);
    co_return;
  }
  if (unauthorized) {
    const HttpResponse reply = ErrorReply(call, 401, kCredentialsMissing);
    co_await exchange.Respond(reply);
    co_return;
  }
  if (!response) {
    const int status = timed_out ? 504 : 502;
    RecordAnswer(call, status, 0, {}, {}, timed_out ? "timeout" : "upstream_5xx");
    const HttpResponse reply = ErrorReply(
        call, status, "no backend of model '" + call.model->name + "' answered: " + failures);
    co_await exchange.Respond(reply);
    co_return;
  }
  call.routed.endpoint = used->Address();
  call.record.backend = used->name + " " + used->Address();
  call.record.status = response->status;

  const bool ok_status = response->status >= 200 && response->status < 300;
  call.routed.injected_system_prompt = call.plugin_ctx.injected_system_prompt;
  call.routed.cache_similarity = call.plugin_ctx.cache_similarity;
  call.routed.replay_id = call.plugin_ctx.replay_id;
  HeaderList headers;
  headers.reserve(16 + response->headers.size());  // the backend's, the request id, routing
  PassBackHeaders(response->headers, headers);
  headers.emplace_back("x-request-id", call.request_id);
  if (ok_status) AppendRoutingHeaders(call.result, call.routed, headers);
  // Plugins that read the whole answer (cache, replay) get it in OpenAI form.
  const bool keep_completion = call.chain != nullptr && call.chain->needs_completion();
  const bool is_sse = response->content_type.rfind("text/event-stream", 0) == 0;
  if (is_sse) {
    call.record.streamed = true;
    call.plugin_response.streamed = true;
    std::unique_ptr<StreamTranslator> assembling;
    CompletionAssembler* assembler = nullptr;
    if (keep_completion && ok_status) {
      auto a = std::make_unique<CompletionAssembler>();
      assembler = a.get();
      if (backend_format == ApiFormat::kAnthropic) {
        assembling = ChainTranslators(AnthropicToOpenAiStream(true), std::move(a));
      } else {
        assembling = std::move(a);
      }
    }
    headers.emplace_back("cache-control", "no-cache");
    std::unique_ptr<StreamTranslator> translator;
    if (translate) {
      translator = backend_format == ApiFormat::kAnthropic
                       ? AnthropicToOpenAiStream(call.client_wants_usage || call.responses)
                       : OpenAiToAnthropicStream();
    } else if (backend_format == ApiFormat::kOpenAi && !call.client_wants_usage &&
               !call.responses && ok_status) {
      translator = DropUsageOnlyChunk();  // the router asked for it, the client did not
    }
    ResponsesStreamTranslator* responses_stream = nullptr;
    if (call.responses) {
      auto r = ChatToResponsesStream(call.responses_request, call.response_id,
                                     call.previous_response_id);
      responses_stream = r.get();
      translator = ChainTranslators(std::move(translator), std::move(r));
    }
    const std::string event_stream = "text/event-stream";
    if (!co_await exchange.BeginStream(response->status, event_stream, headers)) {
      call.record.error = "client went away";
      co_return;
    }
    bool client_ok = true;
    double ttft_s = -1;
    std::string head, tail;  // where backends report usage (Anthropic: start; OpenAI: end)
    while (client_ok && !response->done()) {
      std::string piece = co_await response->Read();
      if (ttft_s < 0 && !piece.empty()) {
        ttft_s = std::chrono::duration<double>(Clock::now() - call.started).count();
      }
      if (head.size() < 4096) head.append(piece, 0, 4096 - head.size());
      tail.append(piece);
      if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
      if (assembling) assembling->Feed(piece);
      if (translator) piece = translator->Feed(piece);
      if (!piece.empty()) client_ok = co_await exchange.Write(piece);
    }
    if (!response->error().empty()) call.record.error = response->error();
    if (abort->aborted) client_ok = false;
    if (!client_ok) {
      // Dropping `response` closes the backend connection: the backend stops generating.
      call.record.error = "client disconnected mid-stream";
      RecordAnswer(call, 499, ttft_s, {}, {}, "cancellation");
      co_return;
    }
    RecordAnswer(call, response->status, std::max(0.0, ttft_s), head, tail,
                 response->error().empty() ? "" : "upstream_5xx");
    if (translator && response->error().empty()) {
      const std::string last = translator->Finish();
      if (!last.empty()) client_ok = co_await exchange.Write(last);
    }
    // A stream the backend cut short ends without its final chunk (the connection closes), as
    // Envoy ends it upstream: a clean end would pass the truncated answer off as whole.
    if (client_ok && response->error().empty()) co_await exchange.EndStream();
    if (assembler != nullptr && response->error().empty()) {
      assembling->Finish();
      call.completion = CompactJson(assembler->Completion());
    }
    if (responses_stream != nullptr && response->error().empty()) {
      Store(call, responses_stream->Completed());
    }
    co_return;
  }

  const double header_s = std::chrono::duration<double>(Clock::now() - call.started).count();
  std::string answer = co_await response->ReadAll(options_.max_response_bytes);
  if (abort->aborted) {
    record_hangup(header_s);
    co_return;
  }
  // An answer the router must rewrite (another API's format, the Responses API) has to be a JSON
  // object; anything else (a load balancer's HTML page) would reach the client as a 200 it cannot
  // read, under a content type that is not its own.
  std::string bad_answer = response->error().empty() ? "" : "failed: " + response->error();
  if (bad_answer.empty() && ok_status && (backend_format != call.client || call.responses) &&
      !IsJsonObject(answer)) {
    bad_answer = "answered HTTP " + std::to_string(response->status) + " with a body that is " +
                 "not a JSON object (content type '" + response->content_type +
                 "'), which the router cannot turn into this API's answer";
  }
  RecordAnswer(call, bad_answer.empty() ? response->status : 502, header_s, answer, answer,
               bad_answer.empty() ? "" : "upstream_5xx");
  if (!bad_answer.empty()) {
    const HttpResponse reply = ErrorReply(call, 502, "backend '" + used->name + "' " + bad_answer);
    co_await exchange.Respond(reply);
    co_return;
  }
  std::string content_type =
      response->content_type.empty() ? "application/json" : response->content_type;
  // Screens (response_jailbreak, hallucination) judge the answer before the client sees it.
  ApiFormat answer_format = backend_format;
  if (ok_status && call.chain != nullptr && call.chain->screens_answers()) {
    std::optional<HttpResponse> blocked =
        co_await ScreenAnswer(call, answer, answer_format, headers);
    if (blocked) {
      co_await exchange.Respond(*blocked);
      co_return;
    }
  }
  if (keep_completion && !(ok_status && answer_format == ApiFormat::kAnthropic)) {
    call.completion = answer;  // OpenAI form, or the backend's error body
  }
  if (answer_format != call.client) {
    boost::system::error_code ec;
    json::value v = json::parse(answer, ec);
    if (ok_status && !ec && v.is_object()) {
      answer = CompactJson(answer_format == ApiFormat::kAnthropic
                               ? AnthropicToOpenAiResponse(v.as_object())
                               : OpenAiToAnthropicResponse(v.as_object()));
      if (keep_completion && answer_format == ApiFormat::kAnthropic) call.completion = answer;
    } else if (!ok_status) {
      answer = TranslateErrorBody(answer, response->status, call.client == ApiFormat::kAnthropic);
    }
    content_type = "application/json";
  } else if (keep_completion && ok_status && answer_format == ApiFormat::kAnthropic) {
    // An Anthropic answer to an Anthropic client: the plugins still read it in OpenAI form.
    boost::system::error_code ec;
    json::value v = json::parse(answer, ec);
    if (!ec && v.is_object()) {
      call.completion = CompactJson(AnthropicToOpenAiResponse(v.as_object()));
    }
  }
  if (call.responses && ok_status) ToResponsesApi(call, answer);
  const HttpResponse out{response->status, content_type, std::move(answer), std::move(headers)};
  co_await exchange.Respond(out);
}

}  // namespace vsr::server
