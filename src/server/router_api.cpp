#include "server/router_api.h"

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <tuple>

#include "common/json_text.h"
#include "common/rfc3339.h"
#include "common/strings.h"
#include "common/unix_time.h"
#include "request/parse.h"
#include "server/classify_models.h"
#include "server/eval_response.h"
#include "server/memory_api.h"
#include "server/vector_store_api.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

HttpResponse Json(int status, const json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = CompactJson(v) + "\n";
  return r;
}

// Parses a JSON object body; on failure returns the 400 response to send.
std::optional<HttpResponse> ParseObject(const std::string& body, json::object& out,
                                        const std::string& code = "INVALID_INPUT") {
  std::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) return RouterApi::Error(400, code, "failed to parse JSON: " + ec.message());
  if (!v.is_object())
    return RouterApi::Error(400, code, "failed to parse JSON: expected an object");
  out = std::move(v.as_object());
  return std::nullopt;
}

// A classify body: a JSON object whose "text" is a non-blank string.
std::optional<HttpResponse> ParseTextBody(const std::string& raw, json::object& body) {
  if (auto bad = ParseObject(raw, body)) return bad;
  const json::value* text = body.if_contains("text");
  if (text == nullptr || !text->is_string() || Trim(std::string_view(text->as_string())).empty()) {
    return RouterApi::Error(400, "INVALID_INPUT", "text cannot be empty");
  }
  return std::nullopt;
}

// Body -> JSON object -> Request (eval input: messages or text) with the HTTP headers attached.
std::optional<HttpResponse> ParseEvalRequest(const HttpRequest& http, json::object& body,
                                             request::Request& request) {
  if (auto bad = ParseObject(http.body, body)) return bad;
  if (auto error = request::ParseEvalInput(body, request)) {
    return RouterApi::Error(400, "INVALID_INPUT", *error);
  }
  request.headers = http.headers;
  return std::nullopt;
}

struct Route {
  const char* method;
  const char* path;
};
constexpr Route kRoutes[] = {
    {"GET", "/health"},
    {"GET", "/ready"},
    {"GET", "/api/v1"},
    {"GET", "/v1/models"},
    {"POST", "/api/v1/eval"},
    {"POST", "/api/v1/classify/intent"},
    {"POST", "/api/v1/classify/pii"},
    {"POST", "/api/v1/classify/security"},
    {"POST", "/api/v1/classify/fact-check"},
    {"POST", "/api/v1/classify/user-feedback"},
    {"POST", "/api/v1/classify/combined"},
    {"POST", "/api/v1/classify/batch"},
    {"POST", "/api/v1/feedback"},
    {"GET", "/api/v1/ratings"},
};

// Served by memory_api.h and vector_store_api.h (listed by /api/v1 for discovery).
constexpr Route kDelegatedRoutes[] = {
    {"GET", "/v1/memory"},
    {"GET", "/v1/memory/{id}"},
    {"DELETE", "/v1/memory"},
    {"DELETE", "/v1/memory/{id}"},
    {"POST", "/v1/files"},
    {"GET", "/v1/files"},
    {"GET", "/v1/files/{id}"},
    {"DELETE", "/v1/files/{id}"},
    {"GET", "/v1/files/{id}/content"},
    {"POST", "/v1/vector_stores"},
    {"GET", "/v1/vector_stores"},
    {"GET", "/v1/vector_stores/{id}"},
    {"POST", "/v1/vector_stores/{id}"},
    {"DELETE", "/v1/vector_stores/{id}"},
    {"POST", "/v1/vector_stores/{id}/search"},
    {"POST", "/v1/vector_stores/{id}/files"},
    {"GET", "/v1/vector_stores/{id}/files"},
    {"DELETE", "/v1/vector_stores/{id}/files/{file_id}"},
};

}  // namespace

RouterApi::RouterApi(std::shared_ptr<const routing::Router> router)
    : router_(std::make_shared<RouterSnapshot>(std::move(router))) {}

