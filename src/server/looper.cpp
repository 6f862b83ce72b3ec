#include "server/looper.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <regex>

#include "common/go_template.h"
#include "common/json_text.h"
#include "common/sse.h"
#include "common/strings.h"
#include "observability/logger.h"
#include "plugins/immediate_answer.h"
#include "server/http_client.h"

namespace vsr::server {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr size_t kMaxAnswerBytes = 64u << 20;

// One model's answer to a looper call.
struct Answer {
  std::string model;
  bool ok = false;
  std::string error;
  json::object completion;
  std::string content;
  std::string reasoning;         // the model's reasoning/thinking text, when it sent one
  std::vector<double> logprobs;  // per token
  std::vector<double> margins;   // best minus second-best, per token that has both
};

std::string Head(const std::string& s) {
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

void ReadLogprobs(const json::object& choice, Answer& a) {
  const json::value* lp = choice.if_contains("logprobs");
  const json::value* content =
      lp && lp->is_object() ? lp->as_object().if_contains("content") : nullptr;
  if (content == nullptr || !content->is_array()) return;
  for (const json::value& t : content->as_array()) {
    const json::object* token = t.if_object();
    const json::value* v = token ? token->if_contains("logprob") : nullptr;
    if (v == nullptr || !v->is_number()) continue;
    a.logprobs.push_back(v->to_number<double>());
    const json::value* top = token->if_contains("top_logprobs");
    if (top == nullptr || !top->is_array() || top->as_array().size() < 2) continue;
    std::vector<double> alternatives;
    for (const json::value& alt : top->as_array()) {
      const json::value* p = alt.is_object() ? alt.as_object().if_contains("logprob") : nullptr;
      if (p && p->is_number()) alternatives.push_back(p->to_number<double>());
    }
    if (alternatives.size() < 2) continue;
    std::partial_sort(alternatives.begin(), alternatives.begin() + 2, alternatives.end(),
                      std::greater<>());
    a.margins.push_back(alternatives[0] - alternatives[1]);
  }
}

// POSTs one pinned-model chat completion to the looper endpoint.
asio::awaitable<Answer> CallModel(UpstreamPool& pool, const LooperTarget& target,
                                  const std::string& body, const std::string& model,
                                  const std::string& decision, int iteration) {
  Answer a;
  a.model = model;
  const std::optional<ParsedUrl> url = ParseWebUrl(target.endpoint);
  if (!url) {
    a.error = "global.integrations.looper.endpoint is not an http(s) URL: " + target.endpoint;
    co_return a;
  }
  UpstreamRequest req;
  req.host = url->host;
  req.port = url->port;
  req.tls = url->tls;
  req.target = url->target;
  req.body = body;
  req.read_timeout = target.timeout;
  req.headers = {{"x-vsr-looper-request", "true"},
                 {"x-vsr-looper-iteration", std::to_string(iteration)},
                 {"x-vsr-looper-decision", decision}};
  for (const auto& h : target.headers) req.headers.push_back(h);
  UpstreamResult sent = co_await pool.Send(req);
  if (!sent.response) {
    a.error = "model '" + model + "': " + sent.error;
    co_return a;
  }
  std::string text = co_await sent.response->ReadAll(kMaxAnswerBytes);
  if (!sent.response->error().empty()) {
    a.error = "model '" + model + "': " + sent.response->error();
    co_return a;
  }
  if (sent.response->status != 200) {
    a.error = "model '" + model + "' answered " + std::to_string(sent.response->status) + ": " +
              Head(text);
    co_return a;
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* choices = o ? o->if_contains("choices") : nullptr;
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() ||
      !choices->as_array()[0].is_object()) {
    a.error = "model '" + model + "' answered without choices: " + Head(text);
    co_return a;
  }
  const json::object& choice = choices->as_array()[0].as_object();
  const json::value* m = choice.if_contains("message");
  const json::object* message = m ? m->if_object() : nullptr;
  if (message != nullptr) {
    if (const json::value* c = message->if_contains("content"); c && c->is_string())
      a.content = std::string(c->as_string());
  }
  // Where vLLM and others put reasoning, in upstream's order of preference.
  for (const json::object* holder : {&choice, message}) {
    for (const char* key : {"reasoning", "reasoning_content"}) {
      const json::value* r = holder ? holder->if_contains(key) : nullptr;
      if (a.reasoning.empty() && r && r->is_string()) a.reasoning = std::string(r->as_string());
    }
  }
  ReadLogprobs(choice, a);
  a.completion = *o;
  a.ok = true;
  co_return a;
}

// One call of a parallel wave: the model and the body it gets.
struct PlannedCall {
  std::string model;
  std::string body;
};

// Runs `calls` concurrently, at most `wave` at a time; the answers in the calls' order.
// Iterations are numbered from `first_iteration`.
asio::awaitable<std::vector<Answer>> CallAll(UpstreamPool& pool, const LooperTarget& target,
                                             const std::vector<PlannedCall>& calls, size_t wave,
                                             const std::string& decision, int first_iteration) {
  std::vector<Answer> answers;
  if (calls.empty()) co_return answers;
  if (wave == 0) wave = calls.size();
  auto executor = co_await asio::this_coro::executor;
  for (size_t start = 0; start < calls.size(); start += wave) {
    using Op = decltype(asio::co_spawn(
        executor, CallModel(pool, target, calls[0].body, calls[0].model, decision, 1),
        asio::deferred));
    std::vector<Op> ops;
    for (size_t i = start; i < std::min(calls.size(), start + wave); ++i) {
      ops.push_back(asio::co_spawn(executor,
                                   CallModel(pool, target, calls[i].body, calls[i].model, decision,
                                             first_iteration + static_cast<int>(i)),
                                   asio::deferred));
    }
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (size_t i = 0; i < results.size(); ++i) {
      if (errors[i]) {
        Answer failed;
        failed.model = calls[start + i].model;
        failed.error = "model '" + failed.model + "': the call threw";
        answers.push_back(std::move(failed));
      } else {
        answers.push_back(std::move(results[i]));
      }
    }
  }
  co_return answers;
}

// Candidates in the order a confidence cascade tries them.
double ParamSizeMillions(const std::string& size) {
  static const std::regex re(R"(^([0-9.]+)([bmk]?)$)");
  std::smatch m;
  const std::string s = ToLower(std::string(Trim(size)));
  if (!std::regex_match(s, m, re)) return 0;
  double n = 0;
  try {
    n = std::stod(m[1].str());
  } catch (...) {
    return 0;
  }
  const std::string unit = m[2].str();
  return unit == "m" ? n : unit == "k" ? n / 1000 : n * 1000;  // no unit: billions
}

std::vector<const config::ModelRef*> EscalationOrder(const config::Config& c,
                                                     const config::Decision& d,
                                                     const config::ConfidenceAlgorithm* a) {
  std::vector<const config::ModelRef*> refs;
  for (const config::ModelRef& r : d.model_refs) refs.push_back(&r);
  std::map<std::string, const config::ModelCard*> cards;
  for (const config::ModelCard& card : c.routing.model_cards) cards[card.name] = &card;
  std::map<std::string, double> price;
  for (const config::ProviderModel& m : c.providers.models) price[m.name] = m.pricing.prompt_per_1m;
  const std::string order = a && !a->escalation_order.empty() ? a->escalation_order : "size";
  std::function<double(const config::ModelRef*)> key;
  if (order == "cost") {
    key = [&](const config::ModelRef* r) {
      auto it = price.find(r->model);
      return it == price.end() ? std::numeric_limits<double>::max() : it->second;
    };
  } else if (order == "automix") {
    const double tradeoff = a && a->cost_quality_tradeoff > 0 ? a->cost_quality_tradeoff : 0.3;
    double lo = std::numeric_limits<double>::max(), hi = 0;
    for (const auto* r : refs) {
      const double p = price.count(r->model) ? price[r->model] : 0;
      if (p > 0) lo = std::min(lo, p), hi = std::max(hi, p);
    }
    const double range = hi - lo > 0 ? hi - lo : 1.0;
    key = [&, tradeoff, lo, range](const config::ModelRef* r) {
      double quality = 0.5, cheap = 0.5;
      auto card = cards.find(r->model);
      if (card != cards.end()) {
        const double q = card->second->quality_score;
        const double size = ParamSizeMillions(card->second->param_size);
        quality = q > 0 && q <= 1 ? q : size > 0 ? 0.3 + 0.7 * std::min(size / 70000, 1.0) : 0.5;
      }
      const double p = price.count(r->model) ? price[r->model] : 0;
      if (p > 0) cheap = 1.0 - (p - lo) / range;
      return (1 - tradeoff) * quality + tradeoff * cheap;  // low value first
    };
  } else {
    key = [&](const config::ModelRef* r) {
      auto card = cards.find(r->model);
      return card == cards.end() ? 0.0 : ParamSizeMillions(card->second->param_size);
    };
  }
  std::stable_sort(refs.begin(), refs.end(),
                   [&](const auto* x, const auto* y) { return key(x) < key(y); });
  return refs;
}

std::string LooperId() {
  return "chatcmpl-looper-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
}

json::object SumUsage(const std::vector<Answer>& answers) {
  std::int64_t prompt = 0, completion = 0;
  for (const Answer& a : answers) {
    const json::value* u = a.completion.if_contains("usage");
    if (u == nullptr || !u->is_object()) continue;
    const json::object& o = u->as_object();
    if (const json::value* p = o.if_contains("prompt_tokens"); p && p->is_int64())
      prompt += p->as_int64();
    if (const json::value* c = o.if_contains("completion_tokens"); c && c->is_int64())
      completion += c->as_int64();
  }
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

// The client's request as one model's pinned, non-streamed call.
std::string ModelBody(const json::object& client, const std::string& model, bool logprobs,
                      int top_logprobs, bool drop_tools) {
  json::object body = client;
  body["model"] = model;
  body["stream"] = false;
  body.erase("stream_options");
  if (logprobs) {
    body["logprobs"] = true;
    if (top_logprobs > 0) body["top_logprobs"] = top_logprobs;
  }
  if (drop_tools) {
    body.erase("tools");
    body.erase("tool_choice");
  }
  return CompactJson(body);
}

std::string LastMessageText(const json::object& body);

}  // namespace

// AutoMix self-verification (upstream's prompt): the model rates its own answer 0..1.
std::string SelfVerificationPrompt(const std::string& question, const std::string& answer) {
  return "You are evaluating the quality of an AI assistant's response.\n\nOriginal Question: " +
         question + "\n\nAI's Response: " + answer +
         "\n\nRate the quality and correctness of this response on a scale of 0.0 to 1.0:\n"
         "- 1.0 = Completely correct, comprehensive, and well-explained\n"
         "- 0.8 = Mostly correct with minor issues\n"
         "- 0.6 = Partially correct but missing important details\n"
         "- 0.4 = Has some correct elements but significant errors\n"
         "- 0.2 = Mostly incorrect or irrelevant\n"
         "- 0.0 = Completely wrong or harmful\n\n"
         "Respond with ONLY a JSON object in this format:\n"
         "{\"confidence\": 0.X, \"reason\": \"brief explanation\"}\n";
}

// The grade in a self-verification answer: {"confidence": x} (clamped to [0, 1]), else the
// first number in [0, 1]; nullopt when there is neither.
std::optional<double> ParseSelfVerification(const std::string& text) {
  const size_t open = text.find('{'), close = text.rfind('}');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    boost::system::error_code ec;
    json::value v = json::parse(text.substr(open, close - open + 1), ec);
    const json::value* c = !ec && v.is_object() ? v.as_object().if_contains("confidence") : nullptr;
    if (c && c->is_number()) return std::clamp(c->to_number<double>(), 0.0, 1.0);
    return std::nullopt;
  }
  static const std::regex number(R"(([0-9]+\.?[0-9]*))");
  std::smatch m;
  if (std::regex_search(text, m, number)) {
    try {
      const double x = std::stod(m[1].str());
      if (x >= 0 && x <= 1) return x;
    } catch (...) {
    }
  }
  return std::nullopt;
}

namespace {

asio::awaitable<LooperOutcome> RunConfidence(UpstreamPool& pool, const LooperTarget& target,
                                             const config::Config& c, const config::Decision& d,
                                             const json::object& body) {
  const config::ConfidenceAlgorithm* a =
      d.algorithm && d.algorithm->confidence ? &*d.algorithm->confidence : nullptr;
  const std::string method =
      a && !a->confidence_method.empty() ? a->confidence_method : "avg_logprob";
  double threshold = a ? a->threshold : 0;
  if (threshold == 0) {  // upstream's defaults per method
    threshold = method == "avg_logprob"                                     ? -1.0
                : method == "self_verify" || method == "automix_entailment" ? 0.7
                                                                            : 0.5;
  }
  double lw = 0.5, mw = 0.5;
  if (a && a->hybrid_weights) {
    if (a->hybrid_weights->logprob_weight > 0) lw = a->hybrid_weights->logprob_weight;
    if (a->hybrid_weights->margin_weight > 0) mw = a->hybrid_weights->margin_weight;
  }
  const bool fail_fast = a && a->on_error == "fail";
  const bool uses_logprobs = method != "self_verify" && method != "automix_entailment";
  const int top = method == "margin" || method == "hybrid" ? 2 : 0;
  const std::string question = LastMessageText(body);
  LooperOutcome out;
  out.algorithm = "confidence";
  std::vector<Answer> answers;  // every answer (and verification), for usage
  std::optional<size_t> final_answer;
  for (const config::ModelRef* ref : EscalationOrder(c, d, a)) {
    const std::string model_body = ModelBody(body, ref->model, uses_logprobs, top, false);
    ++out.iterations;
    Answer answer =
        co_await CallModel(pool, target, model_body, ref->model, d.name, out.iterations);
    if (!answer.ok) {
      if (fail_fast) {
        out.status = 502;
        out.error = "confidence looper: " + answer.error;
        co_return out;
      }
      out.error = answer.error;
      continue;
    }
    out.models_used.push_back(ref->model);
    answers.push_back(std::move(answer));
    final_answer = answers.size() - 1;
    const Answer& got = answers.back();
    double confidence = -1;  // unmeasured: never clears the threshold
    if (uses_logprobs) {
      if (!got.logprobs.empty() && (top == 0 || !got.margins.empty()))
        confidence = AnswerConfidence(method, got.logprobs, got.margins, lw, mw);
    } else if (method == "self_verify") {
      // AutoMix self-verification: the same model grades its own answer (a second call).
      const std::string verify_body = CompactJson(json::object{
          {"model", ref->model},
          {"stream", false},
          {"messages",
           json::array{json::object{{"role", "user"},
                                    {"content", SelfVerificationPrompt(question, got.content)}}}}});
      ++out.iterations;
      Answer verdict =
          co_await CallModel(pool, target, verify_body, ref->model, d.name, out.iterations);
      if (verdict.ok) {
        confidence = ParseSelfVerification(verdict.content).value_or(-1);
        answers.push_back(std::move(verdict));  // usage only: final_answer stays the answer
      }
    }  // automix_entailment needs upstream's external verifier: unmeasured, so it escalates
    if (confidence >= threshold) break;  // confident enough: no need for a larger model
  }
  if (!final_answer) {
    out.status = 502;
    out.error = "confidence looper: every model failed (last: " + out.error + ")";
    co_return out;
  }
  out.error.clear();
  const Answer& chosen = answers[*final_answer];
  out.final_model = chosen.model;
  out.completion = chosen.completion;
  out.completion["id"] = LooperId();
  out.completion["model"] = out.final_model;
  out.completion["usage"] = SumUsage(answers);
  co_return out;
}

asio::awaitable<LooperOutcome> RunRatings(UpstreamPool& pool, const LooperTarget& target,
                                          const config::Decision& d, const json::object& body) {
  const config::RatingsAlgorithm* a =
      d.algorithm && d.algorithm->ratings ? &*d.algorithm->ratings : nullptr;
  const size_t n = d.model_refs.size();
  const size_t wave = a && a->max_concurrent > 0 ? static_cast<size_t>(a->max_concurrent) : n;
  std::vector<PlannedCall> calls;
  for (const config::ModelRef& r : d.model_refs) {
    calls.push_back({r.model, ModelBody(body, r.model, false, 0, true)});
  }
  std::vector<Answer> answers = co_await CallAll(pool, target, calls, wave, d.name, 1);
  LooperOutcome out;
  out.algorithm = "ratings";
  out.iterations = static_cast<int>(n);
  json::array choices;
  std::vector<Answer> succeeded;
  for (Answer& ans : answers) {
    if (!ans.ok) {
      if (a && a->on_error == "fail") {
        out.status = 502;
        out.error = "ratings looper: " + ans.error;
        co_return out;
      }
      out.error = ans.error;
      continue;
    }
    choices.push_back(
        json::object{{"index", static_cast<std::int64_t>(choices.size())},
                     {"message", json::object{{"role", "assistant"}, {"content", ans.content}}},
                     {"finish_reason", "stop"},
                     {"model", ans.model}});
    out.models_used.push_back(ans.model);
    succeeded.push_back(std::move(ans));
  }
  if (succeeded.empty()) {
    out.status = 502;
    out.error = "ratings looper: all models failed (last: " + out.error + ")";
    co_return out;
  }
  out.error.clear();
  out.final_model = out.models_used.back();
  out.completion = {{"id", LooperId()},
                    {"object", "chat.completion"},
                    {"created", static_cast<std::int64_t>(std::time(nullptr))},
                    {"model", Join(out.models_used, ",")},
                    {"choices", std::move(choices)},
                    {"usage", SumUsage(succeeded)}};
  co_return out;
}

// A reference answer as the synthesis prompt shows it: last_n_tokens keeps the tail (~4 bytes
// per token), cut at a UTF-8 character start.
std::string Compacted(std::string text, const config::RemomAlgorithm& a) {
  const size_t keep = static_cast<size_t>(a.compaction_tokens > 0 ? a.compaction_tokens : 1000) * 4;
  if (a.compaction_strategy == "last_n_tokens" && text.size() > keep) {
    size_t from = text.size() - keep;
    while (from < text.size() && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) ++from;
    text = text.substr(from);
  }
  return text;
}

// upstream's default synthesis templates, with and without the references' reasoning.
constexpr std::string_view kSynthesisTemplate =
    "You are given a problem and a list of reference responses. Your job is to analyze these "
    "references and provide your own response.\n\nOriginal Problem:\n{{.OriginalContent}}\n\n"
    "Reference Responses:\n{{range $i, $resp := .ReferenceResponses}}\nReference {{add $i 1}}"
    "{{if $resp.Model}} ({{$resp.Model}}){{end}}:\n{{$resp.Content}}\n{{end}}\n\nNow, based on "
    "the original problem and reference responses above, please provide your own comprehensive "
    "solution.";
constexpr std::string_view kSynthesisTemplateWithReasoning =
    "You are given a problem and a list of reference responses with their reasoning processes. "
    "Your job is to analyze these reasoning processes and provide your own response.\n\n"
    "Original Problem:\n{{.OriginalContent}}\n\nReference Responses:\n{{range $i, $resp := "
    ".ReferenceResponses}}\nReference {{add $i 1}}{{if $resp.Model}} ({{$resp.Model}}){{end}}:\n"
    "{{if $resp.Reasoning}}\nReasoning:\n{{$resp.Reasoning}}\n\nAnswer:\n{{end}}\n"
    "{{$resp.Content}}\n{{end}}\n\nNow, analyze these reasoning processes and reference "
    "responses, then provide your own comprehensive solution with clear reasoning.";

const GoTemplate& DefaultSynthesisTemplate(bool with_reasoning) {
  static const auto parse = [](std::string_view text) {
    std::string error;
    std::optional<GoTemplate> t = GoTemplate::Parse(text, error);
    if (!t) std::abort();  // a constant above; tests parse both
    return *t;
  };
  static const GoTemplate plain = parse(kSynthesisTemplate);
  static const GoTemplate reasoning = parse(kSynthesisTemplateWithReasoning);
  return with_reasoning ? reasoning : plain;
}

// remom's synthesis prompt: the decision's synthesis_template (Go template syntax), else
// upstream's default (the one with reasoning when include_reasoning), over upstream's data:
// .OriginalContent and .ReferenceResponses with Model, Content (compacted) and Reasoning (with
// include_reasoning). The validator parsed the decision's template; one that fails on this
// data falls back to the default with `template_error` set.
std::string SynthesisPrompt(const std::string& original, const std::vector<Answer>& references,
                            const config::RemomAlgorithm& a, std::string& template_error) {
  TemplateValue data;
  data.kind = TemplateValue::Kind::kMap;
  data.fields["OriginalContent"] = TemplateValue::String(original);
  TemplateValue& list = data.fields["ReferenceResponses"];
  list.kind = TemplateValue::Kind::kList;
  for (const Answer& r : references) {
    TemplateValue item;
    item.kind = TemplateValue::Kind::kMap;
    item.fields["Model"] = TemplateValue::String(r.model);
    item.fields["Content"] = TemplateValue::String(Compacted(r.content, a));
    item.fields["Reasoning"] = TemplateValue::String(a.include_reasoning ? r.reasoning : "");
    list.items.push_back(std::move(item));
  }
  if (!a.synthesis_template.empty()) {
    std::optional<GoTemplate> t = GoTemplate::Parse(a.synthesis_template, template_error);
    std::optional<std::string> text = t ? t->Execute(data, template_error) : std::nullopt;
    if (text) return *text;
  }
  std::string error;
  return DefaultSynthesisTemplate(a.include_reasoning).Execute(data, error).value_or(original);
}

// Which model each of a round's `n` calls goes to (model_distribution).
std::vector<std::string> Distribute(const config::RemomAlgorithm& a, size_t n,
                                    const std::vector<config::ModelRef>& refs, std::mt19937& rng) {
  std::vector<std::string> calls;
  const std::string how = a.model_distribution.empty() ? "weighted" : a.model_distribution;
  if (how == "first_only") return std::vector<std::string>(n, refs.front().model);
  if (how == "round_robin") {
    for (size_t i = 0; i < n; ++i) calls.push_back(refs[i % refs.size()].model);
    return calls;
  }
  double total = 0;
  for (const config::ModelRef& r : refs) total += std::max(0.0, r.weight);
  std::vector<size_t> counts(refs.size(), n / refs.size());
  if (how == "weighted" && total > 0) {
    // Largest remainders: each model's share of n by weight, leftovers to the biggest fractions.
    std::vector<std::pair<double, size_t>> remainders;
    size_t assigned = 0;
    for (size_t i = 0; i < refs.size(); ++i) {
      const double exact = std::max(0.0, refs[i].weight) / total * static_cast<double>(n);
      counts[i] = static_cast<size_t>(exact);
      assigned += counts[i];
      remainders.emplace_back(-(exact - static_cast<double>(counts[i])), i);
    }
    std::stable_sort(remainders.begin(), remainders.end());
    for (size_t k = 0; assigned < n; ++k, ++assigned) ++counts[remainders[k % refs.size()].second];
  } else {
    for (size_t i = 0; i < n % refs.size(); ++i) ++counts[i];  // equal: first models take the rest
  }
  for (size_t i = 0; i < refs.size(); ++i) calls.insert(calls.end(), counts[i], refs[i].model);
  std::shuffle(calls.begin(), calls.end(), rng);
  return calls;
}

std::string LastMessageText(const json::object& body) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->as_array().empty()) return "";
  const json::value& last = messages->as_array().back();
  const json::value* content = last.is_object() ? last.as_object().if_contains("content") : nullptr;
  if (content == nullptr) return "";
  if (content->is_string()) return std::string(content->as_string());
  std::string text;
  if (content->is_array()) {
    for (const json::value& part : content->as_array()) {
      const json::value* t = part.is_object() ? part.as_object().if_contains("text") : nullptr;
      if (t && t->is_string()) text += std::string(t->as_string());
    }
  }
  return text;
}

