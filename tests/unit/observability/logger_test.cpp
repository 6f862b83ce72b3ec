// The router log: JSON lines with upstream's keys, levels from SR_LOG_LEVEL, console encoding,
// and redaction of secrets, bearer tokens and prompt text.
#include "observability/logger.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <sstream>

namespace vsr::observability {
namespace {

namespace json = boost::json;

class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    SetLogLevel(LogLevel::kInfo);
    SetLogJson(true);
    SetLogPrompts(false);
  }
  void TearDown() override {
    SetLogSink(std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_after_));
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
  std::ostringstream out_, sink_after_;
};

TEST_F(LoggerTest, WritesOneJsonObjectPerLineWithUpstreamsKeys) {
  Log(LogLevel::kWarn, "backend failed: \"sim\"\nretrying", {{"request_id", "abc123"}});
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  const json::object o = json::parse(lines[0]).as_object();
  EXPECT_EQ(o.at("level"), "warn");
  EXPECT_EQ(o.at("msg"), "backend failed: \"sim\"\nretrying");
  EXPECT_EQ(o.at("request_id"), "abc123");
  const std::string ts = json::value_to<std::string>(o.at("ts"));
  EXPECT_EQ(ts.size(), 23u) << ts;  // 2026-12-02T00:40:01.123
  EXPECT_EQ(ts[10], 'T');
  EXPECT_TRUE(json::value_to<std::string>(o.at("caller")).starts_with("logger_test.cpp:"));
}

TEST_F(LoggerTest, LevelsFilterAndUpstreamsNamesAreAccepted) {
  Log(LogLevel::kDebug, "hidden");
  SetLogLevel(LogLevel::kError);
  Log(LogLevel::kWarn, "hidden too");
  Log(LogLevel::kError, "shown");
  ASSERT_EQ(Lines().size(), 1u);
  LogLevel l;
  EXPECT_TRUE(ParseLogLevel("WARNING", l));
  EXPECT_EQ(l, LogLevel::kWarn);
  EXPECT_TRUE(ParseLogLevel("fatal", l));
  EXPECT_EQ(l, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud", l));
  setenv("SR_LOG_LEVEL", "debug", 1);
  setenv("SR_LOG_ENCODING", "console", 1);
  ConfigureLogFromEnv();
  unsetenv("SR_LOG_LEVEL");
  unsetenv("SR_LOG_ENCODING");
  Log(LogLevel::kDebug, "now shown", {{"decision", "math"}});
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("\tDEBUG\t"), std::string::npos) << lines[1];
  EXPECT_TRUE(lines[1].ends_with("\tnow shown\tdecision=math")) << lines[1];
}

TEST_F(LoggerTest, SecretsBearerTokensAndPromptsAreRedacted) {
  AddLogSecret("sk-live-0123456789");
  AddLogSecret("abc");  // too short to mask safely: ignored
  Log(LogLevel::kError, "upstream said: invalid key sk-live-0123456789",
      {{"authorization", "Bearer eyJhbGciOi.payload.sig"},
       {"prompt", PromptForLog("my SSN is 123")}});
  const std::string line = Lines().at(0);
  EXPECT_EQ(line.find("sk-live-0123456789"), std::string::npos) << line;
  EXPECT_EQ(line.find("eyJhbGciOi"), std::string::npos) << line;
  EXPECT_EQ(line.find("123\""), std::string::npos) << line;
  const json::object o = json::parse(line).as_object();
  EXPECT_EQ(o.at("msg"), "upstream said: invalid key ***");
  EXPECT_EQ(o.at("authorization"), "Bearer ***");
  EXPECT_EQ(o.at("prompt"), "[redacted: 13 chars]");
  SetLogPrompts(true);
  EXPECT_EQ(PromptForLog("my SSN is 123"), "my SSN is 123");
}

}  // namespace
}  // namespace vsr::observability