RouterApi::RouterApi(std::shared_ptr<RouterSnapshot> router) : router_(std::move(router)) {}

void RouterApi::SetRouter(std::shared_ptr<const routing::Router> router) {
  router_->Set(std::move(router));
}

std::shared_ptr<const routing::Router> RouterApi::router() const {
  return router_->Get();
}

HttpResponse RouterApi::Error(int status, const std::string& code, const std::string& message) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  err["timestamp"] = Rfc3339Utc(UnixSeconds());
  json::object body;
  body["error"] = std::move(err);
  return Json(status, body);
}

HttpResponse RouterApi::ErrorForStatus(int status, const std::string& message) {
  switch (status) {
    case 400:
      return Error(status, "INVALID_INPUT", message);
    case 404:
      return Error(status, "NOT_FOUND", message);
    case 405:
      return Error(status, "METHOD_NOT_ALLOWED", message);
    case 413:
      return Error(status, "PAYLOAD_TOO_LARGE", message);
    case 431:
      return Error(status, "HEADERS_TOO_LARGE", message);
    case 503:
      return Error(status, "SERVICE_UNAVAILABLE", message);
    default:
      return Error(status, "INTERNAL_ERROR", message);
  }
}

HttpResponse RouterApi::Handle(const HttpRequest& request) const {
  const std::shared_ptr<plugins::MemoryStore> memory = memory_ ? memory_() : nullptr;
  if (std::optional<HttpResponse> r = HandleMemoryApi(request, memory.get())) return *r;
  const auto vector_store = vector_store_ ? vector_store_() : nullptr;
  if (std::optional<HttpResponse> r = HandleVectorStoreApi(request, vector_store.get())) {
    return *r;
  }
  std::string path = request.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  bool path_known = false;
  for (const Route& r : kRoutes) {
    if (path != r.path) continue;
    path_known = true;
    if (request.method != r.method) continue;
    if (path == "/health") return Health();
    if (path == "/ready") return Ready();
    if (path == "/api/v1") return Overview();
    if (path == "/v1/models") return Models();
    if (path == "/api/v1/eval") return Eval(request);
    if (path == "/api/v1/classify/intent") return ClassifyIntent(request);
    if (path == "/api/v1/feedback") return Feedback(request);
    if (path == "/api/v1/classify/batch") return ClassifyBatch(request);
    if (path == "/api/v1/classify/combined") return ClassifyCombined(request);
    if (path == "/api/v1/ratings") return Ratings(request);
    if (path == "/api/v1/classify/pii") return ClassifyWithModel(request, ClassifyPii);
    if (path == "/api/v1/classify/security") return ClassifyWithModel(request, ClassifySecurity);
    if (path == "/api/v1/classify/fact-check") {
      return ClassifyWithModel(request, ClassifyFactCheck);
    }
    if (path == "/api/v1/classify/user-feedback") {
      return ClassifyWithModel(request, ClassifyUserFeedback);
    }
    return Error(503, "SERVICE_UNAVAILABLE", "classifier not ready");
  }
  if (path_known)
    return Error(405, "METHOD_NOT_ALLOWED", "method " + request.method + " not allowed on " + path);
  return Error(404, "NOT_FOUND", "endpoint not found: " + path);
}

HttpResponse RouterApi::Health() const {
  HttpResponse r;
  r.body = "{\"status\": \"healthy\", \"service\": \"classification-api\"}\n";
  return r;
}

