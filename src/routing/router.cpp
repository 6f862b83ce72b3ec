#include "routing/router.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/strings.h"
#include "common/utf8.h"
#include "routing/projections.h"
#include "routing/prompt_compression.h"
#include "signals/learned.h"
#include "signals/model_refs.h"

namespace vsr::routing {

using signals::Family;

Router::Router(std::shared_ptr<const config::Config> config, signals::SignalSet signals,
               RouterOptions options)
    : config_(std::move(config)),
      signals_(std::move(signals)),
      options_(options),
      selectors_(selection::SelectorSet::Build(*config_, options_.selection_embed, &warnings_,
                                               options_.selection_post)) {
  for (const config::Decision& d : config_->routing.decisions)
    compiled_rules_.push_back(CompileRule(d.rules));
  std::vector<bool> used(signals::kFamilyCount, false);
  std::vector<std::pair<std::string, std::string>> leaves;
  for (const config::Decision& d : config_->routing.decisions) CollectLeaves(d.rules, leaves);
  for (const auto& [type, name] : leaves) {
    if (auto f = signals::FamilyForLeafType(type)) used[static_cast<size_t>(*f)] = true;
  }
  // Projections read their input signals, so those run whenever projections exist.
  for (const config::ProjectionScore& s : config_->routing.projections.scores) {
    for (const config::ProjectionScoreInput& in : s.inputs) {
      if (auto f = signals::FamilyForLeafType(in.type)) used[static_cast<size_t>(*f)] = true;
      if (IEquals(in.type, "kb_metric")) used[static_cast<size_t>(Family::kKb)] = true;
    }
  }
  // Composers read other signals, so those run whenever complexity does.
  for (const config::ComplexitySignal& r : config_->routing.signals.complexity) {
    if (r.composer.empty()) continue;
    composers_.emplace(r.name, CompileRule(r.composer.front()));
    if (!used[static_cast<size_t>(Family::kComplexity)]) continue;
    std::vector<std::pair<std::string, std::string>> composer_leaves;
    CollectLeaves(r.composer.front(), composer_leaves);
    for (const auto& [type, name] : composer_leaves) {
      if (auto f = signals::FamilyForLeafType(type)) used[static_cast<size_t>(*f)] = true;
    }
  }
  for (size_t i = 0; i < used.size(); ++i) {
    if (used[i]) used_.push_back(static_cast<Family>(i));
  }
  for (const std::string& type :
       config_->global.model_catalog.modules.prompt_compression.skip_signals) {
    if (auto f = signals::FamilyForLeafType(type))
      skips_compression_[static_cast<size_t>(*f)] = true;
  }
  // Selection that embeds the query costs a model pass too; one that asks a server waits for it.
  bool any_expensive = static_cast<bool>(options_.selection_embed) ||
                       (options_.selection_post && selection::SelectorSet::CallsServers(*config_));
  for (const signals::Signal* s : signals_.All()) {
    not_ready_[static_cast<size_t>(s->family())] = s->NotReadyReason();
    any_expensive =
        any_expensive || (s->IsExpensive() && not_ready_[static_cast<size_t>(s->family())].empty());
  }
  if (any_expensive) {
    const size_t hw = std::thread::hardware_concurrency();
    const size_t threads = options_.signal_threads > 0 ? options_.signal_threads
                                                       : std::max<size_t>(2, hw > 1 ? hw - 1 : 1);
    pool_ = std::make_unique<WorkerPool>(threads);
  }
}

Router::~Router() = default;

std::unique_ptr<Router> Router::Create(std::shared_ptr<const config::Config> config,
                                       std::vector<std::string>& errors, ml::ModelStore* models,
                                       RouterOptions options) {
  signals::SignalSet set = signals::SignalSet::Build(*config, errors, models);
  std::string embed_error;
  if (models != nullptr && selection::SelectorSet::NeedsEmbeddings(*config)) {
    if (auto embedder =
            signals::LoadEmbedder(signals::EmbeddingModel(*config), *models, embed_error)) {
      options.selection_embed = [embedder](const std::string& text) {
        return embedder->Embed(text);
      };
    }
  }
  // Hybrid modality detection without its classifier still routes, on keywords; say so.
  const config::ModalityDetectorModule& modality =
      config->global.model_catalog.modules.modality_detector;
  const signals::Signal* modality_signal = set.Get(Family::kModality);
  const std::string modality_model = signals::ModalityModel(*config).path;
  const bool keywords_only = models != nullptr && modality_signal != nullptr && modality.enabled &&
                             IEquals(modality.detection.method, "hybrid") &&
                             !modality_model.empty() && !modality_signal->IsExpensive();
  auto router = Create(std::move(config), std::move(set), std::move(options));
  if (keywords_only) {
    router->warnings_.push_back("modality: the classifier " + modality_model +
                                " is not loaded; hybrid detection uses keywords only (put the "
                                "model there, or let `vllm-sr serve` download it)");
  }
  if (!embed_error.empty()) {
    router->warnings_.push_back("model selection: " + embed_error +
                                " (router_dc, hybrid and the learned selectors fall back)");
  }
  return router;
}

std::unique_ptr<Router> Router::Create(std::shared_ptr<const config::Config> config,
                                       signals::SignalSet signals, RouterOptions options) {
  return std::unique_ptr<Router>(new Router(std::move(config), std::move(signals), options));
}

namespace {

// An expensive signal's evaluation on a worker. Shared with the worker so a late finisher
// writes into memory that is still alive after the request gave up on it.
struct PendingSignal {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  signals::SignalOutput output;
};

// Upstream's category (x-vsr-selected-category, replay's `category`): the first domain
// condition of the winning decision's rule tree that matched, in tree order, outside NOT.
std::string DecisionCategory(const config::RuleNode& node,
                             const std::vector<std::string>& matched_domains) {
  if (node.IsLeaf()) {
    if (!IEquals(node.type, "domain")) return {};
    for (const std::string& d : matched_domains) {
      if (d == node.name) return d;
    }
    return {};
  }
  if (IEquals(node.operator_, "NOT")) return {};
  for (const config::RuleNode& c : node.conditions) {
    if (std::string category = DecisionCategory(c, matched_domains); !category.empty()) {
      return category;
    }
  }
  return {};
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

void Router::EvaluateSignals(const request::Request& full, const request::Request& compressed,
                             const RouteOptions& options, SignalResults& results) const {
  const auto input_of = [&](const signals::Signal* s) -> const request::Request& {
    return skips_compression_[static_cast<size_t>(s->family())] ? full : compressed;
  };
  std::vector<const signals::Signal*> to_run;
  if (options.evaluate_all_signals) {
    to_run = signals_.All();
  } else {
    for (Family f : used_) {
      if (const signals::Signal* s = signals_.Get(f)) to_run.push_back(s);
    }
  }
  // Expensive signals start first, on the pool, so they overlap with the inline ones. The
  // request is copied into the task: a timed-out task may outlive this call.
  std::vector<std::pair<const signals::Signal*, std::shared_ptr<PendingSignal>>> pending;
  std::shared_ptr<const request::Request> shared_full, shared_compressed;
  const auto start = std::chrono::steady_clock::now();
  for (const signals::Signal* s : to_run) {
    FamilyResult& fr = results.Of(s->family());
    results.MarkNotReady(s->family(), not_ready_[static_cast<size_t>(s->family())]);
    if (!fr.not_ready.empty() || !s->IsExpensive() || !pool_) continue;
    const bool reads_full = &input_of(s) == &full;
    std::shared_ptr<const request::Request>& shared = reads_full ? shared_full : shared_compressed;
    if (!shared) shared = std::make_shared<const request::Request>(input_of(s));
    const std::shared_ptr<const request::Request> shared_request = shared;
    auto job = std::make_shared<PendingSignal>();
    pending.emplace_back(s, job);
    pool_->Submit([s, job, shared_request, start] {
      const auto began = std::chrono::steady_clock::now();
      signals::SignalOutput out;
      try {
        s->Evaluate(*shared_request, out);
      } catch (const std::exception& e) {
        out = {};
        out.error = std::string("signal failed: ") + e.what();
      }
      out.execution_ms = MillisSince(began);
      out.started_ms = std::chrono::duration<double, std::milli>(began - start).count();
      std::lock_guard<std::mutex> lock(job->mu);
      job->output = std::move(out);
      job->done = true;
      job->done_cv.notify_all();
    });
  }
  for (const signals::Signal* s : to_run) {
    FamilyResult& fr = results.Of(s->family());
    if (!fr.not_ready.empty() || (s->IsExpensive() && pool_)) continue;
    const auto began = std::chrono::steady_clock::now();
    s->Evaluate(input_of(s), fr.output);
    fr.output.execution_ms = MillisSince(began);
    fr.output.started_ms = std::chrono::duration<double, std::milli>(began - start).count();
    results.MarkEvaluated(s->family());
  }
  const auto deadline = start + options_.signal_budget;
  for (auto& [signal, job] : pending) {
    FamilyResult& fr = results.Of(signal->family());
    std::unique_lock<std::mutex> lock(job->mu);
    if (job->done_cv.wait_until(lock, deadline, [&] { return job->done; })) {
      fr.output = std::move(job->output);
    } else {
      fr.output = {};  // treated as unmatched
      fr.output.error = "timed out after " + std::to_string(options_.signal_budget.count()) + " ms";
      fr.output.execution_ms = MillisSince(start);
    }
    results.MarkEvaluated(signal->family());
  }
  for (const signals::Signal* s : to_run) {
    FamilyResult& fr = results.Of(s->family());
    if (!fr.output.error.empty()) fr.output.matched.clear();  // a failed signal matches nothing
    for (const auto& [key, v] : fr.output.confidences) results.confidences[key] = v;
    for (const auto& [key, v] : fr.output.values) results.values[key] = v;
  }
  ApplyComposers(results);
  ApplyProjections(config_->routing.projections, results);
}

void Router::ApplyComposers(SignalResults& results) const {
  if (composers_.empty()) return;
  std::vector<std::string>& matched = results.Of(Family::kComplexity).output.matched;
  std::vector<std::string> kept;
  for (const std::string& m : matched) {  // "<rule>:<level>"
    const auto it = composers_.find(m.substr(0, m.rfind(':')));
    if (it == composers_.end() || EvaluateRule(it->second, results).matched) {
      kept.push_back(m);
    } else {
      results.confidences.erase("complexity:" + m);
    }
  }
  matched = std::move(kept);
}

void Router::SelectDecision(RoutingResult& result, const RouteOptions& options) const {
  struct Candidate {
    const config::Decision* decision;
    double confidence;
  };
  std::vector<Candidate> matched;
  bool any_tier = false;
  for (size_t index = 0; index < config_->routing.decisions.size(); ++index) {
    const config::Decision& d = config_->routing.decisions[index];
    DecisionTrace* trace = nullptr;
    if (options.trace) {
      result.traces.push_back({d.name, false, 0, {}});
      trace = &result.traces.back();
    }
    const RuleMatch m =
        EvaluateRule(compiled_rules_[index], result.signals, trace ? &trace->root : nullptr);
    if (trace) {
      trace->matched = m.matched;
      trace->confidence = m.confidence;
    }
    if (!m.matched) continue;
    matched.push_back({&d, m.confidence});
    any_tier = any_tier || d.tier > 0;
  }
  if (matched.empty()) return;
  const bool by_confidence = IEquals(config_->global.router.strategy, "confidence");
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (any_tier && a.decision->tier != b.decision->tier)
      return a.decision->tier < b.decision->tier;
    if (any_tier || by_confidence) {
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
      if (a.decision->priority != b.decision->priority)
        return a.decision->priority > b.decision->priority;
    } else {
      if (a.decision->priority != b.decision->priority)
        return a.decision->priority > b.decision->priority;
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
    }
    return a.decision->name < b.decision->name;
  };
  const Candidate& best = *std::min_element(matched.begin(), matched.end(), better);
  result.decision = best.decision;
  result.decision_confidence = best.confidence;
}

void Router::SelectModel(RoutingResult& result, const request::Request& request,
                         bool signals_read_request_text) const {
  if (result.decision == nullptr || result.decision->model_refs.empty()) {
    // No decision (or one without models): upstream sends auto-model traffic to the default.
    result.selected_model = config_->providers.defaults.default_model;
    if (!result.selected_model.empty()) {
      result.selection_method = "default";
      result.selection_reasoning = "no decision matched; providers.defaults.default_model";
    }
    return;
  }
  selection::SelectionInput input;
  input.query = request.evaluation_text;
  input.user_id = request.ConfiguredHeader(config_->global.services.authz.identity.user_id_header);
  input.session_id = request.Header("x-session-id");
  const FamilyResult& domains = result.signals.Of(Family::kDomain);
  if (!domains.output.matched.empty()) input.category = domains.output.matched.front();
  if (signals_read_request_text)
    input.embedding = std::move(result.signals.Of(Family::kEmbedding).output.embedding);
  const selection::SelectionResult chosen = selectors_->Select(*result.decision, input);
  if (chosen.ref == nullptr) return;
  result.selected_ref = chosen.ref;
  result.selected_model = chosen.ref->model;
  result.selection_method = chosen.method;
  result.selection_reasoning = chosen.reasoning;
}

RoutingResult Router::Route(const request::Request& request, const RouteOptions& options) const {
  RoutingResult result;
  RouteInto(request, result, options);
  return result;
}

void Router::RouteInto(const request::Request& request, RoutingResult& result,
                       const RouteOptions& options) const {
  // Signals read the evaluation text cut to max_evaluation_chars and, unless they skip it,
  // compressed (prompt_compression); the request itself — what the model gets — is unchanged.
  const config::PromptCompression& pc = config_->global.model_catalog.modules.prompt_compression;
  std::optional<request::Request> full, compressed;
  if (pc.max_evaluation_chars > 0 || (pc.enabled && pc.max_tokens > 0)) {
    SignalTexts texts = PrepareSignalTexts(request.evaluation_text, pc);
    const auto with_text = [&](std::optional<request::Request>& copy, std::string_view text) {
      copy = request;
      copy->evaluation_text_lower = utf8::ToLower(text);
      copy->evaluation_text = std::string(text);
    };
    if (texts.cut) with_text(full, texts.full);
    if (texts.was_compressed) with_text(compressed, texts.compressed_text);
  }
  const request::Request& full_input = full ? *full : request;
  EvaluateSignals(full_input, compressed ? *compressed : full_input, options, result.signals);
  const FamilyResult& authz = result.signals.Of(Family::kAuthz);
  if (authz.evaluated && !authz.output.error.empty()) {
    result.error = "authz signal evaluation failed: " + authz.output.error;
  }
  SelectDecision(result, options);
  if (result.decision != nullptr) {
    result.category =
        DecisionCategory(result.decision->rules, result.signals.Of(Family::kDomain).output.matched);
  }
  // Selection embeds the request's text; the embedding signal's vector is that one unless the
  // signals read a cut or compressed text.
  SelectModel(result, request, !full && !compressed);
}

}  // namespace vsr::routing
