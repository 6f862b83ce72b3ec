#include "plugins/memory.h"

#include <re2/re2.h>

#include <boost/json.hpp>
#include <ctime>

#include "common/strings.h"
#include "common/utf8.h"
#include "plugins/answer_text.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

constexpr size_t kMaxMemoryBytes = 16384;  // upstream's limit per memory
constexpr size_t kMinTurnLength = 30;

// Standalone greetings and acknowledgements: nothing to search for, nothing to remember.
bool IsGreeting(const std::string& text) {
  static const RE2 kPatterns[] = {
      R"((?i)(hi|hello|hey|howdy|yo|sup)[\s!.,]*)",
      R"((?i)(hi|hello|hey)[\s,]*(there)?[\s!.,]*)",
      R"((?i)(good\s+)?(morning|afternoon|evening|night)[\s!.,]*)",
      R"((?i)(thanks|thank\s+you|thx|ty)[\s!.,]*)",
      R"((?i)(bye|goodbye|see\s+you|later|cheers)[\s!.,]*)",
      R"((?i)(ok|okay|sure|yes|no|yep|nope|yea|nah|k|alright|got\s+it)[\s!.,]*)",
      R"((?i)(cool|great|nice|awesome|perfect|sounds\s+good)[\s!.,]*)",
      R"((?i)(what'?s?\s+up|sup|yo)[\s!?.,]*)",
  };
  for (const RE2& p : kPatterns) {
    if (RE2::FullMatch(text, p)) return true;
  }
  return false;
}

bool IsRefusal(const std::string& answer) {
  static const RE2 kRefusal(
      R"((?i)(i('m|\s+am)\s+(sorry|unable|not\s+able|afraid\s+i\s+can)|as\s+an?\s+ai|)"
      R"(i\s+don'?t\s+have\s+(access|the\s+ability)|i\s+can'?t\s+(help|assist|provide)\s+with\s+that).*)");
  return RE2::FullMatch(answer, kRefusal);
}

bool HasPersonalPronoun(const std::string& text) {
  static const RE2 kPronoun(R"((?i)\b(my|i|me|mine|i'm|i've|i'll|i'd|myself)\b)");
  return RE2::PartialMatch(text, kPronoun);
}

}  // namespace

std::string StripThinkTags(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("<think>", pos);
    if (open == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    const size_t close = text.find("</think>", open);
    if (close == std::string::npos) break;  // unclosed: the rest is thinking
    pos = close + 8;
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  }
  return std::string(Trim(out));
}

bool IsLowEntropyTurn(const std::string& question, const std::string& answer) {
  const std::string q(Trim(question)), a(Trim(answer));
  if (q.size() + a.size() < kMinTurnLength) return true;
  if (!q.empty() && IsGreeting(q)) return true;
  return !a.empty() && IsRefusal(a);
}

std::string FormatMemoriesAsContext(const std::vector<MemoryHit>& hits) {
  std::string out;
  for (const MemoryHit& h : hits) {
    if (!h.memory.content.empty()) out += "- " + h.memory.content + "\n";
  }
  if (out.empty()) return "";
  return "The following is relevant context from previous conversations with the user:\n\n" + out +
         "\nUse this context to personalize your response when relevant. Do not repeat it "
         "verbatim unless asked.";
}

void InjectMemoryMessage(json::object& body, bool anthropic, const std::string& content) {
  json::value& messages_value = body["messages"];
  if (!messages_value.is_array()) messages_value = json::array{};
  json::array& messages = messages_value.as_array();
  size_t at = 0;
  if (!anthropic) {
    for (size_t i = 0; i < messages.size(); ++i) {
      const json::object* m = messages[i].if_object();
      const json::value* role = m != nullptr ? m->if_contains("role") : nullptr;
      if (role != nullptr && role->is_string() &&
          (role->as_string() == "system" || role->as_string() == "developer")) {
        at = i + 1;
      }
    }
  }
  messages.insert(messages.begin() + static_cast<std::ptrdiff_t>(at),
                  json::object{{"role", "user"}, {"content", content}});
}

