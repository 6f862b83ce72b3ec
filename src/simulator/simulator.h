// The simulator: a fake LLM server speaking the OpenAI chat completions and Anthropic messages
// APIs (and drawing images: simulator/images.h), with deterministic answers and configurable
// timing and failures. It is the backend of
// a first `vllm-sr serve`, of the integration tests and of the proxy benchmark.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "request/request.h"
#include "server/http_exchange.h"

namespace vsr::simulator {

struct SimulatorOptions {
  std::vector<std::string> models;  // what /v1/models lists; any model name is answered
  std::string response = "fixed";   // fixed | echo (repeat the last user message)
  int ttft_ms = 0;                  // delay before the first token
  double tokens_per_second = 0;     // 0: no delay between tokens
  int output_tokens = 16;           // answer length in words (capped by max_tokens)
  double error_rate = 0;            // share of requests answered 500, in [0,1]
  std::string api_key;              // when set, requests must carry it (Bearer or x-api-key)
  std::string name = "simulator";   // reported in answers and /stats (tells instances apart)
  // Token log-probabilities reported when a request asks for logprobs (OpenAI format): every
  // token gets `logprob`, and its runner-up (top_logprobs) `logprob - logprob_margin` — how
  // sure this "model" sounds to the confidence looper.
  double logprob = -0.1;
  double logprob_margin = 3.0;
  // When set, whole OpenAI answers carry it as message.reasoning_content, as vLLM's reasoning
  // parsers return a thinking model's reasoning.
  std::string reasoning;
};

// Counters a test reads from GET /stats.
struct SimulatorStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> streams_started{0};
  std::atomic<uint64_t> streams_completed{0};
  std::atomic<uint64_t> streams_cancelled{0};  // the reader went away mid-stream
  std::atomic<uint64_t> errors_injected{0};
  std::atomic<uint64_t> unauthorized{0};
};

// The last chat request a simulator received, as it arrived (for tests that check what the
// router forwarded). Kept in memory only: headers may carry API keys.
struct ReceivedRequest {
  std::string path;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

class Simulator {
 public:
  explicit Simulator(SimulatorOptions options);
  boost::asio::awaitable<void> Handle(const server::HttpRequest& request,
                                      server::HttpExchange& exchange);
  const SimulatorStats& stats() const { return stats_; }
  ReceivedRequest last_request() const;

 private:
  boost::asio::awaitable<void> Chat(const server::HttpRequest& request,
                                    server::HttpExchange& exchange, bool anthropic);
  // POST /v1/images/generations (OpenAI's images API).
  server::HttpResponse Images(const server::HttpRequest& http);
  server::HttpResponse Models() const;
  server::HttpResponse Stats() const;
  // Auth, JSON and API shape; an error reply when the request cannot be answered.
  std::optional<server::HttpResponse> Validate(const server::HttpRequest& http, bool anthropic,
                                               boost::json::object& body, request::Request& req);
  bool InjectError();

  SimulatorOptions options_;
  SimulatorStats stats_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> error_counter_{0};
  mutable std::mutex last_mu_;
  ReceivedRequest last_;
};

}  // namespace vsr::simulator
