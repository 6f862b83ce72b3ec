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
#include <regex>

#include "common/json_text.h"
#include "common/strings.h"
#include "plugins/immediate_answer.h"
#include "server/http_client.h"
#include "server/sse.h"

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
  if (const json::value* m = choice.if_contains("message"); m && m->is_object()) {
    if (const json::value* c = m->as_object().if_contains("content"); c && c->is_string())
      a.content = std::string(c->as_string());
  }
  ReadLogprobs(choice, a);
  a.completion = *o;
  a.ok = true;
  co_return a;
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

asio::awaitable<LooperOutcome> RunConfidence(UpstreamPool& pool, const LooperTarget& target,
                                             const config::Config& c, const config::Decision& d,
                                             const json::object& body) {
  const config::ConfidenceAlgorithm* a =
      d.algorithm && d.algorithm->confidence ? &*d.algorithm->confidence : nullptr;
  const std::string method =
      a && !a->confidence_method.empty() ? a->confidence_method : "avg_logprob";
  double threshold = a ? a->threshold : 0;
  if (threshold == 0) threshold = method == "avg_logprob" ? -1.0 : 0.5;  // upstream's defaults
  double lw = 0.5, mw = 0.5;
  if (a && a->hybrid_weights) {
    if (a->hybrid_weights->logprob_weight > 0) lw = a->hybrid_weights->logprob_weight;
    if (a->hybrid_weights->margin_weight > 0) mw = a->hybrid_weights->margin_weight;
  }
  const bool fail_fast = a && a->on_error == "fail";
  const int top = method == "margin" || method == "hybrid" ? 2 : 0;
  LooperOutcome out;
  out.algorithm = "confidence";
  std::vector<Answer> answers;
  const Answer* final_answer = nullptr;
  for (const config::ModelRef* ref : EscalationOrder(c, d, a)) {
    const std::string model_body = ModelBody(body, ref->model, true, top, false);
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
    const Answer& got = answers.back();
    final_answer = &got;
    const bool measurable = !got.logprobs.empty() && (top == 0 || !got.margins.empty());
    if (measurable && AnswerConfidence(method, got.logprobs, got.margins, lw, mw) >= threshold)
      break;  // confident enough: no need for a larger model
  }
  if (final_answer == nullptr) {
    out.status = 502;
    out.error = "confidence looper: every model failed (last: " + out.error + ")";
    co_return out;
  }
  out.error.clear();
  out.final_model = final_answer->model;
  out.completion = final_answer->completion;
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
  std::vector<std::string> bodies;
  for (const config::ModelRef& r : d.model_refs)
    bodies.push_back(ModelBody(body, r.model, false, 0, true));
  std::vector<Answer> answers;
  auto executor = co_await asio::this_coro::executor;
  // At most max_concurrent calls in flight: the candidates go in waves of that size.
  for (size_t start = 0; start < n; start += wave) {
    using Op = decltype(asio::co_spawn(
        executor, CallModel(pool, target, bodies[0], d.model_refs[0].model, d.name, 1),
        asio::deferred));
    std::vector<Op> ops;
    for (size_t i = start; i < std::min(n, start + wave); ++i) {
      ops.push_back(asio::co_spawn(executor,
                                   CallModel(pool, target, bodies[i], d.model_refs[i].model, d.name,
                                             static_cast<int>(i + 1)),
                                   asio::deferred));
    }
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (size_t i = 0; i < results.size(); ++i) {
      if (errors[i]) {
        Answer failed;
        failed.model = d.model_refs[start + i].model;
        failed.error = "model '" + failed.model + "': the call threw";
        answers.push_back(std::move(failed));
      } else {
        answers.push_back(std::move(results[i]));
      }
    }
  }
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
  std::string joined;
  for (const std::string& m : out.models_used) joined += (joined.empty() ? "" : ",") + m;
  out.completion = {{"id", LooperId()},
                    {"object", "chat.completion"},
                    {"created", static_cast<std::int64_t>(std::time(nullptr))},
                    {"model", joined},
                    {"choices", std::move(choices)},
                    {"usage", SumUsage(succeeded)}};
  co_return out;
}

}  // namespace

std::string LooperAnswerAsSse(const LooperOutcome& outcome) {
  const json::value* choices = outcome.completion.if_contains("choices");
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
  if (ToLower(decision.algorithm->type) == "ratings") {
    co_return co_await RunRatings(pool, target, decision, body);
  }
  co_return co_await RunConfidence(pool, target, config, decision, body);
}

}  // namespace vsr::server
