// Model selection: a decision's modelRefs and its `algorithm` choose one model. Each algorithm
// is one class behind Selector; selectors.cpp is the one place that builds them from config.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace vsr::selection {

// The query's embedding, computed on first use and shared by every selector one request asks
// (hybrid's router_dc component and the learned selectors read the same vector). One request,
// one thread: no locking.
class QueryEmbedding {
 public:
  using EmbedFn = std::function<std::vector<float>(const std::string&)>;
  // `known`: the vector when the caller already has it (the embedding signal's), else empty.
  QueryEmbedding(const EmbedFn* embed, const std::string* query, std::vector<float> known = {})
      : embed_(embed), query_(query), done_(!known.empty()), value_(std::move(known)) {}
  // Null when no embedding model is loaded (or the query is empty).
  const std::vector<float>* Get() const {
    if (!done_) {
      done_ = true;
      if (embed_ != nullptr && *embed_ && query_ != nullptr && !query_->empty()) {
        value_ = (*embed_)(*query_);
      }
    }
    return value_.empty() ? nullptr : &value_;
  }

 private:
  const EmbedFn* embed_;
  const std::string* query_;
  mutable bool done_;
  mutable std::vector<float> value_;
};

// A blocking HTTP POST of a JSON body: the 200 answer's body, or nullopt with `error`. The
// process that has an HTTP client installs one (RouterOptions::selection_post); selectors
// that call external servers (rl_driven's Router-R1) do without when there is none.
using HttpPostFn = std::function<std::optional<std::string>(
    const std::string& url, const std::string& json_body, std::chrono::milliseconds timeout,
    std::string& error)>;

struct SelectionContext {
  std::string decision_name;
  const std::vector<config::ModelRef>* candidates = nullptr;  // the decision's modelRefs
  int tpot_percentile = 0;  // latency_aware block of the decision
  int ttft_percentile = 0;
  std::string user_id;     // authz identity header: rl_driven personalization
  std::string session_id;  // x-session-id
  std::string category;    // the detected domain (learned selectors' one-hot feature)
  const QueryEmbedding* embedding = nullptr;  // null: no embedding model
  // How much cheaper models are preferred (the decision's automix.cost_quality_tradeoff or
  // hybrid.cost_weight when > 0, else 0.5 — upstream's request-time cost weight).
  double cost_weight = 0.5;
};

struct SelectionResult {
  const config::ModelRef* ref = nullptr;  // one of the candidates
  double score = 0;
  double confidence = 0;
  std::string method;  // "static", "elo", ...
  std::string reasoning;
  std::map<std::string, double> all_scores;
};

// Pairwise preference from a user or an evaluator (POST /api/v1/feedback).
struct Feedback {
  std::string winner_model;
  std::string loser_model;
  bool tie = false;
  std::string decision_name;  // empty: global ratings only
  std::string query;
  std::string user_id;  // rl_driven personalization
  std::string session_id;
  std::string feedback_type;  // set for implicit feedback (weighted down by rl_driven)
  double confidence = 0;      // scales implicit feedback when > 0
};

class Selector {
 public:
  virtual ~Selector() = default;
  virtual std::string Method() const = 0;
  // Picks one candidate; nullopt (with `error`) when it cannot, and the caller falls back.
  std::optional<SelectionResult> Select(const SelectionContext& ctx, std::string& error) const {
    if (ctx.candidates == nullptr || ctx.candidates->empty()) {
      error = "no candidate models provided";
      return std::nullopt;
    }
    return Choose(ctx, error);
  }

 protected:
  // Select with at least one candidate.
  virtual std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                                std::string& error) const = 0;

 public:
  // Learns from feedback; false (with `error`) when the feedback is unusable or not supported.
  virtual bool UpdateFeedback(const Feedback&, std::string& error) {
    error = Method() + " selection does not learn from feedback";
    return false;
  }
};

}  // namespace vsr::selection
