// Plugin rewrites on single bodies, the SSE form of immediate answers, and the registry's chain
// order and notes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json_text.h"
#include "plugins/immediate_answer.h"
#include "plugins/registry.h"
#include "plugins/request_params.h"
#include "plugins/router_replay.h"
#include "plugins/system_prompt.h"
#include "plugins/tools.h"
#include "plugins/tools_database.h"
#include "replay/store.h"
#include "request/request.h"
#include "support/config_loader.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

const std::string& kOneModel = testing::kOneModelConfigHead;

json::object Parse(const std::string& text) {
  return json::parse(text).as_object();
}

TEST(SystemPrompt, ReplaceSwapsTheExistingSystemMessage) {
  json::object body =
      Parse(R"({"messages":[{"role":"system","content":"old"},{"role":"user","content":"q"}]})");
  ASSERT_TRUE(ApplySystemPrompt(body, false, "new", "replace"));
  EXPECT_EQ(body.at("messages").as_array().size(), 2u);
  EXPECT_EQ(body.at("messages").as_array()[0].at("content"), "new");
}

TEST(SystemPrompt, InsertKeepsTheClientsTextAfterTheRoutersOne) {
  json::object body = Parse(
      R"({"messages":[{"role":"system","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"user","content":"q"}]})");
  ASSERT_TRUE(ApplySystemPrompt(body, false, "P", "insert"));
  EXPECT_EQ(body.at("messages").as_array()[0].at("content"), "P\n\na\nb");
}

TEST(SystemPrompt, AddsASystemMessageWhenThereIsNone) {
  json::object body = Parse(R"({"messages":[{"role":"user","content":"q"}]})");
  ASSERT_TRUE(ApplySystemPrompt(body, false, "P", "insert"));
  const json::array& m = body.at("messages").as_array();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].at("role"), "system");
  EXPECT_EQ(m[0].at("content"), "P");
}

TEST(SystemPrompt, AnthropicBodiesUseTheSystemField) {
  json::object body = Parse(
      R"({"system":[{"type":"text","text":"client"}],"messages":[{"role":"user","content":"q"}]})");
  ASSERT_TRUE(ApplySystemPrompt(body, true, "P", "insert"));
  EXPECT_EQ(body.at("system"), "P\n\nclient");
  ASSERT_TRUE(ApplySystemPrompt(body, true, "R", "replace"));
  EXPECT_EQ(body.at("system"), "R");
  EXPECT_FALSE(ApplySystemPrompt(body, true, "", "replace"));  // nothing to inject
}

TEST(RequestParams, FractionalValuesCannotDodgeACap) {
  config::RequestParamsPluginConfig cfg;
  cfg.max_tokens_limit = 100;
  json::object body = Parse(R"({"max_tokens":1000000000.5,"messages":[]})");
  ApplyRequestParams(body, false, cfg);
  EXPECT_FALSE(body.contains("max_tokens"));
  body = Parse(R"({"max_tokens":50.0,"messages":[]})");
  ApplyRequestParams(body, false, cfg);
  EXPECT_EQ(body.at("max_tokens"), 50.0);  // under the cap: untouched
  body = Parse(R"({"max_tokens":"many","messages":[]})");
  ApplyRequestParams(body, false, cfg);
  EXPECT_EQ(body.at("max_tokens"), "many");  // not a number: the backend rejects it
}

TEST(RequestParams, StripUnknownKeepsEachApisOwnFields) {
  config::RequestParamsPluginConfig cfg;
  cfg.strip_unknown = true;
  json::object anthropic =
      Parse(R"({"model":"m","system":"s","top_k":3,"thinking":{},"n":2,"messages":[]})");
  const auto removed = ApplyRequestParams(anthropic, true, cfg);
  EXPECT_EQ(removed, std::vector<std::string>{"n"});
  EXPECT_TRUE(anthropic.contains("top_k"));
  json::object openai = Parse(R"({"model":"m","top_k":3,"seed":1,"messages":[]})");
  ApplyRequestParams(openai, false, cfg);
  EXPECT_FALSE(openai.contains("top_k"));
  EXPECT_TRUE(openai.contains("seed"));
}

TEST(Tools, ModesFilterByNameForEitherApi) {
  config::ToolsPluginConfig cfg;
  cfg.enabled = true;
  cfg.mode = "filtered";
  cfg.block_tools = {"rm"};
  json::object openai = Parse(
      R"({"tools":[{"type":"function","function":{"name":"ls"}},{"type":"function","function":{"name":"rm"}}],"messages":[]})");
  EXPECT_EQ(ApplyToolsPolicy(openai, false, cfg), std::vector<std::string>{"rm"});
  EXPECT_EQ(openai.at("tools").as_array().size(), 1u);  // empty allow list: all but blocked
  json::object anthropic =
      Parse(R"({"tools":[{"name":"ls"},{"name":"cat"}],"tool_choice":{"type":"any"}})");
  cfg.block_tools.clear();
  cfg.allow_tools = {"cat"};
  ApplyToolsPolicy(anthropic, true, cfg);
  EXPECT_EQ(anthropic.at("tools").as_array()[0].at("name"), "cat");
  cfg.mode = "none";
  ApplyToolsPolicy(anthropic, true, cfg);
  EXPECT_FALSE(anthropic.contains("tools"));
  EXPECT_FALSE(anthropic.contains("tool_choice"));
  cfg.mode = "passthrough";
  json::object untouched = Parse(R"({"tools":[{"name":"x"}]})");
  EXPECT_TRUE(ApplyToolsPolicy(untouched, true, cfg).empty());
  EXPECT_EQ(untouched.at("tools").as_array().size(), 1u);
}

