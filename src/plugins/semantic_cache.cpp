#include "plugins/semantic_cache.h"

#include <boost/json.hpp>
#include <chrono>

#include "common/json_text.h"
#include "common/strings.h"
#include "common/unix_time.h"
#include "plugins/immediate_answer.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {
double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

std::string SemanticCachePlugin::Scope(const RequestContext& ctx) {
  return (ctx.decision != nullptr ? ctx.decision->name : std::string()) + '\x1f' +
         ctx.requested_model;
}

double SemanticCachePlugin::Threshold(const RequestContext& ctx) const {
  if (cfg_.similarity_threshold) return *cfg_.similarity_threshold;
  if (ctx.config != nullptr) {
    if (const auto& global = ctx.config->global.stores.semantic_cache.similarity_threshold)
      return *global;
  }
  return 0.5;
}

void SemanticCachePlugin::OnRouted(RequestContext& ctx) {
  if (!cfg_.enabled || store_only_ || !services_.semantic_cache || ctx.request == nullptr) return;
  const std::string& question = ctx.request->current_user_text;
  if (question.empty()) return;
  // The data plane embeds the question off the I/O thread when it has model threads.
  if (services_.embed && ctx.cache_embedding.empty())
    ctx.cache_embedding = services_.embed(question);
  const auto started = std::chrono::steady_clock::now();
  const cache::LookupResult found =
      services_.semantic_cache->Lookup(Scope(ctx), question, ctx.cache_embedding, Threshold(ctx));
  const std::string decision = ctx.decision != nullptr ? ctx.decision->name : "";
  if (services_.metrics) {
    services_.metrics->RecordCacheLookup(services_.semantic_cache->backend_type(), decision,
                                         found.hit.has_value(), SecondsSince(started));
  }
  if (!found.hit) {
    ctx.cache_similarity = found.best_similarity;
    return;
  }
  boost::system::error_code ec;
  json::value cached = json::parse(found.hit->answer, ec);
  if (ec || !cached.is_object()) return;  // never serve what we cannot read
  json::object& completion = cached.as_object();
  const int64_t now = UnixSeconds();
  completion["id"] = "chatcmpl-cache-" + std::to_string(now);
  completion["created"] = now;
  ImmediateAnswer answer;
  answer.from_cache = true;
  answer.sse = ctx.stream;
  answer.body = ctx.stream ? CompletionAsSse(completion) : CompactJson(completion);
  answer.headers.emplace_back("x-vsr-cache-hit", "true");
  if (!decision.empty()) answer.headers.emplace_back("x-vsr-selected-decision", decision);
  if (found.hit->similarity > 0) {
    answer.headers.emplace_back("x-vsr-cache-similarity", FormatFixed(found.hit->similarity, 4));
  }
  if (ctx.routing != nullptr) {
    const auto& keywords = ctx.routing->signals.Of(signals::Family::kKeyword).output.matched;
    std::string joined;
    for (const auto& k : keywords) joined += (joined.empty() ? "" : ",") + k;
    if (!joined.empty()) answer.headers.emplace_back("x-vsr-matched-keywords", joined);
  }
  ctx.cache_similarity = found.hit->similarity;
  ctx.answer = std::move(answer);
}

void SemanticCachePlugin::OnResponse(const RequestContext& ctx, const ResponseContext& response) {
  if (!cfg_.enabled || !services_.semantic_cache || ctx.request == nullptr) return;
  if (response.from_cache || response.status < 200 || response.status >= 300) return;
  // Answers a plugin gave (fast_response, image_gen's pictures) are not a model's: not stored.
  if (ctx.answer) return;
  if (response.completion.empty() || ctx.request->current_user_text.empty()) return;
  const int ttl = cfg_.ttl_seconds.value_or(-1);
  const auto started = std::chrono::steady_clock::now();
  services_.semantic_cache->Store(Scope(ctx), ctx.request->current_user_text, ctx.cache_embedding,
                                  std::string(response.completion), ttl);
  if (services_.metrics) {
    services_.metrics->RecordCacheStore(services_.semantic_cache->backend_type(),
                                        SecondsSince(started), services_.semantic_cache->size());
  }
}

}  // namespace vsr::plugins
