// The router log through the real data plane: a failed request leaves a warn line with its
// request id, and prompt text stays out unless asked for.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <sstream>

#include "observability/logger.h"
#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::DeadPort;
using test::Ref;
using test::Sim;
using test::TwoModelConfig;

class LoggingTest : public DataPlaneTest {
 protected:
  void SetUp() override {
    observability::SetLogSink(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    observability::SetLogLevel(observability::LogLevel::kInfo);
    observability::SetLogJson(true);
    observability::SetLogPrompts(false);
  }
  void TearDown() override {
    Stop();
    // Back to the router's own sink: the next test in this process must not write into a
    // stream this test object owned.
    observability::SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    observability::SetLogPrompts(false);
  }
  // The first log line whose msg is `msg`, parsed (bounded wait: the line is written after
  // the answer went out).
  json::object LineWithMsg(const std::string& msg) {
    for (int i = 0; i < 100; ++i) {
      std::istringstream in(log_.str());
      for (std::string l; std::getline(in, l);) {
        if (l.find("\"msg\":\"" + msg + "\"") != std::string::npos)
          return json::parse(l).as_object();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "no log line '" << msg << "' in:\n" << log_.str();
    return {};
  }
  std::ostringstream log_;
};

TEST_F(LoggingTest, AFailedRequestIsAWarnLineWithItsRequestId) {
  const std::string dead = "127.0.0.1:" + std::to_string(DeadPort());
  Start(TwoModelConfig("[" + Ref("a", dead) + "]", "[" + Ref("c", dead) + "]"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "my card is 4111 1111 1111 1111"),
                            {{"x-request-id", "req-log-1"}});
  ASSERT_EQ(r.status, 502) << r.body;
  const json::object line = LineWithMsg("request failed");
  EXPECT_EQ(line.at("level"), "warn");
  EXPECT_EQ(line.at("request_id"), "req-log-1");
  EXPECT_EQ(line.at("status"), "502");
  EXPECT_EQ(line.at("prompt"), "[redacted: 30 chars]");
  EXPECT_EQ(log_.str().find("4111"), std::string::npos);  // the prompt never reaches the log
}

TEST_F(LoggingTest, DebugShowsEveryRequestAndPromptsWhenAskedFor) {
  // (Levels are set before any request: a request's line is written after its answer, so a
  // level change between requests would race with it. Level filtering is unit-tested.)
  observability::SetLogLevel(observability::LogLevel::kDebug);
  observability::SetLogPrompts(true);
  Sim a;
  Start(TwoModelConfig("[" + Ref("a", a.Endpoint()) + "]", "[" + Ref("c", a.Endpoint()) + "]"));
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "solve this integral"),
                            {{"x-request-id", "req-debug-1"}});
  ASSERT_EQ(r.status, 200);
  const json::object line = LineWithMsg("request");
  EXPECT_EQ(line.at("level"), "debug");
  EXPECT_EQ(line.at("request_id"), "req-debug-1");
  EXPECT_EQ(line.at("decision"), "math");
  EXPECT_EQ(line.at("prompt"), "solve this integral");
}

}  // namespace
}  // namespace vsr::server