asio::awaitable<LooperOutcome> RunRemom(UpstreamPool& pool, const LooperTarget& target,
                                        const config::Decision& d, const json::object& body) {
  config::RemomAlgorithm a;
  if (d.algorithm && d.algorithm->remom) {
    a = *d.algorithm->remom;
  } else {
    a.include_intermediate_responses = true;  // upstream's defaults without a remom block
  }
  // The configured rounds, then one call that synthesizes the last of them (upstream's final
  // round, always added).
  std::vector<int> schedule = a.breadth_schedule;
  if (schedule.empty()) schedule = {4};
  schedule.push_back(1);
  const double temperature = a.temperature > 0 ? a.temperature : 1.0;
  const bool fail_fast = a.on_error == "fail";
  std::mt19937 rng(static_cast<unsigned>(a.shuffle_seed != 0 ? a.shuffle_seed : 42));
  const std::string original = LastMessageText(body);
  LooperOutcome out;
  out.algorithm = "remom";
  std::vector<Answer> attempted;            // every answer, for usage
  std::vector<std::vector<Answer>> rounds;  // the usable answers of each round
  for (size_t r = 0; r < schedule.size(); ++r) {
    json::object round_body = body;
    if (r > 0) {  // later rounds answer the problem with the previous round as references
      json::array& messages = round_body["messages"].as_array();
      json::object last = messages.back().as_object();
      std::string template_error;
      last["content"] = SynthesisPrompt(original, rounds.back(), a, template_error);
      if (!template_error.empty()) {
        observability::Log(observability::LogLevel::kWarn,
                           "remom synthesis_template failed; the default template was used",
                           {{"decision", d.name}, {"error", template_error}});
      }
      messages.back() = std::move(last);
    }
    round_body["temperature"] = temperature;
    if (a.max_completion_tokens > 0) {  // the algorithm's limit replaces the client's
      round_body.erase("max_tokens");
      round_body["max_completion_tokens"] = a.max_completion_tokens;
    }
    std::vector<std::string> models =
        r + 1 == schedule.size() && !a.synthesis_model.empty()
            ? std::vector<std::string>{a.synthesis_model}
            : Distribute(a, static_cast<size_t>(std::max(1, schedule[r])), d.model_refs, rng);
    std::vector<PlannedCall> calls;
    for (const std::string& model : models) {
      calls.push_back({model, ModelBody(round_body, model, false, 0, true)});
    }
    const size_t wave = a.max_concurrent > 0 ? static_cast<size_t>(a.max_concurrent) : calls.size();
    std::vector<Answer> answers =
        co_await CallAll(pool, target, calls, wave, d.name, out.iterations + 1);
    out.iterations += static_cast<int>(calls.size());
    std::vector<Answer> usable;
    for (Answer& ans : answers) {
      if (ans.ok && std::find(out.models_used.begin(), out.models_used.end(), ans.model) ==
                        out.models_used.end())
        out.models_used.push_back(ans.model);
      if (!ans.ok || Trim(ans.content).empty()) {
        out.error = ans.ok ? "model '" + ans.model + "' returned no content" : ans.error;
        if (fail_fast) {
          out.status = 502;
          out.error = "remom looper: round " + std::to_string(r + 1) + ": " + out.error;
          co_return out;
        }
        attempted.push_back(std::move(ans));
        continue;
      }
      usable.push_back(ans);
      attempted.push_back(std::move(ans));
    }
    if (usable.empty()) {
      if (!rounds.empty()) break;  // the previous round's answers stand
      out.status = 502;
      out.error = "remom looper: round " + std::to_string(r + 1) +
                  ": all model calls failed (last: " + out.error + ")";
      co_return out;
    }
    // Longest first, then a seeded shuffle (upstream's order), cut to max_responses_per_round.
    std::stable_sort(usable.begin(), usable.end(), [](const Answer& x, const Answer& y) {
      return x.content.size() > y.content.size();
    });
    std::shuffle(usable.begin(), usable.end(), rng);
    if (a.max_responses_per_round > 0 &&
        usable.size() > static_cast<size_t>(a.max_responses_per_round))
      usable.resize(static_cast<size_t>(a.max_responses_per_round));
    rounds.push_back(std::move(usable));
  }
  out.error.clear();
  const Answer& final_answer = rounds.back().front();
  out.final_model = final_answer.model;
  out.completion = {
      {"id", "chatcmpl-remom-" +
                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count())},
      {"object", "chat.completion"},
      {"created", static_cast<std::int64_t>(std::time(nullptr))},
      {"model", out.final_model},
      {"choices",
       json::array{json::object{
           {"index", 0},
           {"message", json::object{{"role", "assistant"}, {"content", final_answer.content}}},
           {"finish_reason", "stop"}}}},
      {"usage", SumUsage(attempted)}};
  if (a.include_intermediate_responses) {  // every round's answers, as upstream lists them
    json::array trail;
    for (size_t r = 0; r < rounds.size(); ++r) {
      json::array responses;
      for (const Answer& ans : rounds[r]) {
        json::object item{{"model", ans.model}, {"content", ans.content}};
        if (!ans.reasoning.empty()) item["reasoning"] = ans.reasoning;
        if (std::string compacted = Compacted(ans.content, a); !compacted.empty())
          item["compacted_content"] = std::move(compacted);
        if (ans.content.size() >= 4)  // upstream's estimate: 4 bytes a token
          item["token_count"] = static_cast<std::int64_t>(ans.content.size() / 4);
        responses.push_back(std::move(item));
      }
      trail.push_back(json::object{{"round", static_cast<std::int64_t>(r + 1)},
                                   {"breadth", schedule[r]},
                                   {"responses", std::move(responses)}});
    }
    out.completion["reasoning_mom_responses"] = std::move(trail);
  }
  co_return out;
}

