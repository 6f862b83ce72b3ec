// Reasoning mode written into the forwarded body per the model's reasoning family.
#include "routing/reasoning.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/config_loader.h"

namespace vsr::routing {
namespace {

namespace json = boost::json;

std::shared_ptr<const config::Config> Config() {
  return testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults:
    default_model: qwen
    default_reasoning_effort: high
    reasoning_families:
      qwen3: {type: chat_template_kwargs, parameter: enable_thinking}
      gpt: {type: reasoning_effort, parameter: reasoning_effort}
  models:
    - {name: qwen, provider_model_id: Qwen/Qwen3-8B, reasoning_family: qwen3, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: gpt, reasoning_family: gpt, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
    - {name: plain, backend_refs: [{name: b, endpoint: "127.0.0.1:3"}]}
routing:
  modelCards: [{name: qwen}, {name: gpt}, {name: plain}]
  decisions:
    - name: think
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: gpt, use_reasoning: true, reasoning_effort: low}]
)");
}

TEST(ReasoningTest, ChatTemplateKwargsFamilyTogglesItsParameter) {
  auto c = Config();
  json::object body =
      json::parse(R"({"model": "Qwen/Qwen3-8B", "chat_template_kwargs": {"keep": 1}})").as_object();
  EXPECT_TRUE(ApplyReasoningMode(body, "Qwen/Qwen3-8B", true, "any", *c).applied);
  EXPECT_EQ(json::serialize(body.at("chat_template_kwargs")),
            R"({"keep":1,"enable_thinking":true})");
  EXPECT_FALSE(ApplyReasoningMode(body, "qwen", false, "any", *c).applied);
  EXPECT_EQ(body.at("chat_template_kwargs").at("enable_thinking"), false);
}

TEST(ReasoningTest, EffortFamilyUsesModelRefThenDefaultThenClient) {
  auto c = Config();
  json::object body = json::parse(R"({"model": "gpt", "reasoning_effort": "medium"})").as_object();
  const ReasoningApplied on = ApplyReasoningMode(body, "gpt", true, "think", *c);
  EXPECT_EQ(on.effort, "low");  // the decision's modelRef says low
  EXPECT_FALSE(body.contains("reasoning_effort"));
  EXPECT_EQ(body.at("chat_template_kwargs").at("reasoning_effort"), "low");
  json::object other = json::parse(R"({"model": "gpt"})").as_object();
  EXPECT_EQ(ApplyReasoningMode(other, "gpt", true, "unknown_decision", *c).effort,
            "high");  // default
  json::object off = json::parse(R"({"model": "gpt", "reasoning_effort": "medium"})").as_object();
  EXPECT_EQ(ApplyReasoningMode(off, "gpt", false, "think", *c).effort,
            "medium");  // the client's own
}

TEST(ReasoningTest, ModelsWithoutAFamilyAreLeftAlone) {
  auto c = Config();
  json::object body = json::parse(R"({"model": "plain", "reasoning_effort": "high"})").as_object();
  EXPECT_FALSE(ApplyReasoningMode(body, "plain", true, "think", *c).applied);
  EXPECT_FALSE(body.contains("chat_template_kwargs"));
}

// The data plane forwards the client's own bytes only when nothing changed the body.
TEST(ReasoningTest, SaysWhetherItChangedTheBody) {
  auto c = Config();
  json::object untouched = json::parse(R"({"model": "plain"})").as_object();
  EXPECT_FALSE(ApplyReasoningMode(untouched, "plain", true, "think", *c).body_changed);
  json::object effort =
      json::parse(R"({"model": "plain", "reasoning_effort": "high"})").as_object();
  EXPECT_TRUE(ApplyReasoningMode(effort, "plain", false, "think", *c).body_changed);
  json::object family = json::parse(R"({"model": "qwen"})").as_object();
  EXPECT_TRUE(ApplyReasoningMode(family, "qwen", false, "any", *c).body_changed);
}

}  // namespace
}  // namespace vsr::routing
