// memory's query rewriting (upstream's `memory_rewrite` external model). "What about its
// price?" finds nothing among a user's memories; "What is the price of the Lisbon flat I am
// renting?" does. When global.model_catalog.external has a model with model_role
// memory_rewrite, the memory plugin asks it, before searching, to make the question
// self-contained from the last five messages of the conversation, and searches with its answer
// (think blocks and surrounding quotes removed). A failed call, or an empty answer, leaves the
// original question: rewriting never fails a request.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugins/plugin.h"
#include "request/request.h"

namespace vsr::plugins {

class MemoryQueryRewriter {
 public:
  // The rewriter for the first external model whose model_role is memory_rewrite and that has
  // an endpoint address; nullopt when there is none.
  static std::optional<MemoryQueryRewriter> From(
      const std::vector<config::ExternalModel>& external);

  // The chat-completions call that rewrites `query`, the last user message of `messages`.
  OutboundCall Call(const std::vector<request::Message>& messages, const std::string& query) const;
  // The rewritten query in the model's reply; "" (and why in `error`) when there is none.
  static std::string ReadReply(const OutboundReply& reply, std::string& error);

  const std::string& url() const { return url_; }

 private:
  config::ExternalModel model_;
  std::string url_;  // <protocol>://<address>[:<port>]/v1/chat/completions
};

// The user message sent to the rewriting model: the conversation's last five user/assistant
// messages (one "[role]: text" line each; system and developer messages left out) and the query.
std::string MemoryRewritePrompt(const std::vector<request::Message>& messages,
                                const std::string& query);

}  // namespace vsr::plugins