MemoryPlugin::MemoryPlugin(const config::MemoryPluginConfig& cfg, const config::MemoryStore& global,
                           const std::vector<config::ExternalModel>& external_models,
                           const PluginServices& services)
    : limit_(static_cast<size_t>(cfg.retrieval_limit.value_or(global.default_retrieval_limit))),
      threshold_(cfg.similarity_threshold.value_or(global.default_similarity_threshold)),
      auto_store_(cfg.auto_store.value_or(global.auto_store)),
      disabled_routes_(global.disabled_routes),
      disabled_models_(global.disabled_models),
      rewriter_(MemoryQueryRewriter::From(external_models)),
      log_(services.log),
      store_(services.memory_store),
      embed_(services.embed),
      embed_async_(services.embed_async),
      metrics_(services.metrics) {
  if (limit_ == 0) limit_ = 5;
  if (threshold_ <= 0) threshold_ = 0.6;
  std::vector<std::string> warnings;
  reflection_ = MemoryReflection::From(global.reflection, cfg.reflection, &warnings);
  for (const std::string& w : warnings) {
    if (services.log) services.log(w);
  }
}

std::string MemoryPlugin::UserFor(const RequestContext& ctx) const {
  if (!store_ || ctx.request == nullptr || ctx.config == nullptr) return "";
  const request::Request& r = *ctx.request;
  if (r.Header("x-disable-router-memory") == "true") return "";
  if (r.Header("x-vsr-looper-request") == "true") return "";  // the looper's own calls
  if (Contains(disabled_routes_, r.Header(":path")) ||
      Contains(disabled_models_, ctx.requested_model))
    return "";
  return r.ConfiguredHeader(ctx.config->global.services.authz.identity.user_id_header);
}

std::string MemoryPlugin::SearchingUser(const RequestContext& ctx) const {
  std::string user = UserFor(ctx);
  if (user.empty()) return "";
  const std::string& question = ctx.request->current_user_text;
  if (question.empty() || IsGreeting(std::string(Trim(question)))) return "";
  // General fact questions (the fact_check signal flagged them) are not about the user, nor
  // are requests answered from tool results.
  if (FactCheckNeeded(ctx) && !HasPersonalPronoun(question)) return "";
  if (ctx.request->facts.tool_messages > 0) return "";
  return user;
}

std::vector<OutboundCall> MemoryPlugin::PrepareCalls(RequestContext& ctx) {
  if (!rewriter_ || SearchingUser(ctx).empty()) return {};
  return {rewriter_->Call(ctx.request->messages, ctx.request->current_user_text)};
}

void MemoryPlugin::OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) {
  if (replies.size() != 1) return;
  if (ctx.memory_query_embed_asked) {  // the rewritten query's embedding
    ctx.memory_query_embedding = std::move(replies[0].embedding);
    return;
  }
  std::string error;
  std::string rewritten = MemoryQueryRewriter::ReadReply(replies[0], error);
  if (rewritten.empty()) {
    if (log_) {
      log_("memory: query rewriting through " + rewriter_->url() +
           " failed, searching with the question as asked: " + error);
    }
    return;
  }
  if (rewritten != ctx.request->current_user_text) ctx.memory_query = std::move(rewritten);
}

std::vector<OutboundCall> MemoryPlugin::FollowUpCalls(RequestContext& ctx) {
  // Embedding is a model pass: on the model threads when the router has them, else OnForward
  // embeds inline (tests).
  if (ctx.memory_query.empty() || ctx.memory_query_embed_asked || !embed_async_) return {};
  ctx.memory_query_embed_asked = true;
  OutboundCall call;
  call.embed = ctx.memory_query;
  return {std::move(call)};
}

