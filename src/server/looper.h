// The looper: decisions whose algorithm calls several models for one request (upstream's
// pkg/looper). `confidence` asks the candidates one at a time, smallest (or cheapest, or lowest
// automix value) first, and stops at the first answer whose token log-probabilities clear the
// threshold; `ratings` asks them all at once and returns one choice per model; `remom` runs
// rounds of parallel calls (breadth_schedule, spread over the candidates by
// model_distribution), each later round answering with the previous round's answers as
// references, and returns the last round's first answer. Each model call
// is a pinned-model chat completion POSTed to global.integrations.looper.endpoint — the router's
// own listener — marked x-vsr-looper-request: true, so it gets the plugins, translation,
// credentials and failover of any request, and never loops again.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/upstream_client.h"

namespace vsr::server {

// True when `decision` runs through the looper: its algorithm is confidence or ratings with
// more than one modelRef, or remom with any, and the request is not itself a looper call.
bool UsesLooper(const config::Decision* decision, bool looper_request);

struct LooperOutcome {
  int status = 200;  // non-200: `error` says why (every model failed, ...)
  std::string error;
  boost::json::object completion;  // the chat.completion to answer with
  std::string final_model;
  std::vector<std::string> models_used;
  int iterations = 0;     // model calls made, failed ones included
  std::string algorithm;  // confidence | ratings
};

struct LooperTarget {
  std::string endpoint;  // http[s]://host:port/path of the chat completions listener
  std::vector<std::pair<std::string, std::string>> headers;  // looper.headers, sent on each call
  std::chrono::milliseconds timeout{1200000};
};

// Runs the decision's looper algorithm for the client's OpenAI chat request `body`.
// `pool` and the arguments must outlive the call.
boost::asio::awaitable<LooperOutcome> RunLooper(UpstreamPool& pool, const LooperTarget& target,
                                                const config::Config& config,
                                                const config::Decision& decision,
                                                const boost::json::object& body);

// The outcome for a streaming client: chat.completion.chunk events (every choice of a ratings
// answer, with its model), the finish chunks, then data: [DONE].
std::string LooperAnswerAsSse(const LooperOutcome& outcome);

// confidence_method self_verify (AutoMix): the prompt asking a model to grade its own answer,
// and the grade read back from its reply ({"confidence": x}, else the first number in [0, 1]).
std::string SelfVerificationPrompt(const std::string& question, const std::string& answer);
std::optional<double> ParseSelfVerification(const std::string& reply);

// Confidence of one answer from its tokens' log-probabilities (upstream's evaluator):
// avg_logprob maps the mean log-probability from [-3, 0] to [0, 1]; margin maps the mean gap
// between the best and second-best token as 1 - exp(-gap / 3); hybrid weighs both.
double AnswerConfidence(const std::string& method, const std::vector<double>& logprobs,
                        const std::vector<double>& margins, double logprob_weight,
                        double margin_weight);

}  // namespace vsr::server
