// Semantic tool selection through the real data plane: a tools database file embedded with a
// bag-of-words model (fake_models.h), a simulator as the model, and what the model received.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "support/data_plane_fixture.h"
#include "support/fake_models.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

json::object Tool(const std::string& name) {
  return json::object{
      {"type", "function"},
      {"function", json::object{{"name", name}, {"parameters", json::object{{"type", "object"}}}}}};
}

class ToolSelectionTest : public DataPlaneTest {
 protected:
  void SetUp() override {
    db_path_ = ::testing::TempDir() + "/tools-db-" + std::to_string(getpid()) + ".json";
    std::ofstream(db_path_) << CompactJson(json::array{
        json::object{{"tool", Tool("weather.get")},
                     {"description", "weather forecast in a city"},
                     {"category", "weather"}},
        json::object{{"tool", Tool("calendar.add")},
                     {"description", "add a meeting to the calendar"}},
        json::object{{"tool", Tool("admin.delete")},
                     {"description", "weather forecast in the admin city"}},
        json::object{{"tool", Tool("email.send")}, {"description", "send an email message"}}});
    plugins::PluginServices services;
    services.embed = [](const std::string& text) { return testing::WordEmbedder().Embed(text); };
    services.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    DataPlaneOptions options;
    options.plugins = std::make_shared<plugins::PluginRuntime>(std::move(services));
    Start(test::FastModelConfig(backend_.Endpoint()) + test::AllToFastWithPlugins() +
              "        - type: tools\n"
              "          configuration: {enabled: true, mode: filtered, block_tools: "
              "[admin.delete]}\n"
              "global:\n"
              "  integrations:\n"
              "    tools: {enabled: true, top_k: 2, similarity_threshold: 0.5, tools_db_path: '" +
              db_path_ + "'" + IntegrationExtra() + "}\n",
          options);
  }
  // More of global.integrations.tools (", key: value").
  virtual std::string IntegrationExtra() const { return ""; }
  // The router's log lines that mention `part`.
  std::vector<std::string> LogLinesWith(const std::string& part) {
    std::lock_guard lock(log_mu_);
    std::vector<std::string> out;
    for (const std::string& l : log_) {
      if (l.find(part) != std::string::npos) out.push_back(l);
    }
    return out;
  }
  std::mutex log_mu_;
  std::vector<std::string> log_;
  void TearDown() override { std::filesystem::remove(db_path_); }

  std::string Request(const std::string& text, const json::value& tool_choice) {
    json::object body{{"model", "MoM"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}},
                      {"tools", json::array{Tool("client.search")}}};
    if (!tool_choice.is_null()) body["tool_choice"] = tool_choice;
    return CompactJson(body);
  }
  std::vector<std::string> ForwardedTools() const {
    std::vector<std::string> names;
    const json::object body = ParseObject(backend_.sim->last_request().body);
    if (const json::value* tools = body.if_contains("tools")) {
      for (const json::value& t : tools->as_array()) {
        names.push_back(json::value_to<std::string>(t.at("function").at("name")));
      }
    }
    return names;
  }

  std::string db_path_;
  Sim backend_;
};

TEST_F(ToolSelectionTest, AutoChoiceGetsTheMostSimilarDatabaseToolsMinusBlockedOnes) {
  ASSERT_EQ(Post("/v1/chat/completions", Request("weather forecast in Paris", "auto")).status, 200);
  // admin.delete matches "weather forecast" too, but the decision blocks it.
  EXPECT_EQ(ForwardedTools(), (std::vector<std::string>{"weather.get"}));

  ASSERT_EQ(Post("/v1/chat/completions", Request("add a meeting to my calendar", "auto")).status,
            200);
  EXPECT_EQ(ForwardedTools(), (std::vector<std::string>{"calendar.add"}));
}

TEST_F(ToolSelectionTest, NothingSimilarMeansNoToolsAndAnExplicitChoiceIsLeftAlone) {
  ASSERT_EQ(Post("/v1/chat/completions", Request("tell me a joke", "auto")).status, 200);
  EXPECT_TRUE(ForwardedTools().empty());
  EXPECT_FALSE(ParseObject(backend_.sim->last_request().body).contains("tool_choice"));

  // The client chose ("required", or no choice at all): only the decision's filter applies.
  ASSERT_EQ(Post("/v1/chat/completions", Request("what is the weather", "required")).status, 200);
  EXPECT_EQ(ForwardedTools(), (std::vector<std::string>{"client.search"}));
  ASSERT_EQ(Post("/v1/chat/completions", Request("what is the weather", nullptr)).status, 200);
  EXPECT_EQ(ForwardedTools(), (std::vector<std::string>{"client.search"}));
}

// Advanced filtering: the global block list joins the decision's, and a tool must share words
// with the question.
class AdvancedToolSelectionTest : public ToolSelectionTest {
 protected:
  std::string IntegrationExtra() const override {
    return ", advanced_filtering: {enabled: true, min_lexical_overlap: 2, block_tools: "
           "[Calendar.Add], weights: {embed: 0.7, lexical: 0.3}}";
  }
};

TEST_F(AdvancedToolSelectionTest, GlobalAndDecisionListsMergeAndWordsMustOverlap) {
  ASSERT_EQ(Post("/v1/chat/completions", Request("weather forecast in Paris", "auto")).status, 200);
  EXPECT_EQ(ForwardedTools(), (std::vector<std::string>{"weather.get"}));
  // It runs, so the log does not say otherwise (it once claimed it was not available).
  EXPECT_EQ(LogLinesWith("not available"), std::vector<std::string>{});
  // calendar.add is the most similar, but blocked globally: nothing else is relevant.
  ASSERT_EQ(Post("/v1/chat/completions", Request("add a meeting to my calendar", "auto")).status,
            200);
  EXPECT_TRUE(ForwardedTools().empty());
  // Similar enough, but one shared word ("email") is under min_lexical_overlap.
  ASSERT_EQ(Post("/v1/chat/completions", Request("email", "auto")).status, 200);
  EXPECT_TRUE(ForwardedTools().empty());
}

}  // namespace
}  // namespace vsr::server
