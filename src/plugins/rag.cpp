#include "plugins/rag.h"

#include <boost/json.hpp>

#include "common/strings.h"
#include "signals/family.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

constexpr size_t kCacheEntries = 1024;  // questions kept per plugin with cache_results
constexpr const char* kSystemPrefix = "Context from knowledge base:\n\n";

const std::string& Decision(const RequestContext& ctx) {
  static const std::string kNone;
  return ctx.decision != nullptr ? ctx.decision->name : kNone;
}

// Upstream's fact-check confidence: 1 once any fact_check rule matched, else 0.
double FactCheckConfidence(const RequestContext& ctx) {
  if (ctx.routing == nullptr) return 0;
  return ctx.routing->signals.Of(signals::Family::kFactCheck).output.matched.empty() ? 0 : 1;
}

// The system message's text with `prefix` in front (string or text-part content).
void PrefixContent(json::value& content, const std::string& prefix) {
  if (json::array* parts = content.if_array()) {
    parts->insert(parts->begin(), json::object{{"type", "text"}, {"text", prefix}});
  } else if (json::string* text = content.if_string()) {
    content = prefix + std::string(*text);
  } else {
    content = prefix;
  }
}

}  // namespace

std::string TruncateContext(const std::string& context, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < context.size(); ++i) {
    if ((static_cast<unsigned char>(context[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars++ == max_chars) return context.substr(0, i) + "...";
  }
  return context;
}

bool InjectRagContext(json::object& body, bool anthropic, const std::string& mode,
                      const std::string& context, const std::string& tool_call_id) {
  json::value* messages_value = body.if_contains("messages");
  json::array* messages = messages_value != nullptr ? messages_value->if_array() : nullptr;
  if (messages == nullptr) return false;
  const std::string prefixed = kSystemPrefix + context + "\n\n";
  if (anthropic) {  // no tool role in Anthropic's API: the system prompt carries it
    json::value& system = body["system"];
    PrefixContent(system, prefixed);
    return false;
  }
  if (mode != "system_prompt") {
    for (size_t i = messages->size(); i-- > 0;) {
      const json::object* m = (*messages)[i].if_object();
      const json::value* role = m != nullptr ? m->if_contains("role") : nullptr;
      if (role == nullptr || !role->is_string() || role->as_string() != "user") continue;
      messages->insert(
          messages->begin() + static_cast<std::ptrdiff_t>(i) + 1,
          json::object{{"role", "tool"}, {"tool_call_id", tool_call_id}, {"content", context}});
      return true;
    }
    return false;  // no user message: nowhere to put it (upstream neither)
  }
  if (!messages->empty()) {
    json::object* first = messages->front().if_object();
    const json::value* role = first != nullptr ? first->if_contains("role") : nullptr;
    if (role != nullptr && role->is_string() && role->as_string() == "system") {
      PrefixContent((*first)["content"], prefixed);
      return false;
    }
  }
  messages->insert(messages->begin(), json::object{{"role", "system"}, {"content", prefixed}});
  return false;
}

RagPlugin::RagPlugin(const config::RagPluginConfig& cfg, RagBackends backends,
                     const PluginServices& services)
    : cfg_(cfg),
      backends_(std::move(backends)),
      embed_(services.embed),
      log_(services.log),
      metrics_(services.metrics) {}

void AddFileSearchTool(json::object& body, const json::object& settings) {
  json::value& tools = body["tools"];
  if (!tools.is_array()) tools = json::array();
  for (json::value& tool : tools.as_array()) {
    json::object* t = tool.if_object();
    if (t == nullptr) continue;
    const json::value* type = t->if_contains("type");
    if (type == nullptr || !type->is_string() || type->as_string() != "file_search") continue;
    if (json::value* own = t->if_contains("file_search"); own != nullptr && own->is_object()) {
      for (const auto& [key, value] : settings) own->as_object()[key] = value;
    }
    return;
  }
  tools.as_array().push_back(json::object{{"type", "file_search"}, {"file_search", settings}});
}

RagQuery RagPlugin::Query(const RequestContext& ctx) const {
  RagQuery q;
  q.text = ctx.request != nullptr ? ctx.request->current_user_text : "";
  q.decision = Decision(ctx);
  if (ctx.routing != nullptr) {
    q.domains = ctx.routing->signals.Of(signals::Family::kDomain).output.matched;
    q.keywords = ctx.routing->signals.Of(signals::Family::kKeyword).output.matched;
  }
  q.embedding = &ctx.cache_embedding;
  q.top_k = cfg_.top_k.value_or(5);
  q.threshold = cfg_.similarity_threshold.value_or(0.7);
  return q;
}

std::vector<OutboundCall> RagPlugin::PrepareCalls(RequestContext& ctx) {
  ctx.rag_calls.clear();
  ctx.rag_fallback_due = false;
  ctx.rag_file_search = false;
  ctx.rag_exchange = RagExchange{};
  if (ctx.request == nullptr) return {};
  // Looper calls come back through the listener: their context was retrieved once already.
  if (!ctx.request->Header("x-vsr-looper-request").empty()) return {};
  if (cfg_.min_confidence_threshold && FactCheckConfidence(ctx) < *cfg_.min_confidence_threshold) {
    return {};
  }
  ctx.rag_backend = cfg_.backend;
  const std::string& question = ctx.request->current_user_text;
  if (question.empty()) {
    Fail(ctx, "user content is empty", 0);
    return {};
  }
  if (backends_.stages.front()->FileSearchTool()) {  // the model searches: OnForward adds it
    ctx.rag_file_search = true;
    if (metrics_) metrics_->RecordRagRetrieval(cfg_.backend, Decision(ctx), "success", 0);
    return {};
  }
  if (cfg_.cache_results) {
    std::optional<std::string> hit = Cached(question);
    if (metrics_) metrics_->RecordRagCache(cfg_.backend, hit.has_value());
    if (hit) {
      ctx.rag_context = std::move(*hit);
      return {};
    }
  }
  // Without model threads the data plane leaves embedding to the plugin (as the cache does).
  if (backends_.needs_embedding() && ctx.cache_embedding.empty() && embed_) {
    ctx.cache_embedding = embed_(question);
  }
  const RagBackend& first = *backends_.stages.front();
  if (first.local()) {  // searched here, in memory: no call to make
    const auto start = std::chrono::steady_clock::now();
    const RagQuery q = Query(ctx);
    std::vector<RagPassage> passages;
    std::string error;
    const bool found = first.Retrieve(q, passages, error);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (found) {
      Accept(ctx, q, passages, seconds);
    } else {
      Fail(ctx, error, seconds);
    }
    return {};
  }
  if (backends_.parallel && backends_.stages.size() > 1) return CallsFor(ctx, {0, 1});
  return CallsFor(ctx, {0});
}

std::vector<OutboundCall> RagPlugin::CallsFor(RequestContext& ctx,
                                              const std::vector<size_t>& stages) {
  std::vector<OutboundCall> calls;
  ctx.rag_calls.clear();
  const RagQuery q = Query(ctx);
  for (size_t stage : stages) {
    std::string error;
    std::optional<OutboundCall> call = backends_.stages[stage]->Start(q, ctx.rag_exchange, error);
    if (!call) {
      Fail(ctx, error, 0);
      return {};
    }
    calls.push_back(std::move(*call));
    ctx.rag_calls.push_back(stage);
  }
  return calls;
}

bool RagPlugin::Read(size_t stage, const OutboundReply& reply, const RagQuery& q,
                     std::vector<RagPassage>& passages, std::string& error) const {
  if (!reply.error.empty()) {
    error = "API request failed: " + reply.error;
    return false;
  }
  if (reply.status != 200) {
    error =
        "API returned status " + std::to_string(reply.status) + ": " + reply.body.substr(0, 1024);
    return false;
  }
  return backends_.stages[stage]->Parse(reply.body, q, passages, error);
}

void RagPlugin::OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) {
  const RagQuery q = Query(ctx);
  if (!backends_.hybrid && !replies.empty()) {  // a backend's calls in turn (MCP's handshake)
    RagExchange& x = ctx.rag_exchange;
    x.seconds += replies[0].seconds;
    std::string error;
    x.next = backends_.stages[0]->Continue(q, replies[0], x, error);
    if (x.next) return;  // FollowUpCalls makes it
    if (!error.empty()) {
      ctx.rag_calls.clear();
      Fail(ctx, error, x.seconds);
      return;
    }
    replies[0].seconds = x.seconds;
  }
  std::vector<std::vector<RagPassage>> passages(backends_.stages.size());
  std::vector<std::string> errors(backends_.stages.size());
  std::vector<bool> answered(backends_.stages.size(), false);
  double seconds = 0;
  for (size_t i = 0; i < replies.size() && i < ctx.rag_calls.size(); ++i) {
    const size_t stage = ctx.rag_calls[i];
    answered[stage] = Read(stage, replies[i], q, passages[stage], errors[stage]);
    if (answered[stage] && passages[stage].empty()) errors[stage] = "no passages";
    seconds = std::max(seconds, replies[i].seconds);
  }
  const bool primary_round = !ctx.rag_calls.empty() && ctx.rag_calls.front() == 0;
  ctx.rag_calls.clear();
  if (!backends_.hybrid) {
    if (answered[0]) {
      Accept(ctx, q, passages[0], seconds);
    } else if (!errors[0].empty()) {
      Fail(ctx, errors[0], seconds);
    }
    return;
  }
  // hybrid: the primary's passages when it found some, else the fallback's (upstream's order).
  for (size_t stage = 0; stage < backends_.stages.size(); ++stage) {
    if (answered[stage] && !passages[stage].empty()) {
      Accept(ctx, q, passages[stage], seconds);
      return;
    }
  }
  const bool has_fallback = backends_.stages.size() > 1;
  if (!backends_.parallel && primary_round) {
    if (!has_fallback) {
      Fail(ctx, "primary backend failed and no fallback configured: " + errors[0], seconds);
      return;
    }
    ctx.rag_primary_error = errors[0];
    ctx.rag_fallback_due = true;  // FollowUpCalls asks the fallback
    return;
  }
  const std::string primary = backends_.parallel ? errors[0] : ctx.rag_primary_error;
  const std::string fallback = has_fallback ? errors[1] : "none configured";
  Fail(ctx,
       std::string(backends_.parallel ? "both backends failed"
                                      : "both primary and fallback "
                                        "backends failed") +
           ": primary=" + primary + ", fallback=" + fallback,
       seconds);
}

std::vector<OutboundCall> RagPlugin::FollowUpCalls(RequestContext& ctx) {
  if (ctx.rag_exchange.next) {
    std::vector<OutboundCall> calls{std::move(*ctx.rag_exchange.next)};
    ctx.rag_exchange.next.reset();
    return calls;  // ctx.rag_calls still names the stage
  }
  if (!ctx.rag_fallback_due) return {};
  ctx.rag_fallback_due = false;
  return CallsFor(ctx, {1});
}

void RagPlugin::Accept(RequestContext& ctx, const RagQuery& q,
                       const std::vector<RagPassage>& passages, double seconds) {
  ctx.rag_context = JoinPassages(passages);
  double best = 0;
  for (const RagPassage& p : passages) best = std::max(best, p.score);
  ctx.rag_similarity = best;
  if (metrics_) {
    metrics_->RecordRagRetrieval(cfg_.backend, Decision(ctx), "success", seconds);
    metrics_->RecordRagContext(cfg_.backend, Decision(ctx), ctx.rag_context.size(), best);
  }
  // Nothing found is no context, not a failure (upstream's vectorstore backend); not cached.
  if (cfg_.cache_results && !ctx.rag_context.empty()) Remember(q.text, ctx.rag_context);
}

void RagPlugin::Fail(RequestContext& ctx, const std::string& why, double seconds) {
  if (metrics_) metrics_->RecordRagRetrieval(cfg_.backend, Decision(ctx), "error", seconds);
  const std::string message = "backend \"" + cfg_.backend + "\" retrieval failed: " + why;
  if (cfg_.on_failure == "block") {
    ctx.fail_status = 503;
    ctx.fail_message = "RAG retrieval failed: " + message;
  } else if (cfg_.on_failure == "warn" && log_) {
    log_("decision '" + Decision(ctx) + "': RAG " + message + " (request " + ctx.request_id +
         " goes on without context)");
  }
}

void RagPlugin::OnForward(RequestContext& ctx) {
  if (ctx.rag_file_search && ctx.body != nullptr && !ctx.anthropic) {
    if (const json::object* settings = backends_.stages.front()->FileSearchTool())
      AddFileSearchTool(*ctx.body, *settings);
  }
  if (ctx.rag_context.empty() || ctx.body == nullptr) return;
  const size_t max_chars = static_cast<size_t>(cfg_.max_context_length.value_or(10000));
  const std::string context = TruncateContext(ctx.rag_context, max_chars);
  const std::string mode = cfg_.injection_mode.empty() ? "tool_role" : cfg_.injection_mode;
  ctx.rag_as_tool =
      InjectRagContext(*ctx.body, ctx.anthropic, mode, context, "rag_" + ctx.request_id);
  ctx.rag_context = context;
}

std::optional<std::string> RagPlugin::Cached(const std::string& question) {
  std::lock_guard lock(mu_);
  auto it = cache_.find(question);
  if (it == cache_.end()) return std::nullopt;
  if (Clock::now() >= it->second.second) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.first;
}

void RagPlugin::Remember(const std::string& question, const std::string& context) {
  const auto ttl = std::chrono::seconds(cfg_.cache_ttl_seconds.value_or(3600));
  std::lock_guard lock(mu_);
  if (cache_.size() >= kCacheEntries) {  // drop the expired, then (still full) the oldest-expiring
    const auto now = Clock::now();
    std::erase_if(cache_, [now](const auto& e) { return now >= e.second.second; });
    if (cache_.size() >= kCacheEntries) {
      auto oldest = std::min_element(
          cache_.begin(), cache_.end(),
          [](const auto& a, const auto& b) { return a.second.second < b.second.second; });
      cache_.erase(oldest);
    }
  }
  cache_[question] = {context, Clock::now() + ttl};
}

}  // namespace vsr::plugins
