// The domain family through an MCP server (global.model_catalog.modules.classifier.mcp), used
// when no in-tree domain classifier loads. Upstream's MCP semantics: the server's verdict below
// `threshold` (default 0.5) stands for the fallback category (classifier.domain's
// fallback_category, default "other"), otherwise for the category list_categories names at its
// class index. The category matches the domain rule that lists it in mmlu_categories, else the
// rule of that name; the match's confidence is the server's.
#include <algorithm>
#include <chrono>

#include "mcp/category_classifier.h"
#include "signals/learned.h"

namespace vsr::signals {
namespace {

constexpr double kDefaultThreshold = 0.5;
constexpr std::chrono::seconds kDefaultTimeout{30};
constexpr std::chrono::seconds kLongestUsefulWait{5};

class McpDomainSignal final : public Signal {
 public:
  McpDomainSignal(const config::Config& c, std::unique_ptr<mcp::CategoryClassifier> classifier,
                  std::string standing_in)
      : rules_(c.routing.signals.domains),
        classifier_(std::move(classifier)),
        standing_in_(std::move(standing_in)) {
    const config::ClassifierModules& m = c.global.model_catalog.modules.classifier;
    threshold_ = m.mcp.threshold > 0 ? m.mcp.threshold : kDefaultThreshold;
    fallback_ = m.domain.fallback_category.empty() ? "other" : m.domain.fallback_category;
  }
  Family family() const override { return Family::kDomain; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }
  // What the last attempt found: /ready reports a server that cannot be reached. Routing reads
  // this once, when the router is built (before any attempt), so requests keep trying.
  std::string NotReadyReason() const override {
    const std::string why = classifier_->Unavailable();
    return why.empty() ? why : "MCP classifier unavailable" + standing_in_ + ": " + why;
  }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    mcp::CategoryVerdict v;
    if (!classifier_->Classify(request.evaluation_text, v, out.error)) {
      out.error = "MCP classifier" + standing_in_ + ": " + out.error;
      return;
    }
    std::string category = fallback_;
    if (v.confidence >= threshold_) {
      category = classifier_->CategoryName(v.class_index);
      if (category.empty()) category = "category_" + std::to_string(v.class_index);
    }
    out.confidence = v.confidence;
    const std::string rule = RuleOf(category);
    if (rule.empty()) return;
    out.matched.push_back(rule);
    out.confidences["domain:" + rule] = v.confidence;
  }

 private:
  // Servers name MMLU categories or the generic ones the rules are named after.
  std::string RuleOf(const std::string& category) const {
    std::string rule = DomainRuleFor(rules_, category);
    if (!rule.empty()) return rule;
    for (const config::DomainSignal& r : rules_) {
      if (r.name == category) return r.name;
    }
    return {};
  }

  std::vector<config::DomainSignal> rules_;
  std::unique_ptr<mcp::CategoryClassifier> classifier_;
  std::string standing_in_;  // " (for the domain classifier at X, which did not load)"
  double threshold_ = kDefaultThreshold;
  std::string fallback_;
};

}  // namespace

std::unique_ptr<Signal> MakeMcpDomainSignal(const config::Config& c,
                                            const std::string& missing_model, std::string& error) {
  const config::McpClassifier& m = c.global.model_catalog.modules.classifier.mcp;
  mcp::ClientOptions options;
  options.transport = m.transport_type;
  options.command = m.command;
  options.args = m.args;
  options.env = m.env;
  options.url = m.url;
  // Routing waits at most its signal budget (5 s by default) for a model-backed family; a
  // verdict later than that is never read, so no call waits longer.
  options.timeout = std::min<std::chrono::milliseconds>(
      m.timeout_seconds > 0 ? std::chrono::seconds(m.timeout_seconds) : kDefaultTimeout,
      kLongestUsefulWait);
  std::string why;
  std::unique_ptr<mcp::Client> client = mcp::Client::Create(options, why);
  if (!client) {
    error = "MCP classifier (global.model_catalog.modules.classifier.mcp): " + why;
    return nullptr;
  }
  // The first request connects (building signals must not start processes: `serve` builds them
  // to list the models it downloads); one that fails says why in its signal error, and later
  // requests try again.
  return std::make_unique<McpDomainSignal>(
      c, std::make_unique<mcp::CategoryClassifier>(std::move(client), m.tool_name),
      missing_model.empty() ? ""
                            : " (standing in for the domain classifier at " + missing_model +
                                  ", which did not load)");
}

}  // namespace vsr::signals
