// Expensive (model-backed) signals run concurrently under a time budget; one that fails or
// times out is reported and its conditions do not match.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "routing/router.h"
#include "support/config_loader.h"

namespace vsr::routing {
namespace {

using namespace std::chrono_literals;
using signals::Family;

// A stand-in for a model-backed family: sleeps, then matches `name` (or throws).
class FakeModelSignal final : public signals::Signal {
 public:
  FakeModelSignal(Family family, std::string name, std::chrono::milliseconds delay,
                  bool fail = false)
      : family_(family), name_(std::move(name)), delay_(delay), fail_(fail) {}
  Family family() const override { return family_; }
  std::vector<std::string> RuleNames() const override { return {name_}; }
  bool IsExpensive() const override { return true; }
  void Evaluate(const request::Request&, signals::SignalOutput& out) const override {
    std::this_thread::sleep_for(delay_);
    if (fail_) throw std::runtime_error("inference backend crashed");
    out.matched.push_back(name_);
    out.confidences[std::string(signals::NamesOf(family_).leaf_type) + ":" + name_] = 0.9;
  }

 private:
  Family family_;
  std::string name_;
  std::chrono::milliseconds delay_;
  bool fail_;
};

std::shared_ptr<const config::Config> TwoModelConfig() {
  return testing::ConfigFromRouting(R"(
routing:
  signals:
    domains: [{name: math, mmlu_categories: [math]}]
    jailbreak: [{name: jb, threshold: 0.5}]
  decisions:
    - {name: math_route, priority: 10, rules: {operator: AND, conditions: [{type: domain, name: math}]}, modelRefs: [{model: m, use_reasoning: false}]}
    - {name: jb_route, priority: 20, rules: {operator: AND, conditions: [{type: jailbreak, name: jb}]}, modelRefs: [{model: m, use_reasoning: false}]}
    - {name: fallback, priority: 1, rules: {operator: AND, conditions: []}, modelRefs: [{model: m, use_reasoning: false}]}
)");
}

std::unique_ptr<Router> MakeRouter(std::shared_ptr<const signals::Signal> domain,
                                   std::shared_ptr<const signals::Signal> jailbreak,
                                   std::chrono::milliseconds budget) {
  auto config = TwoModelConfig();
  std::vector<std::string> errors;
  signals::SignalSet set = signals::SignalSet::Build(*config, errors);
  set.Replace(std::move(domain));
  set.Replace(std::move(jailbreak));
  RouterOptions options;
  options.signal_budget = budget;
  options.signal_threads = 2;
  return Router::Create(config, std::move(set), options);
}

TEST(SignalBudgetTest, ExpensiveSignalsRunConcurrently) {
  auto router =
      MakeRouter(std::make_shared<FakeModelSignal>(Family::kDomain, "math", 150ms),
                 std::make_shared<FakeModelSignal>(Family::kJailbreak, "jb", 150ms), 2000ms);
  const auto start = std::chrono::steady_clock::now();
  const RoutingResult r = router->Route(request::FromText("2+2"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 290ms);  // two 150 ms signals side by side, not one after the other
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "jb_route");
  EXPECT_DOUBLE_EQ(r.decision_confidence, 0.9);
}

// Upstream's category (x-vsr-selected-category, replay's `category`) is the winning decision's
// matched domain condition; a decision without one has none.
TEST(SignalBudgetTest, TheCategoryIsTheWinningDecisionsMatchedDomain) {
  auto router = MakeRouter(std::make_shared<FakeModelSignal>(Family::kDomain, "math", 1ms),
                           std::make_shared<FakeModelSignal>(Family::kJailbreak, "jb", 1ms,
                                                             /*fail=*/true),
                           2000ms);
  RoutingResult r = router->Route(request::FromText("2+2"));
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "math_route");
  EXPECT_EQ(r.category, "math");
  router = MakeRouter(std::make_shared<FakeModelSignal>(Family::kDomain, "math", 1ms),
                      std::make_shared<FakeModelSignal>(Family::kJailbreak, "jb", 1ms), 2000ms);
  r = router->Route(request::FromText("2+2"));
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "jb_route");
  EXPECT_EQ(r.category, "");  // the domain matched, but not as this decision's condition
}

TEST(SignalBudgetTest, ASignalPastItsBudgetIsReportedAndDoesNotMatch) {
  auto router =
      MakeRouter(std::make_shared<FakeModelSignal>(Family::kDomain, "math", 10ms),
                 std::make_shared<FakeModelSignal>(Family::kJailbreak, "jb", 1200ms), 100ms);
  const auto start = std::chrono::steady_clock::now();
  const RoutingResult r = router->Route(request::FromText("2+2"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);  // did not wait for the slow one
  EXPECT_EQ(r.signals.Of(Family::kJailbreak).output.error, "timed out after 100 ms");
  EXPECT_TRUE(r.signals.Of(Family::kJailbreak).output.matched.empty());
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "math_route");  // the timed-out jailbreak route cannot win
}

TEST(SignalBudgetTest, AFailingSignalIsReportedAndDoesNotMatch) {
  auto router = MakeRouter(
      std::make_shared<FakeModelSignal>(Family::kDomain, "math", 1ms, /*fail=*/true),
      std::make_shared<FakeModelSignal>(Family::kJailbreak, "jb", 1ms, /*fail=*/true), 500ms);
  const RoutingResult r = router->Route(request::FromText("2+2"));
  EXPECT_EQ(r.signals.Of(Family::kDomain).output.error, "signal failed: inference backend crashed");
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "fallback");
}

}  // namespace
}  // namespace vsr::routing