TEST(ToolsDatabase, EntriesNeedANameAndADescriptionAndMatchBySimilarity) {
  const ToolsDatabase::EmbedFn embed = [](const std::string& text) {
    return std::vector<float>{text.find("weather") != std::string::npos ? 1.0f : 0.0f,
                              text.find("mail") != std::string::npos ? 1.0f : 0.0f};
  };
  std::string error;
  EXPECT_FALSE(ToolsDatabase::FromJson("{}", "db.json", embed, error));
  EXPECT_EQ(error, "db.json: expected a JSON list of {tool, description, category, tags} entries");
  EXPECT_FALSE(ToolsDatabase::FromJson(R"([{"tool":{"function":{}},"description":"x"}])", "db.json",
                                       embed, error));
  EXPECT_EQ(error, "db.json: entry 0: 'tool.function.name' is missing");
  EXPECT_FALSE(
      ToolsDatabase::FromJson(R"([{"tool":{"function":{"name":"w"}}}])", "db.json", embed, error));
  EXPECT_EQ(error, "db.json: entry 0 (w): 'description' is missing; it is what questions match");
  EXPECT_FALSE(ToolsDatabase::Load("/nowhere/tools.json", embed, error));
  EXPECT_EQ(error, "/nowhere/tools.json: cannot open");

  const auto db = ToolsDatabase::FromJson(
      R"([{"tool":{"type":"function","function":{"name":"mail"}},"description":"send mail"},)"
      R"({"tool":{"type":"function","function":{"name":"wx"}},"description":"weather now",)"
      R"("category":"weather","tags":["forecast"]}])",
      "db.json", embed, error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(db->size(), 2u);
  const auto matches = db->FindSimilar({0.8f, 0.6f}, 0.5);
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].entry->name, "wx");
  EXPECT_EQ(matches[0].entry->tags, std::vector<std::string>{"forecast"});
  EXPECT_DOUBLE_EQ(matches[1].similarity, 0.6000000238418579);
  EXPECT_EQ(db->FindSimilar({0.8f, 0.6f}, 0.7).size(), 1u);
}

TEST(ImmediateAnswer, SseChunksJoinToTheMessageAndCarryToolCallsAndUsage) {
  json::object c = TextCompletion("id-1", 7, "m", "one  two three");
  c["choices"].as_array()[0].as_object()["message"].as_object()["tool_calls"] =
      json::array{json::object{{"id", "t"}}};
  const std::string sse = CompletionAsSse(c);
  std::string text;
  size_t pos = 0, chunks = 0;
  while ((pos = sse.find(R"("content":")", pos)) != std::string::npos) {
    pos += 11;
    text += sse.substr(pos, sse.find('"', pos) - pos);
    ++chunks;
  }
  EXPECT_EQ(text, "one  two three");
  EXPECT_EQ(chunks, 3u);
  EXPECT_EQ(sse.find(R"("tool_calls")"), sse.rfind(R"("tool_calls")"));  // first chunk only
  EXPECT_NE(sse.find(R"("usage")"), std::string::npos);
  EXPECT_TRUE(sse.ends_with("data: [DONE]\n\n"));
}

TEST(Registry, ChainsRunInPhaseOrderAndNameWhatTheyCannotRun) {
  const std::string yaml =
      kOneModel +
      "    - name: d\n"
      "      rules: {operator: AND, conditions: []}\n"
      "      modelRefs: [{model: m}]\n"
      "      plugins:\n"
      "        - {type: header_mutation, configuration: {add: [{name: a, value: b}]}}\n"
      "        - {type: system_prompt, configuration: {system_prompt: hi}}\n"
      "        - {type: fast_response, configuration: {message: no}}\n"
      "        - {type: image_gen, configuration: {enabled: true, backend: vllm_omni, "
      "backend_config: {base_url: 'http://127.0.0.1:1'}}}\n"
      "        - {type: rag, configuration: {enabled: true, backend: mcp, backend_config: "
      "{server_name: s, tool_name: t}}}\n"
      // Switched off: not in the chain, and nothing to say about them.
      "        - {type: semantic-cache, configuration: {enabled: false}}\n"
      "        - {type: memory, configuration: {enabled: false}}\n"
      "global: {services: {router_replay: {enabled: false}}}\n";
  std::vector<std::string> errors;
  std::shared_ptr<const routing::Router> router =
      routing::Router::Create(testing::ConfigFromText(yaml), errors);
  ASSERT_TRUE(router) << (errors.empty() ? "" : errors.front());
  std::vector<std::string> logged;
  PluginServices services;
  services.log = [&](const std::string& l) { logged.push_back(l); };
  PluginRuntime runtime(std::move(services));
  auto chains = runtime.ChainsFor(router);
  const PluginChain& chain = chains->For(&router->config().routing.decisions.front());
  EXPECT_EQ(chain.types(), (std::vector<std::string_view>{"fast_response", "image_gen",
                                                          "system_prompt", "header_mutation"}));
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("decision 'd': rag: MCP server 's' cannot be reached by name"),
            std::string::npos)
      << logged[0];
  EXPECT_EQ(runtime.ChainsFor(router), chains);  // built once per config
  EXPECT_EQ(logged.size(), 1u);
  EXPECT_TRUE(chains->For(nullptr).empty());
}

