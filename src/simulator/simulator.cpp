#include "simulator/simulator.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <ctime>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/sse.h"
#include "common/strings.h"
#include "request/parse.h"
#include "server/api_errors.h"
#include "simulator/images.h"

namespace vsr::simulator {

namespace asio = boost::asio;
namespace json = boost::json;
using server::HeaderList;
using server::HttpExchange;
using server::HttpRequest;
using server::HttpResponse;

namespace {

asio::awaitable<void> SleepMs(double ms) {
  if (ms <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

size_t WordCount(const std::string& text) {
  size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// The answer, one word per token; words after the first carry their leading space.
std::vector<std::string> AnswerTokens(const SimulatorOptions& options, const std::string& model,
                                      const request::Request& req, int max_tokens) {
  std::vector<std::string> words;
  if (options.response == "echo") {
    words = SplitWhitespace(req.current_user_text);
  } else {
    const std::string phrase = "Hello! This is the vllm-sr simulator answering as " + model +
                               ". Each word of this reply is one token, sent at the pace the "
                               "simulator was given.";
    const std::vector<std::string> base = SplitWhitespace(phrase);
    const int n = options.output_tokens;
    for (int i = 0; i < n; ++i) words.push_back(base[static_cast<size_t>(i) % base.size()]);
  }
  if (max_tokens > 0 && words.size() > static_cast<size_t>(max_tokens)) words.resize(max_tokens);
  for (size_t i = 1; i < words.size(); ++i) words[i] = " " + words[i];
  return words;
}

bool Authorized(const SimulatorOptions& options, const HttpRequest& req) {
  if (options.api_key.empty()) return true;
  auto it = req.headers.find("authorization");
  if (it != req.headers.end() && it->second == "Bearer " + options.api_key) return true;
  it = req.headers.find("x-api-key");
  return it != req.headers.end() && it->second == options.api_key;
}

// One answer in either API's shape, whole or as stream events. Built outside the coroutines
// (GCC 12 mishandles temporaries inside co_await expressions: keep them out of coroutines).
struct Answer {
  bool anthropic = false;
  std::string id;
  std::string model;
  int64_t created = 0;
  std::vector<std::string> tokens;
  size_t prompt_tokens = 0;
  bool truncated = false;
  bool include_usage = false;
  int top_logprobs = -1;  // -1: no logprobs asked
  double logprob = 0, margin = 0;
  std::string reasoning;  // message.reasoning_content of a whole OpenAI answer, when set

  std::string Text() const {
    std::string text;
    for (const auto& t : tokens) text += t;
    return text;
  }
  json::object OpenAiUsage() const {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", tokens.size()},
            {"total_tokens", prompt_tokens + tokens.size()}};
  }
  std::string Whole() const {
    if (anthropic) {
      return CompactJson(json::object{
          {"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", json::array{json::object{{"type", "text"}, {"text", Text()}}}},
          {"stop_reason", truncated ? "max_tokens" : "end_turn"},
          {"stop_sequence", nullptr},
          {"usage",
           json::object{{"input_tokens", prompt_tokens}, {"output_tokens", tokens.size()}}}});
    }
    json::object message{{"role", "assistant"}, {"content", Text()}};
    if (!reasoning.empty()) message["reasoning_content"] = reasoning;
    json::object choice{{"index", 0},
                        {"message", std::move(message)},
                        {"finish_reason", truncated ? "length" : "stop"}};
    if (top_logprobs >= 0) choice["logprobs"] = Logprobs();
    return CompactJson(json::object{{"id", id},
                                    {"object", "chat.completion"},
                                    {"created", created},
                                    {"model", model},
                                    {"choices", json::array{std::move(choice)}},
                                    {"usage", OpenAiUsage()}});
  }
  // OpenAI's logprobs.content: each token with its log-probability and, when asked, the
  // runner-ups (the token itself first, then made-up alternatives `margin` below it).
  json::object Logprobs() const {
    json::array content;
    for (const std::string& t : tokens) {
      json::array top;
      for (int i = 0; i < top_logprobs; ++i) {
        top.push_back(json::object{{"token", i == 0 ? t : t + "~" + std::to_string(i)},
                                   {"logprob", logprob - (i == 0 ? 0 : margin * i)}});
      }
      content.push_back(
          json::object{{"token", t}, {"logprob", logprob}, {"top_logprobs", std::move(top)}});
    }
    return {{"content", std::move(content)}};
  }
  std::string Chunk(json::object delta, json::value finish) const {
    return SseData(json::object{
        {"id", id},
        {"object", "chat.completion.chunk"},
        {"created", created},
        {"model", model},
        {"choices", json::array{json::object{
                        {"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}});
  }
  std::string Prologue() const {
    if (!anthropic) return Chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
    return SseNamed(
               "message_start",
               json::object{
                   {"type", "message_start"},
                   {"message", json::object{{"id", id},
                                            {"type", "message"},
                                            {"role", "assistant"},
                                            {"model", model},
                                            {"content", json::array{}},
                                            {"stop_reason", nullptr},
                                            {"usage", json::object{{"input_tokens", prompt_tokens},
                                                                   {"output_tokens", 0}}}}}}) +
           SseNamed("content_block_start",
                    json::object{{"type", "content_block_start"},
                                 {"index", 0},
                                 {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
  }
  std::string Token(size_t i) const {
    if (!anthropic) return Chunk(json::object{{"content", tokens[i]}}, nullptr);
    return SseNamed(
        "content_block_delta",
        json::object{{"type", "content_block_delta"},
                     {"index", 0},
                     {"delta", json::object{{"type", "text_delta"}, {"text", tokens[i]}}}});
  }
  std::string Epilogue() const {
    if (anthropic) {
      return SseNamed("content_block_stop",
                      json::object{{"type", "content_block_stop"}, {"index", 0}}) +
             SseNamed(
                 "message_delta",
                 json::object{
                     {"type", "message_delta"},
                     {"delta", json::object{{"stop_reason", truncated ? "max_tokens" : "end_turn"},
                                            {"stop_sequence", nullptr}}},
                     {"usage", json::object{{"output_tokens", tokens.size()}}}}) +
             SseNamed("message_stop", json::object{{"type", "message_stop"}});
    }
    std::string out = Chunk(json::object{}, json::string(truncated ? "length" : "stop"));
    if (include_usage) {
      out += SseData(json::object{{"id", id},
                                  {"object", "chat.completion.chunk"},
                                  {"created", created},
                                  {"model", model},
                                  {"choices", json::array{}},
                                  {"usage", OpenAiUsage()}});
    }
    return out + std::string(kSseDone);
  }
};

}  // namespace

Simulator::Simulator(SimulatorOptions options) : options_(std::move(options)) {}

std::optional<HttpResponse> Simulator::Validate(const HttpRequest& http, bool anthropic,
                                                json::object& body, request::Request& req) {
  auto fail = [anthropic](int status, const std::string& message) {
    return anthropic ? server::AnthropicError(status, message)
                     : server::OpenAiError(status, message);
  };
  if (!Authorized(options_, http)) {
    ++stats_.unauthorized;
    return fail(401, "invalid or missing API key");
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(http.body, ec);
  if (ec || !parsed.is_object()) return fail(400, "malformed JSON body");
  body = std::move(parsed.as_object());
  const auto error = anthropic ? request::ParseAnthropicMessages(body, req)
                               : request::ParseChatCompletions(body, req);
  if (error) return fail(400, *error);
  return std::nullopt;
}

bool Simulator::InjectError() {
  if (options_.error_rate <= 0) return false;
  // Deterministic: exactly error_rate of the requests fail, spread evenly.
  const uint64_t n = error_counter_.fetch_add(1);
  return std::floor(static_cast<double>(n + 1) * options_.error_rate) >
         std::floor(static_cast<double>(n) * options_.error_rate);
}

HttpResponse Simulator::Models() const {
  json::array data;
  for (const std::string& m : options_.models) {
    data.push_back(json::object{
        {"id", m}, {"object", "model"}, {"created", 0}, {"owned_by", "vllm-sr-simulator"}});
  }
  return HttpResponse{
      200, "application/json", CompactJson(json::object{{"object", "list"}, {"data", data}}), {}};
}

HttpResponse Simulator::Stats() const {
  json::object o{{"name", options_.name},
                 {"requests", stats_.requests.load()},
                 {"streams_started", stats_.streams_started.load()},
                 {"streams_completed", stats_.streams_completed.load()},
                 {"streams_cancelled", stats_.streams_cancelled.load()},
                 {"errors_injected", stats_.errors_injected.load()},
                 {"unauthorized", stats_.unauthorized.load()}};
  return HttpResponse{200, "application/json", CompactJson(o), {}};
}

asio::awaitable<void> Simulator::Handle(const HttpRequest& request, HttpExchange& exchange) {
  const std::string& path = request.path;
  if ((path == "/v1/chat/completions" || path == "/v1/messages") && request.method == "POST") {
    co_await Chat(request, exchange, path == "/v1/messages");
    co_return;
  }
  HttpResponse reply;
  if (path == "/v1/images/generations" && request.method == "POST") {
    reply = Images(request);
    co_await SleepMs(options_.ttft_ms);
  } else if (path == "/health" || path == "/v1/health") {
    reply = HttpResponse{200, "application/json", R"({"status":"healthy"})", {}};
  } else if (path == "/v1/models" && request.method == "GET") {
    reply = Models();
  } else if (path == "/stats" && request.method == "GET") {
    reply = Stats();
  } else {
    reply = server::OpenAiError(404, "endpoint not found: " + path);
  }
  co_await exchange.Respond(reply);
}

HttpResponse Simulator::Images(const HttpRequest& http) {
  ++stats_.requests;
  {
    std::lock_guard lock(last_mu_);
    last_ = ReceivedRequest{http.path, http.headers, http.body};
  }
  if (!Authorized(options_, http)) {
    ++stats_.unauthorized;
    return server::OpenAiError(401, "invalid or missing API key");
  }
  if (InjectError()) {
    ++stats_.errors_injected;
    return server::OpenAiError(500, "simulated backend error");
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(http.body, ec);
  if (ec || !parsed.is_object()) return server::OpenAiError(400, "malformed JSON body");
  std::string error;
  std::string body = ImagesAnswer(parsed.as_object(), error);
  if (!error.empty()) return server::OpenAiError(400, error);
  return HttpResponse{
      200, "application/json", std::move(body), {{"x-simulator-name", options_.name}}};
}

ReceivedRequest Simulator::last_request() const {
  std::lock_guard lock(last_mu_);
  return last_;
}

asio::awaitable<void> Simulator::Chat(const HttpRequest& http, HttpExchange& exchange,
                                      bool anthropic) {
  ++stats_.requests;
  {
    std::lock_guard lock(last_mu_);
    last_ = ReceivedRequest{http.path, http.headers, http.body};
  }
  json::object body;
  request::Request req;
  std::optional<HttpResponse> error = Validate(http, anthropic, body, req);
  if (!error && InjectError()) {
    ++stats_.errors_injected;
    co_await SleepMs(options_.ttft_ms);
    error = anthropic ? server::AnthropicError(500, "simulated backend error")
                      : server::OpenAiError(500, "simulated backend error");
  }
  if (error) {
    co_await exchange.Respond(*error);
    co_return;
  }
  if (!anthropic && IsDiffusionRequest(body)) {  // a vLLM-Omni image request: one image
    co_await SleepMs(options_.ttft_ms);
    const HttpResponse image{
        200,
        "application/json",
        DiffusionAnswer(body, "chatcmpl-sim-" + std::to_string(next_id_++),
                        req.model.empty() ? "simulated-image-model" : req.model),
        {{"x-simulator-name", options_.name}}};
    co_await exchange.Respond(image);
    co_return;
  }
  Answer answer;
  answer.anthropic = anthropic;
  answer.model = req.model.empty() ? "simulated-model" : req.model;
  int64_t max_tokens = IntField(body, "max_tokens");
  if (max_tokens == 0) max_tokens = IntField(body, "max_completion_tokens");
  answer.tokens = AnswerTokens(options_, answer.model, req, static_cast<int>(max_tokens));
  for (const auto& m : req.messages) answer.prompt_tokens += WordCount(m.text);
  answer.truncated = max_tokens > 0 && static_cast<size_t>(max_tokens) == answer.tokens.size() &&
                     options_.response != "echo" &&
                     answer.tokens.size() < static_cast<size_t>(options_.output_tokens);
  answer.include_usage = StreamUsageRequested(body);
  answer.reasoning = options_.reasoning;
  if (const json::value* lp = body.if_contains("logprobs"); lp && lp->is_bool() && lp->as_bool()) {
    answer.top_logprobs = std::clamp(static_cast<int>(IntField(body, "top_logprobs")), 0, 20);
    answer.logprob = options_.logprob;
    answer.margin = options_.logprob_margin;
  }
  const uint64_t n = next_id_.fetch_add(1);
  answer.id = (anthropic ? "msg_sim_" : "chatcmpl-sim-") + std::to_string(n);
  answer.created = static_cast<int64_t>(std::time(nullptr));
  const double token_gap_ms =
      options_.tokens_per_second > 0 ? 1000.0 / options_.tokens_per_second : 0;
  HeaderList headers{{"x-simulator-name", options_.name}};

  if (!req.stream) {
    co_await SleepMs(options_.ttft_ms + token_gap_ms * static_cast<double>(answer.tokens.size()));
    const HttpResponse response{200, "application/json", answer.Whole(), headers};
    co_await exchange.Respond(response);
    co_return;
  }

  ++stats_.streams_started;
  co_await SleepMs(options_.ttft_ms);
  const std::string content_type = "text/event-stream";
  bool ok = co_await exchange.BeginStream(200, content_type, headers);
  std::string event = answer.Prologue();
  if (ok) ok = co_await exchange.Write(event);
  for (size_t i = 0; ok && i < answer.tokens.size(); ++i) {
    if (i > 0) co_await SleepMs(token_gap_ms);
    event = answer.Token(i);
    ok = co_await exchange.Write(event);
  }
  event = answer.Epilogue();
  if (ok) ok = co_await exchange.Write(event);
  if (ok) ok = co_await exchange.EndStream();
  if (ok) {
    ++stats_.streams_completed;
  } else {
    ++stats_.streams_cancelled;
  }
}

}  // namespace vsr::simulator