HttpResponse RouterApi::Ready() const {
  const std::shared_ptr<const routing::Router> current = router();
  // Ready unless a family that decisions use needs a model that is not loaded.
  json::array pending, ready_models;
  std::string missing;
  for (signals::Family f : current->used_families()) {
    const signals::Signal* s = current->signal_set().Get(f);
    if (s == nullptr) continue;
    const std::string reason = s->NotReadyReason();
    if (reason.empty()) {
      if (s->IsExpensive()) ready_models.emplace_back(std::string(signals::NamesOf(f).leaf_type));
      continue;
    }
    pending.emplace_back(std::string(signals::NamesOf(f).leaf_type));
    missing +=
        (missing.empty() ? "" : "; ") + std::string(signals::NamesOf(f).leaf_type) + ": " + reason;
  }
  const bool ready = pending.empty();
  json::object body;
  body["status"] = ready ? "ready" : "not_ready";
  body["service"] = "classification-api";
  body["ready"] = ready;
  body["phase"] = ready ? "ready" : "models_missing";
  body["message"] = ready ? "router is ready" : "signals used by decisions cannot run: " + missing;
  body["downloading_model"] = "";
  body["pending_models"] = pending;
  body["ready_models"] = ready_models;
  body["total_models"] = static_cast<std::int64_t>(pending.size() + ready_models.size());
  return Json(ready ? 200 : 503, body);
}

HttpResponse RouterApi::Eval(const HttpRequest& http) const {
  const std::shared_ptr<const routing::Router> current = router();
  json::object body;
  request::Request request;
  if (auto bad = ParseEvalRequest(http, body, request)) return *bad;
  routing::RouteOptions options;
  options.evaluate_all_signals = true;  // upstream forces it: a dry run shows every signal
  auto trace_it = http.query.find("trace");
  options.trace = trace_it != http.query.end() && trace_it->second == "true";
  if (const json::value* o = body.if_contains("options"); o && o->is_object()) {
    const json::value* t = o->get_object().if_contains("trace");
    options.trace = options.trace || (t && t->is_bool() && t->get_bool());
  }
  const routing::RoutingResult result = current->Route(request, options);
  return Json(200, BuildEvalResponse(*current, request, result, options.trace));
}

HttpResponse RouterApi::ClassifyIntent(const HttpRequest& http) const {
  json::object body;
  request::Request request;
  if (auto bad = ParseEvalRequest(http, body, request)) return *bad;
  return Json(200, IntentBody(*router(), request));
}

namespace {

// With no decision, upstream names the category with its category classifier (the in-tree
// domain model, or the MCP classifier): here the domain family's strongest match, from routing
// when it ran there, else evaluated now. Nullopt when there is no domain family or no match.
std::optional<std::pair<std::string, double>> DomainCategory(const routing::Router& router,
                                                             const request::Request& request,
                                                             const routing::RoutingResult& result) {
  const routing::FamilyResult& ran = result.signals.Of(signals::Family::kDomain);
  signals::SignalOutput out = ran.output;
  if (!ran.evaluated) {
    const signals::Signal* domain = router.signal_set().Get(signals::Family::kDomain);
    if (domain == nullptr || !domain->NotReadyReason().empty()) return std::nullopt;
    out = {};
    domain->Evaluate(request, out);
  }
  std::optional<std::pair<std::string, double>> best;
  for (const std::string& name : out.matched) {
    auto c = out.confidences.find("domain:" + name);
    const double confidence = c == out.confidences.end() ? out.confidence : c->second;
    if (!best || confidence > best->second) best = {name, confidence};
  }
  return best;
}

}  // namespace