void MemoryPlugin::OnForward(RequestContext& ctx) {
  if (ctx.body == nullptr) return;
  const std::string user = SearchingUser(ctx);
  if (user.empty()) return;
  // The data plane embeds the question off the I/O thread when it has model threads; the
  // rewritten query was embedded by FollowUpCalls.
  std::vector<float>* query = &ctx.cache_embedding;
  if (!ctx.memory_query.empty()) {
    if (ctx.memory_query_embedding.empty() && embed_) {
      ctx.memory_query_embedding = embed_(ctx.memory_query);
    }
    if (!ctx.memory_query_embedding.empty()) query = &ctx.memory_query_embedding;
  }
  if (query->empty() && embed_) *query = embed_(ctx.request->current_user_text);
  std::vector<MemoryHit> hits = store_->Search(user, *query, threshold_, limit_);
  if (reflection_) hits = reflection_->Filter(std::move(hits), std::time(nullptr));
  const std::string context = FormatMemoriesAsContext(hits);
  if (context.empty()) return;
  InjectMemoryMessage(*ctx.body, ctx.anthropic, context);
  if (metrics_) {
    metrics_->RecordPluginExecution("memory", ctx.decision ? ctx.decision->name : "", "injected",
                                    0);
  }
}

void MemoryPlugin::OnResponse(const RequestContext& ctx, const ResponseContext& response) {
  if (!auto_store_ || response.status < 200 || response.status >= 300 || response.from_cache)
    return;
  const std::string user = UserFor(ctx);
  if (user.empty()) return;
  const std::string question = ctx.request->current_user_text;
  const std::string answer = StripThinkTags(AssistantText(response.completion));
  if (question.empty() && answer.empty()) return;
  // A low-entropy turn is not kept, but it still counts toward the session window.
  if (!IsLowEntropyTurn(question, answer)) {
    Remember(user, TurnChunk(question, answer), "conversation", 0.5);
  }
  const std::string window = SessionWindowChunk(ctx.request->messages, question, answer);
  if (!window.empty()) Remember(user, window, "session_window", 0.7);
}

void MemoryPlugin::Remember(const std::string& user, const std::string& text,
                            const std::string& source, double importance) {
  Memory m;
  m.content = std::string(utf8::Prefix(Trim(text), kMaxMemoryBytes));
  m.user_id = user;
  m.source = source;
  m.importance = importance;
  // Embedding is a model pass: it runs on the model threads when the router has them (this is
  // an I/O thread), inline only without them (tests).
  std::shared_ptr<MemoryStore> store = store_;
  if (embed_async_) {
    embed_async_(m.content, [store, m](std::vector<float> v) mutable {
      m.embedding = std::move(v);
      store->Store(std::move(m));
    });
  } else if (embed_) {
    m.embedding = embed_(m.content);
    store->Store(std::move(m));
  }
}

std::string TurnChunk(const std::string& question, const std::string& answer) {
  std::string chunk;
  if (!question.empty()) chunk = "Q: " + question;
  if (!answer.empty()) chunk += (chunk.empty() ? "A: " : "\nA: ") + answer;
  return chunk;
}

std::string SessionWindowChunk(const std::vector<request::Message>& messages,
                               const std::string& question, const std::string& answer) {
  // The turns before this one: each earlier user message with the assistant reply after it.
  // The last user message is this turn's question.
  size_t last_user = messages.size();
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == "user") {
      last_user = i;
      break;
    }
  }
  std::vector<std::pair<std::string, std::string>> prior;
  for (size_t i = 0; i < last_user; ++i) {
    if (messages[i].role != "user") continue;
    std::string reply;
    if (i + 1 < last_user && messages[i + 1].role == "assistant") {
      reply = StripThinkTags(messages[i + 1].text);
    }
    prior.emplace_back(messages[i].text, std::move(reply));
  }
  const size_t turns = prior.size() + 1;
  if (prior.empty() || turns % kSessionStride != 0) return {};
  std::vector<std::string> chunks;
  const size_t from = prior.size() > kSessionWindow - 1 ? prior.size() - (kSessionWindow - 1) : 0;
  for (size_t i = from; i < prior.size(); ++i) {
    chunks.push_back(TurnChunk(prior[i].first, prior[i].second));
  }
  chunks.push_back(TurnChunk(question, answer));
  return Join(chunks, "\n---\n");
}

}  // namespace vsr::plugins
