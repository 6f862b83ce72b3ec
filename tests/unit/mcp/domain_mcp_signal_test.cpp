// The domain family through an MCP classifier (classifier.mcp) when no in-tree domain model
// loads: categories map to domain rules as upstream maps them, a verdict below the threshold
// stands for the fallback category, and decisions route on the result.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ml/model_store.h"
#include "request/request.h"
#include "routing/router.h"
#include "signals/registry.h"
#include "support/config_loader.h"

namespace vsr::signals {
namespace {

std::string Config(const std::string& mcp, const std::string& domain_extra = "") {
  return std::string(testing::kOneModelConfigHead) +
         "    - {name: math_route, priority: 30, rules: {operator: AND, conditions: [{type: "
         "domain, name: math}]}, modelRefs: [{model: m}]}\n"
         "    - {name: science_route, priority: 20, rules: {operator: AND, conditions: [{type: "
         "domain, name: science}]}, modelRefs: [{model: m}]}\n"
         "    - {name: general_route, priority: 10, rules: {operator: AND, conditions: [{type: "
         "domain, name: general}]}, modelRefs: [{model: m}]}\n"
         "  signals:\n"
         "    domains:\n"
         "      - {name: math, description: maths, mmlu_categories: [math]}\n"
         "      - {name: science, description: sciences, mmlu_categories: [biology, physics]}\n"
         "      - {name: technology, description: computing}\n"
         "      - {name: general, description: the rest, mmlu_categories: [other]}\n"
         "global:\n"
         "  model_catalog:\n"
         "    modules:\n"
         "      classifier:\n"
         "        domain: {model_id: /nonexistent/domain-model" +
         domain_extra +
         "}\n"
         "        mcp: " +
         mcp + "\n";
}

std::string StdioMcp(const std::string& extra = "") {
  return "{enabled: true, transport_type: stdio, command: '" FAKE_MCP_SERVER
         "', timeout_seconds: 5" +
         extra + "}";
}

SignalOutput Classify(const config::Config& c, const std::string& text) {
  ml::ModelStore models;
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(c, errors, &models);
  EXPECT_TRUE(errors.empty());
  const Signal* s = set.Get(Family::kDomain);
  SignalOutput out;
  EXPECT_NE(s, nullptr);
  if (s == nullptr) return out;
  EXPECT_EQ(s->NotReadyReason(), "");
  s->Evaluate(request::FromText(text), out);
  return out;
}

TEST(McpDomainSignalTest, CategoriesMatchTheRulesThatListThem) {
  auto c = testing::ConfigFromText(Config(StdioMcp()));
  SignalOutput out = Classify(*c, "Find the integral of sin x");
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(out.matched, std::vector<std::string>{"math"});
  EXPECT_DOUBLE_EQ(out.confidences["domain:math"], 0.9);
  out = Classify(*c, "How does a cell copy its DNA?");
  EXPECT_EQ(out.matched, std::vector<std::string>{"science"});  // biology is listed by science
}

TEST(McpDomainSignalTest, ACategoryNamedLikeARuleMatchesIt) {
  // The server says "technology", which no rule lists but a rule is named.
  auto c = testing::ConfigFromText(
      Config("{enabled: true, command: '" FAKE_MCP_SERVER
             "', env: {FAKE_MCP_CATEGORIES: 'math,science,technology,other'}}"));
  EXPECT_EQ(Classify(*c, "Explain TCP slow start").matched, std::vector<std::string>{"technology"});
}

TEST(McpDomainSignalTest, BelowTheThresholdTheFallbackCategoryStands) {
  // The fake is 0.3 sure of "other" for unknown text and 0.9 of the rest.
  auto c =
      testing::ConfigFromText(Config(StdioMcp(", threshold: 0.95"), ", fallback_category: math"));
  SignalOutput out = Classify(*c, "Find the integral of sin x");  // 0.9 < 0.95: the fallback
  EXPECT_EQ(out.matched, std::vector<std::string>{"math"});
  EXPECT_DOUBLE_EQ(out.confidence, 0.9);
  c = testing::ConfigFromText(Config(StdioMcp()));
  out = Classify(*c, "Tell me something nice");  // 0.3 < 0.5: "other" -> general
  EXPECT_EQ(out.matched, std::vector<std::string>{"general"});
}

// An unreachable server is each request's signal error, not a crash; /ready (NotReadyReason,
// read live) says so once an attempt failed, and not before (routing reads it at build time).
TEST(McpDomainSignalTest, AnUnreachableServerIsASignalErrorAndNotReady) {
  auto c = testing::ConfigFromText(
      Config("{enabled: true, transport_type: http, url: 'http://127.0.0.1:1/mcp', "
             "timeout_seconds: 2}"));
  ml::ModelStore models;
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(*c, errors, &models);
  const Signal* s = set.Get(Family::kDomain);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->NotReadyReason(), "");
  SignalOutput out;
  s->Evaluate(request::FromText("Find the integral of sin x"), out);
  EXPECT_TRUE(out.matched.empty());
  // Both say which in-tree model the server stands in for, so a user sees that one is missing.
  EXPECT_EQ(out.error.rfind("MCP classifier (standing in for the domain classifier at "
                            "/nonexistent/domain-model, which did not load): MCP initialize failed",
                            0),
            0u)
      << out.error;
  EXPECT_EQ(s->NotReadyReason().rfind("MCP classifier unavailable (standing in for the domain "
                                      "classifier at /nonexistent/domain-model, which did not "
                                      "load): MCP initialize failed",
                                      0),
            0u)
      << s->NotReadyReason();
}

TEST(McpDomainSignalTest, AnInTreeModelThatLoadsComesFirst) {
  const std::string starts = ::testing::TempDir() + "/mcp-starts-" + std::to_string(getpid());
  std::filesystem::remove(starts);
  std::string yaml = Config(StdioMcp(", args: [--starts, '" + starts + "']"));
  const std::string model = std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert-seqcls";
  yaml.replace(yaml.find("/nonexistent/domain-model"), 25, model);
  auto c = testing::ConfigFromText(yaml);
  const SignalOutput out = Classify(*c, "Find the integral of sin x");
  EXPECT_EQ(out.error, "");
  EXPECT_FALSE(std::filesystem::exists(starts));  // the MCP server never started
}

TEST(McpDomainSignalTest, WithMcpOffAMissingModelIsReportedAsBefore) {
  auto c = testing::ConfigFromText(Config("{enabled: false, command: '" FAKE_MCP_SERVER "'}"));
  ml::ModelStore models;
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(*c, errors, &models);
  EXPECT_NE(set.Get(Family::kDomain)->NotReadyReason().find("/nonexistent/domain-model"),
            std::string::npos);
}

TEST(McpDomainSignalTest, DecisionsRouteOnTheServersCategories) {
  auto c = testing::ConfigFromText(Config(StdioMcp()));
  ml::ModelStore models;
  std::vector<std::string> errors;
  auto router = routing::Router::Create(c, errors, &models);
  ASSERT_TRUE(errors.empty());
  const auto decision = [&](const std::string& text) {
    const routing::RoutingResult r = router->Route(request::FromText(text));
    return r.decision ? r.decision->name : std::string("none");
  };
  EXPECT_EQ(decision("What is the derivative of x^3?"), "math_route");
  EXPECT_EQ(decision("Which protein folds first?"), "science_route");
  EXPECT_EQ(decision("Good morning!"), "general_route");
}

}  // namespace
}  // namespace vsr::signals