// remom's stream, as upstream sends it: a role chunk (carrying reasoning_mom_responses when
// the rounds are included), the whole answer in one chunk, a finish chunk, [DONE].
std::string RemomAnswerAsSse(const json::object& completion) {
  const auto chunk = [&](json::object delta, json::value finish) {
    return json::object{
        {"id", completion.at("id")},
        {"object", "chat.completion.chunk"},
        {"created", completion.at("created")},
        {"model", completion.at("model")},
        {"choices", json::array{json::object{
                        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
  };
  json::object first = chunk({{"role", "assistant"}}, nullptr);
  if (const json::value* rounds = completion.if_contains("reasoning_mom_responses"))
    first["reasoning_mom_responses"] = *rounds;
  const json::value& content =
      completion.at("choices").as_array().front().at("message").at("content");
  return SseData(first) + SseData(chunk({{"content", content}}, nullptr)) +
         SseData(chunk({}, "stop")) + std::string(kSseDone);
}

}  // namespace

std::string LooperAnswerAsSse(const LooperOutcome& outcome) {
  const json::value* choices = outcome.completion.if_contains("choices");
  if (outcome.algorithm == "remom") return RemomAnswerAsSse(outcome.completion);
  if (outcome.algorithm != "ratings" || choices == nullptr || !choices->is_array())
    return plugins::CompletionAsSse(outcome.completion);
  const auto chunk = [&](json::object choice) {
    return SseData(json::object{{"id", outcome.completion.at("id")},
                                {"object", "chat.completion.chunk"},
                                {"created", outcome.completion.at("created")},
                                {"model", outcome.completion.at("model")},
                                {"choices", json::array{std::move(choice)}}});
  };
  std::string sse;
  for (const json::value& c : choices->as_array()) {
    const json::object& o = c.as_object();
    sse += chunk({{"index", o.at("index")},
                  {"delta", o.at("message")},
                  {"model", o.at("model")},
                  {"finish_reason", nullptr}});
  }
  for (const json::value& c : choices->as_array()) {
    sse += chunk({{"index", c.at("index")}, {"delta", json::object{}}, {"finish_reason", "stop"}});
  }
  return sse + std::string(kSseDone);
}

bool UsesLooper(const config::Decision* decision, bool looper_request) {
  if (decision == nullptr || looper_request || !decision->algorithm) return false;
  const std::string type = ToLower(decision->algorithm->type);
  if (type == "remom") return !decision->model_refs.empty();  // one model may answer many times
  return (type == "confidence" || type == "ratings") && decision->model_refs.size() > 1;
}

double AnswerConfidence(const std::string& method, const std::vector<double>& logprobs,
                        const std::vector<double>& margins, double logprob_weight,
                        double margin_weight) {
  const auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  const double from_logprob = std::clamp((mean(logprobs) + 3.0) / 3.0, 0.0, 1.0);
  const double m = mean(margins);
  const double from_margin = m <= 0 ? 0.0 : std::min(1.0, 1.0 - std::exp(-m / 3.0));
  if (method == "margin") return from_margin;
  if (method == "hybrid") return logprob_weight * from_logprob + margin_weight * from_margin;
  return from_logprob;
}

asio::awaitable<LooperOutcome> RunLooper(UpstreamPool& pool, const LooperTarget& target,
                                         const config::Config& config,
                                         const config::Decision& decision,
                                         const json::object& body) {
  const std::string type = ToLower(decision.algorithm->type);
  if (type == "ratings") co_return co_await RunRatings(pool, target, decision, body);
  if (type == "remom") co_return co_await RunRemom(pool, target, decision, body);
  co_return co_await RunConfidence(pool, target, config, decision, body);
}

}  // namespace vsr::server