// Upstream's IntentResponse: the decision's name as the category, and its first model; with no
// decision, the category classifier's category, else "other".
json::object RouterApi::IntentBody(const routing::Router& router, const request::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const routing::RoutingResult result = router.Route(request);
  std::string category = "other";
  double confidence = 0;
  if (result.decision) {
    category = result.decision->name;
    confidence = result.decision_confidence;
  } else if (auto c = DomainCategory(router, request, result)) {
    std::tie(category, confidence) = *c;
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  json::object classification;
  classification["category"] = category;
  classification["confidence"] = confidence;
  classification["processing_time_ms"] = static_cast<std::int64_t>(ms);
  json::object out;
  out["classification"] = std::move(classification);
  if (result.selected_ref != nullptr) {
    out["recommended_model"] = result.selected_ref->lora_name.empty()
                                   ? result.selected_ref->model
                                   : result.selected_ref->lora_name;
    out["routing_decision"] = result.decision->name;
  }
  return out;
}

// POST /api/v1/classify/batch: input checks in upstream's order and words, then the configured
// classifiers (server/classify_models.h).
HttpResponse RouterApi::ClassifyBatch(const HttpRequest& http) const {
  std::error_code ec;
  json::value v = json::parse(http.body, ec);
  if (ec || !v.is_object()) return Error(400, "INVALID_INPUT", "Invalid JSON format");
  const json::object& body = v.as_object();
  const json::value* texts = body.if_contains("texts");
  if (texts == nullptr) return Error(400, "INVALID_INPUT", "texts field is required");
  if (!texts->is_array()) return Error(400, "INVALID_INPUT", "texts must be an array of strings");
  if (texts->as_array().empty()) return Error(400, "INVALID_INPUT", "texts array cannot be empty");
  const json::value* task = body.if_contains("task_type");
  const std::string task_type = task && task->is_string() ? std::string(task->as_string()) : "";
  if (!task_type.empty() && task_type != "intent" && task_type != "pii" &&
      task_type != "security" && task_type != "all") {
    return Error(
        400, "INVALID_TASK_TYPE",
        "invalid task_type '" + task_type + "'. Supported values: [intent pii security all]");
  }
  if (!models_) {
    return Error(503, "UNIFIED_CLASSIFIER_UNAVAILABLE",
                 "Batch classification requires unified classifier. Please ensure models are "
                 "available in ./models/ directory.");
  }
  const ClassifyOutcome out = server::ClassifyBatch(router()->config(), *models_, body);
  if (out.status != 200) return Error(out.status, out.code, out.message);
  return Json(200, out.body);
}

// POST /api/v1/classify/combined: {"text", intent_options, pii_options, security_options} ->
// {intent, pii, security, processing_time_ms}, each part as its own endpoint answers; the first
// part that fails answers for the whole, as upstream's handler stops at the first error.
HttpResponse RouterApi::ClassifyCombined(const HttpRequest& http) const {
  const auto start = std::chrono::steady_clock::now();
  json::object body;
  if (auto bad = ParseTextBody(http.body, body)) return *bad;
  if (!models_) return Error(503, "SERVICE_UNAVAILABLE", "classifier not ready");
  const std::shared_ptr<const routing::Router> current = router();
  const json::value& text = body.at("text");
  request::Request request = request::FromText(std::string(text.as_string()));
  request.headers = http.headers;
  json::object out;
  out["intent"] = IntentBody(*current, request);
  const auto part = [&](const char* options_key) {
    json::object r{{"text", text}};
    if (const json::value* o = body.if_contains(options_key); o && o->is_object()) {
      r["options"] = *o;
    }
    return r;
  };
  const ClassifyOutcome pii = ClassifyPii(current->config(), *models_, part("pii_options"));
  if (pii.status != 200) return Error(pii.status, pii.code, pii.message);
  const ClassifyOutcome security =
      ClassifySecurity(current->config(), *models_, part("security_options"));
  if (security.status != 200) return Error(security.status, security.code, security.message);
  out["pii"] = pii.body;
  out["security"] = security.body;
  out["processing_time_ms"] = static_cast<std::int64_t>(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  return Json(200, out);
}

HttpResponse RouterApi::ClassifyWithModel(const HttpRequest& http, ModelEndpoint endpoint) const {
  json::object body;
  if (auto bad = ParseTextBody(http.body, body)) return *bad;
  if (!models_) return Error(503, "SERVICE_UNAVAILABLE", "classifier not ready");
  const std::shared_ptr<const routing::Router> current = router();
  const ClassifyOutcome out = endpoint(current->config(), *models_, body);
  if (out.status != 200) return Error(out.status, out.code, out.message);
  return Json(200, out.body);
}

// POST /api/v1/feedback: pairwise preference for the selectors that learn (elo, rl_driven).
HttpResponse RouterApi::Feedback(const HttpRequest& http) const {
  const std::shared_ptr<const routing::Router> current = router();
  json::object body;
  if (auto bad = ParseObject(http.body, body, "INVALID_REQUEST")) return *bad;
  auto text = [&](const char* key) {
    const json::value* v = body.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  selection::Feedback f;
  f.winner_model = text("winner_model");
  f.loser_model = text("loser_model");
  const json::value* tie = body.if_contains("tie");
  f.tie = tie && tie->is_bool() && tie->as_bool();
  f.decision_name = text("decision_name");
  if (f.decision_name.empty()) f.decision_name = text("category");
  f.query = text("query");
  f.user_id = text("user_id");
  f.session_id = text("session_id");
  f.feedback_type = text("feedback_type");
  if (const json::value* c = body.if_contains("confidence"); c && c->is_number())
    f.confidence = c->to_number<double>();
  if (f.winner_model.empty()) return Error(400, "MISSING_WINNER", "winner_model is required");
  int configured = 0;
  std::string errors;
  if (current->selectors().UpdateFeedback(f, configured, errors) == 0) {
    if (configured > 0) return Error(500, "FEEDBACK_FAILED", errors);
    return Error(503, "NO_SELECTOR_CONFIGURED",
                 "No selection algorithm configured. Enable elo or rl_driven selection to use "
                 "feedback API.");
  }
  json::object out;
  out["success"] = true;
  out["message"] = "Feedback recorded successfully";
  out["timestamp"] = Rfc3339Utc(UnixSeconds());
  return Json(200, out);
}

// GET /api/v1/ratings[?category=<decision>]: the Elo leaderboard.
HttpResponse RouterApi::Ratings(const HttpRequest& http) const {
  const std::shared_ptr<const routing::Router> current = router();
  const selection::EloSelector* elo = current->selectors().elo();
  if (elo == nullptr) {
    return Error(503, "ELO_NOT_CONFIGURED",
                 "Elo selection is not configured. Enable elo selection to view ratings.");
  }
  auto it = http.query.find("category");
  const std::string category = it == http.query.end() ? "" : it->second;
  json::array ratings;
  for (const selection::RatingView& r : elo->Leaderboard(category)) {
    json::object o;
    o["model"] = r.model;
    o["rating"] = r.rating;
    o["wins"] = r.wins;
    o["losses"] = r.losses;
    o["ties"] = r.ties;
    ratings.emplace_back(std::move(o));
  }
  json::object out;
  out["count"] = static_cast<std::int64_t>(ratings.size());
  out["ratings"] = std::move(ratings);
  out["category"] = category.empty() ? "global" : category;
  out["timestamp"] = Rfc3339Utc(UnixSeconds());
  return Json(200, out);
}

HttpResponse RouterApi::Models() const {
  return ModelsList(router()->config());
}

HttpResponse ModelsList(const config::Config& c) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  json::array data;
  json::object auto_model;
  auto_model["id"] = c.global.router.auto_model_name;
  auto_model["object"] = "model";
  auto_model["created"] = now;
  auto_model["owned_by"] = "vllm-semantic-router";
  auto_model["description"] = "Intelligent Router for Mixture-of-Models";
  data.emplace_back(std::move(auto_model));
  if (c.global.router.include_config_models_in_list) {
    for (const auto& m : c.providers.models) {
      json::object o;
      o["id"] = m.name;
      o["object"] = "model";
      o["created"] = now;
      o["owned_by"] = "upstream-endpoint";
      data.emplace_back(std::move(o));
    }
  }
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return Json(200, out);
}

HttpResponse RouterApi::Overview() const {
  json::array endpoints;
  for (const auto& routes :
       {std::span<const Route>(kRoutes), std::span<const Route>(kDelegatedRoutes)}) {
    for (const Route& r : routes) {
      endpoints.emplace_back(json::object{{"method", r.method}, {"path", r.path}});
    }
  }
  json::object out;
  out["service"] = "vllm-sr router API";
  out["version"] = VLLM_SR_VERSION;
  out["endpoints"] = std::move(endpoints);
  return Json(200, out);
}

}  // namespace vsr::server