std::shared_ptr<const routing::Router> ReplayRouter(const std::string& global_enabled) {
  const std::string yaml =
      kOneModel +
      "    - {name: plain, rules: {operator: AND, conditions: []}, modelRefs: [{model: m}]}\n"
      "    - name: disabled\n"
      "      rules: {operator: AND, conditions: []}\n"
      "      modelRefs: [{model: m}]\n"
      "      plugins: [{type: router_replay, configuration: {enabled: false}}]\n"
      "    - name: tuned\n"
      "      rules: {operator: AND, conditions: []}\n"
      "      modelRefs: [{model: m}]\n"
      "      plugins: [{type: router_replay, configuration: {max_body_bytes: 10}}]\n"
      "global: {services: {router_replay: {enabled: " +
      global_enabled + ", store_backend: memory}}}\n";
  std::vector<std::string> errors;
  std::shared_ptr<const routing::Router> router =
      routing::Router::Create(testing::ConfigFromText(yaml), errors);
  EXPECT_TRUE(router) << (errors.empty() ? "" : errors.front());
  return router;
}

// max_tool_trace_bytes bounds a record's prompt and tool definitions, each flagged when cut
// (upstream's); 0, the default, keeps them whole.
TEST(RouterReplayRecord, MaxToolTraceBytesBoundsThePromptAndToolDefinitions) {
  const request::Request question = request::FromText("caf\xC3\xA9 au lait, please");
  json::object body{{"tools", json::array{json::object{{"type", "function"}}}}};
  for (const int limit : {0, 4}) {
    auto store = std::make_shared<replay::ReplayStore>(0, nullptr);
    config::RouterReplayPluginConfig cfg;
    cfg.max_tool_trace_bytes = limit;
    RouterReplayPlugin plugin(cfg, store);
    RequestContext ctx;
    ctx.request = &question;
    ctx.readable_body = &body;
    plugin.OnForward(ctx);
    const std::optional<replay::ReplayRecord> r = store->Get(ctx.replay_id);
    ASSERT_TRUE(r.has_value());
    if (limit == 0) {
      EXPECT_EQ(r->prompt, "caf\xC3\xA9 au lait, please");
      EXPECT_EQ(r->tool_definitions, R"([{"type":"function"}])");
      EXPECT_FALSE(r->prompt_truncated || r->tool_definitions_truncated);
    } else {
      EXPECT_EQ(r->prompt, "caf");  // not through the middle of the é
      EXPECT_EQ(r->tool_definitions, R"([{"t)");
      EXPECT_TRUE(r->prompt_truncated && r->tool_definitions_truncated);
    }
  }
}

TEST(RouterReplayConfig, GlobalSwitchIsTheDefaultAndDecisionsOverrideIt) {
  auto on = ReplayRouter("true");
  const auto& d = on->config().routing.decisions;
  EXPECT_TRUE(EffectiveReplayConfig(on->config(), d[0]).has_value());
  EXPECT_FALSE(EffectiveReplayConfig(on->config(), d[1]).has_value());
  ASSERT_TRUE(EffectiveReplayConfig(on->config(), d[2]).has_value());
  EXPECT_EQ(EffectiveReplayConfig(on->config(), d[2])->max_body_bytes, 10);

  // Globally off: a decision plugin that does not set `enabled` itself follows the global
  // switch (upstream layers the plugin's fields over the global value).
  auto off = ReplayRouter("false");
  const auto& o = off->config().routing.decisions;
  EXPECT_FALSE(EffectiveReplayConfig(off->config(), o[0]).has_value());
  EXPECT_FALSE(EffectiveReplayConfig(off->config(), o[2]).has_value());

  PluginRuntime runtime{PluginServices{}};
  auto chains = runtime.ChainsFor(on);
  EXPECT_TRUE(chains->records_replays());
  EXPECT_EQ(chains->For(&d[0]).types(), std::vector<std::string_view>{"router_replay"});
  EXPECT_TRUE(chains->For(&d[1]).empty());
  ASSERT_TRUE(runtime.replay_store());
  EXPECT_EQ(runtime.replay_store()->backend(), "memory");
}

}  // namespace
}  // namespace vsr::plugins
