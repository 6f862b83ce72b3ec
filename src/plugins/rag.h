// rag: retrieval-augmented generation (upstream's req_filter_rag.go). After routing, the
// decision's backend (rag_backends.h) is asked for passages about the user's question (an HTTP
// call made by the data plane — for mcp the session handshake first, once per plugin —, or a
// search in this process for backend vectorstore; the question's
// embedding computed off the I/O thread when the backend searches by vector); the passages, joined
// by "\n\n---\n\n" and cut to `max_context_length` characters (default 10000), go into the request
// the model gets: `injection_mode: tool_role` (default) as a tool message after the last user
// message, `system_prompt` as "Context from knowledge base:\n\n<passages>\n\n" in front of the
// system prompt (Anthropic bodies, which have no tool role, always get it there). A failed
// retrieval follows `on_failure`: skip (default) or warn (logged) go on without context, block
// answers 503 "RAG retrieval failed: ...". `cache_results` keeps a question's passages for
// `cache_ttl_seconds` (default 3600). `min_confidence_threshold` runs retrieval only for
// questions a fact_check rule matched (upstream's fact-check confidence is 1 or 0).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "plugins/plugin.h"
#include "plugins/rag_backends.h"
#include "plugins/services.h"

namespace vsr::plugins {

class RagPlugin final : public Plugin {
 public:
  RagPlugin(const config::RagPluginConfig& cfg, RagBackends backends,
            const PluginServices& services);
  std::string_view type() const override { return "rag"; }
  bool rewrites_body() const override { return true; }
  bool needs_embedding() const override { return backends_.needs_embedding(); }
  bool calls_out() const override { return true; }
  std::vector<OutboundCall> PrepareCalls(RequestContext& ctx) override;
  void OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) override;
  std::vector<OutboundCall> FollowUpCalls(RequestContext& ctx) override;
  void OnForward(RequestContext& ctx) override;

 private:
  // The calls of `stages` (their indexes noted in ctx.rag_calls); fails the request when one
  // cannot be built.
  std::vector<OutboundCall> CallsFor(RequestContext& ctx, const std::vector<size_t>& stages);
  // A stage's reply as passages; false with `error`.
  bool Read(size_t stage, const OutboundReply& reply, const RagQuery& q,
            std::vector<RagPassage>& passages, std::string& error) const;
  RagQuery Query(const RequestContext& ctx) const;
  // Retrieved passages into the request's context (and the cache, the metrics).
  void Accept(RequestContext& ctx, const RagQuery& q, const std::vector<RagPassage>& passages,
              double seconds);
  void Fail(RequestContext& ctx, const std::string& why, double seconds);
  std::optional<std::string> Cached(const std::string& question);
  void Remember(const std::string& question, const std::string& context);

  config::RagPluginConfig cfg_;
  RagBackends backends_;
  std::function<std::vector<float>(const std::string&)> embed_;
  std::function<void(const std::string&)> log_;
  std::shared_ptr<observability::RouterMetrics> metrics_;

  using Clock = std::chrono::steady_clock;
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, Clock::time_point>> cache_;  // question -> passages
};

// Gives `body` (an OpenAI request) a file_search tool with `settings`, as upstream does: a
// file_search tool already there gets these settings over its own, otherwise one is added.
void AddFileSearchTool(boost::json::object& body, const boost::json::object& settings);

// `context` cut to `max_chars` characters (UTF-8 code points), "..." marking the cut.
std::string TruncateContext(const std::string& context, size_t max_chars);

// Puts `context` into `body` (OpenAI chat or, with `anthropic`, Anthropic messages) as
// `mode` says; returns whether it went in as a tool message.
bool InjectRagContext(boost::json::object& body, bool anthropic, const std::string& mode,
                      const std::string& context, const std::string& tool_call_id);

}  // namespace vsr::plugins
