// The selectors a router uses, built from config in one place.
#pragma once

#include <map>
#include <memory>

#include "selection/elo_selector.h"
#include "selection/latency_stats.h"
#include "selection/model_facts.h"
#include "selection/selector.h"

namespace vsr::selection {

// What one request tells selection besides the decision.
struct SelectionInput {
  std::string query;
  std::string user_id;  // rl_driven personalization
  std::string session_id;
  std::string category;          // the detected domain (first matched domain rule)
  std::vector<float> embedding;  // the query's vector when already computed (else embedded here)
};

class SelectorSet {
 public:
  // Builds the selectors the config's decisions use (hybrid brings elo, router_dc and automix
  // along). `embed` (the embedding model; may be empty) serves router_dc and the learned
  // selectors; problems loading a learned selector's trained model go to `warnings`.
  static std::shared_ptr<SelectorSet> Build(const config::Config& c,
                                            QueryEmbedding::EmbedFn embed = {},
                                            std::vector<std::string>* warnings = nullptr,
                                            HttpPostFn post = {});
  // True when some decision's selection calls an external server (rl_driven's Router-R1): the
  // router then routes off the I/O threads.
  static bool CallsServers(const config::Config& c);
  // True when some decision's algorithm embeds the query (router_dc, hybrid, knn, kmeans,
  // svm, mlp): the router then loads the embedding model for selection.
  static bool NeedsEmbeddings(const config::Config& c);

  // Selects for a decision. Unknown or not-yet-implemented algorithm types, and selector
  // failures, fall back to static (upstream falls back to the first modelRef too); the result's
  // method says which algorithm actually chose.
  SelectionResult Select(const config::Decision& decision, const SelectionInput& input) const;

  // Feedback for the selectors that learn from it (elo, rl_driven, gmtrouter, as upstream's
  // feedback API):
  // how many took it; `errors` collects why others refused. `configured` says how many exist.
  int UpdateFeedback(const Feedback& f, int& configured, std::string& errors) const;

  EloSelector* elo() const { return elo_.get(); }  // nullptr unless some decision uses elo
  // Where the data plane records per-model TTFT/TPOT for latency_aware selection.
  LatencyStats& latency() const { return *latency_; }

 private:
  explicit SelectorSet(const config::Config& c) : facts_(c) {}
  const Selector* ByType(const std::string& type) const;

  ModelFacts facts_;
  QueryEmbedding::EmbedFn embed_;
  std::unique_ptr<Selector> static_;
  std::unique_ptr<EloSelector> elo_;
  std::shared_ptr<LatencyStats> latency_ = std::make_shared<LatencyStats>();
  std::unique_ptr<Selector> latency_aware_;
  std::unique_ptr<Selector> router_dc_, automix_, hybrid_, rl_driven_, gmtrouter_;
  std::map<std::string, std::unique_ptr<Selector>> learned_;  // knn, kmeans, svm, mlp
};

}  // namespace vsr::selection
