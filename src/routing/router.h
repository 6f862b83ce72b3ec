// Router::Route: (config snapshot, normalized request) -> RoutingResult. The data plane, the
// router API's eval endpoint and the CLI all call this one function.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/worker_pool.h"
#include "config/config.h"
#include "request/request.h"
#include "routing/rule_tree.h"
#include "routing/signal_results.h"
#include "selection/selectors.h"
#include "signals/registry.h"

namespace vsr::routing {

struct RouteOptions {
  bool evaluate_all_signals = false;  // eval API: every configured family, used or not
  bool trace = false;                 // keep a rule-tree trace per decision
};

struct DecisionTrace {
  std::string decision_name;
  bool matched = false;
  double confidence = 0;
  TraceNode root;
};

struct RoutingResult {
  SignalResults signals;
  const config::Decision* decision = nullptr;  // the winner, if any decision matched
  double decision_confidence = 0;
  std::string category;  // the decision's first matched domain condition (upstream's category)
  std::vector<DecisionTrace> traces;  // with RouteOptions::trace
  std::string selected_model;         // the default model when no decision has modelRefs
  const config::ModelRef* selected_ref = nullptr;
  std::string selection_method;  // "single", "static", "elo", ...
  std::string selection_reasoning;
  std::string error;  // a signal failure that must stop the request (authz)
};

struct RouterOptions {
  // How long a request waits for an expensive (model-backed) signal; past it the signal is
  // reported as timed out and its conditions do not match. Generous: a ModernBERT classifier
  // at mmBERT-small's size needs ~0.9 s for a 512-token prompt on one CPU core
  // (bench/learned_routing_bench), and cutting it off would silently change routing.
  std::chrono::milliseconds signal_budget{5000};
  size_t signal_threads = 0;  // 0: max(2, hardware threads - 1), created only when needed
  // The query -> embedding function of the embedding model, for the selectors that embed
  // (router_dc, hybrid, knn, kmeans, svm, mlp); empty: they fall back as without a model.
  std::function<std::vector<float>(const std::string&)> selection_embed;
  // The HTTP client of selectors that ask a server (rl_driven's Router-R1); empty: they fall
  // back as when the server is down. A config that uses one routes off the I/O threads.
  selection::HttpPostFn selection_post;
};

class Router {
 public:
  // Builds the signals for `config`; problems (e.g. a keyword regex RE2 rejects) in `errors`.
  // Learned signals load their models through `models` (none: they report "model not loaded").
  // `options` (selection_post...) are kept; the embedding function is set here.
  static std::unique_ptr<Router> Create(std::shared_ptr<const config::Config> config,
                                        std::vector<std::string>& errors,
                                        ml::ModelStore* models = nullptr,
                                        RouterOptions options = {});
  // With a prepared signal set (models loaded, or test doubles) and options.
  static std::unique_ptr<Router> Create(std::shared_ptr<const config::Config> config,
                                        signals::SignalSet signals, RouterOptions options);
  ~Router();

  RoutingResult Route(const request::Request& request, const RouteOptions& options = {}) const;
  // The same, written into `result` (default-constructed, not yet routed): the data plane's
  // per-request result, so the ~5 KB of signal results are not moved into it afterwards.
  void RouteInto(const request::Request& request, RoutingResult& result,
                 const RouteOptions& options = {}) const;

  const config::Config& config() const { return *config_; }
  const signals::SignalSet& signal_set() const { return signals_; }
  // The model selectors (their learned state, e.g. Elo ratings, takes feedback through here).
  const selection::SelectorSet& selectors() const { return *selectors_; }
  // Families some decision (or projection) references: only these run on live traffic.
  const std::vector<signals::Family>& used_families() const { return used_; }
  // True when routing evaluates a loaded model (then Route takes milliseconds, not micro-).
  bool runs_models() const { return pool_ != nullptr; }
  // Problems that do not stop the router (a learned selector's trained model is missing: its
  // decisions select statically), for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Router(std::shared_ptr<const config::Config> config, signals::SignalSet signals,
         RouterOptions options);
  // `full` for the families in prompt_compression.skip_signals, `compressed` for the others
  // (the same request when nothing was compressed).
  void EvaluateSignals(const request::Request& full, const request::Request& compressed,
                       const RouteOptions& options, SignalResults& results) const;
  void SelectDecision(RoutingResult& result, const RouteOptions& options) const;
  void SelectModel(RoutingResult& result, const request::Request& request,
                   bool signals_read_request_text) const;

  std::shared_ptr<const config::Config> config_;
  signals::SignalSet signals_;
  std::vector<signals::Family> used_;
  RouterOptions options_;
  std::vector<std::string> warnings_;
  std::shared_ptr<selection::SelectorSet> selectors_;
  std::vector<CompiledRule> compiled_rules_;  // one per decision, same order
  // Complexity rules' composers by rule name: a complexity match stands only when its rule's
  // composer (a condition over the other signals) holds.
  std::map<std::string, CompiledRule> composers_;
  void ApplyComposers(SignalResults& results) const;
  // Each family's NotReadyReason, asked once: the signal set does not change under a router.
  std::array<std::string, signals::kFamilyCount> not_ready_{};
  // Families that read the uncompressed text (prompt_compression.skip_signals).
  std::array<bool, signals::kFamilyCount> skips_compression_{};
  std::unique_ptr<WorkerPool> pool_;  // only when some signal is expensive
};

}  // namespace vsr::routing
