// memory: what the router remembers about a user across conversations (upstream's memory
// plugin, in-process store). For a request with a user identity (the authz user header) the
// question is searched among the user's memories — at >= `similarity_threshold` (else
// stores.memory.default_similarity_threshold), `retrieval_limit` of them (else the store's
// default, 5) — and the hits go to the model as one user message after the system messages
// ("The following is relevant context from previous conversations with the user: ..."). Not
// searched: greetings, general fact questions without "I/my/me" (the fact_check signal flagged
// them), requests carrying tool results, `x-disable-router-memory: true`, and routes/models in
// stores.memory.disabled_routes / disabled_models. With `auto_store` (else
// stores.memory.auto_store) every 2xx turn worth keeping — not a greeting, a refusal or under
// 30 characters — is stored as "Q: <question>\nA: <answer>" (think blocks removed, 16 KB at
// most), embedded on the model threads. GET/DELETE /v1/memory on the router API read and
// forget them. Retrieved memories pass the reflection gate (memory_reflection.h) before they
// are injected. With a memory_rewrite external model the search uses the question made
// self-contained from the conversation (memory_rewrite.h).
#pragma once

#include <memory>

#include "plugins/memory_reflection.h"
#include "plugins/memory_rewrite.h"
#include "plugins/memory_store.h"
#include "plugins/plugin.h"
#include "plugins/services.h"

namespace vsr::plugins {

class MemoryPlugin final : public Plugin {
 public:
  MemoryPlugin(const config::MemoryPluginConfig& cfg, const config::MemoryStore& global,
               const std::vector<config::ExternalModel>& external_models,
               const PluginServices& services);
  std::string_view type() const override { return "memory"; }
  bool rewrites_body() const override { return true; }
  bool needs_embedding() const override { return true; }
  bool needs_completion() const override { return auto_store_; }
  void OnForward(RequestContext& ctx) override;
  // Query rewriting: the rewriting model's call, then (with model threads) the embedding of
  // its answer.
  bool calls_out() const override { return rewriter_.has_value(); }
  std::vector<OutboundCall> PrepareCalls(RequestContext& ctx) override;
  void OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) override;
  std::vector<OutboundCall> FollowUpCalls(RequestContext& ctx) override;
  void OnResponse(const RequestContext& ctx, const ResponseContext& response) override;

 private:
  // The user the request is about; "" when memory does not apply to it.
  std::string UserFor(const RequestContext& ctx) const;
  // The user whose memories this request's question is searched among; "" when it is not
  // searched (no user, a greeting, a general fact question, tool results).
  std::string SearchingUser(const RequestContext& ctx) const;
  // Embeds `text` (off the I/O thread when the router has model threads) and stores it.
  void Remember(const std::string& user, const std::string& text, const std::string& source,
                double importance);

  size_t limit_;
  double threshold_;
  bool auto_store_;
  std::vector<std::string> disabled_routes_, disabled_models_;
  std::unique_ptr<MemoryReflection> reflection_;  // null: off
  std::optional<MemoryQueryRewriter> rewriter_;   // none: the question is searched as asked
  std::function<void(const std::string&)> log_;
  std::shared_ptr<MemoryStore> store_;
  std::function<std::vector<float>(const std::string&)> embed_;
  EmbedAsync embed_async_;
  std::shared_ptr<observability::RouterMetrics> metrics_;
};

// Upstream's context message for `hits`; "" when there are none.
std::string FormatMemoriesAsContext(const std::vector<MemoryHit>& hits);
// `content` as a user message after the last system/developer message (OpenAI) or first
// (Anthropic, whose system prompt is a field).
void InjectMemoryMessage(boost::json::object& body, bool anthropic, const std::string& content);
// A turn not worth remembering: too short, a greeting or acknowledgement, or a refusal.
bool IsLowEntropyTurn(const std::string& question, const std::string& answer);
// `text` without <think>...</think> blocks (and an unclosed one to the end), trimmed.
std::string StripThinkTags(const std::string& text);
// One turn as upstream stores it: "Q: <question>\nA: <answer>" (either half may be missing).
std::string TurnChunk(const std::string& question, const std::string& answer);

// Upstream's session window: every kSessionStride-th turn of a conversation (the earlier user
// turns in `messages` plus this one), one more memory joins the last kSessionWindow turns
// ("\n---\n" between them), so a question whose answer needs facts told turns apart finds them
// together. Overlapping windows (stride < window) keep facts near a boundary in one chunk.
// "" when this turn does not close a stride. Upstream also counts this turn's question among the
// earlier ones for Chat Completions, which repeats it in the chunk; here it appears once.
inline constexpr size_t kSessionWindow = 5;
inline constexpr size_t kSessionStride = 3;
std::string SessionWindowChunk(const std::vector<request::Message>& messages,
                               const std::string& question, const std::string& answer);

}  // namespace vsr::plugins
