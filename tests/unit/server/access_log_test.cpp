// The access log: one JSON line per request with the fields `vllm-sr logs envoy` shows, every
// line written (soon after the request, and all of them at shutdown), none lost or torn when
// several threads log at once.
#include "server/access_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace vsr::server {
namespace {

namespace json = boost::json;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct AccessLogTest : ::testing::Test {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("vsr-access-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log"))
                         .string();
  void TearDown() override { std::filesystem::remove(path); }
};

TEST_F(AccessLogTest, ALineCarriesTheRequestsFieldsAsJson) {
  AccessRecord r;
  r.request_id = "req-1";
  r.method = "POST";
  r.path = "/v1/chat/completions";
  r.status = 200;
  r.requested_model = "MoM";
  r.selected_model = "coder";
  r.decision = "code";
  r.backend = "sim (127.0.0.1:8000)";
  r.streamed = true;
  r.duration_ms = 1.23456;
  r.routing_ms = 0.0424;
  r.error = "quote \" and\nnewline";
  const std::string line = AccessLine(r);
  ASSERT_TRUE(line.ends_with("}\n")) << line;
  const json::object o = json::parse(line).as_object();
  EXPECT_EQ(o.at("request_id"), "req-1");
  EXPECT_EQ(o.at("method"), "POST");
  EXPECT_EQ(o.at("path"), "/v1/chat/completions");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(o.at("duration_ms").to_number<double>(), 1.235);
  EXPECT_DOUBLE_EQ(o.at("routing_ms").to_number<double>(), 0.042);
  EXPECT_EQ(o.at("model"), "MoM");
  EXPECT_EQ(o.at("selected_model"), "coder");
  EXPECT_EQ(o.at("decision"), "code");
  EXPECT_EQ(o.at("backend"), "sim (127.0.0.1:8000)");
  EXPECT_EQ(o.at("streamed"), true);
  EXPECT_EQ(o.at("error"), "quote \" and\nnewline");
  EXPECT_EQ(o.at("time").as_string().size(), 24u);  // 2026-12-03T18:00:00.123Z
  EXPECT_TRUE(line.starts_with("{\"time\":\"")) << line;
  // UTC now, to the millisecond.
  const std::string time(o.at("time").as_string());
  std::tm tm{};
  ASSERT_NE(strptime(time.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << time;
  EXPECT_LE(std::abs(static_cast<double>(timegm(&tm) - std::time(nullptr))), 2.0) << time;
  EXPECT_EQ(time[19], '.');
  EXPECT_TRUE(std::isdigit(time[20]) && std::isdigit(time[21]) && std::isdigit(time[22])) << time;
  EXPECT_EQ(time[23], 'Z');
  // Fields that do not apply are left out.
  AccessRecord bare;
  bare.method = "GET";
  bare.path = "/health";
  bare.status = 200;
  const json::object b = json::parse(AccessLine(bare)).as_object();
  for (const char* absent :
       {"model", "selected_model", "decision", "backend", "routing_ms", "streamed", "error"}) {
    EXPECT_FALSE(b.contains(absent)) << absent;
  }
}

TEST_F(AccessLogTest, MillisecondsAreWrittenAsPlainDecimalsRoundedToMicroseconds) {
  const auto duration_text = [](double ms) {
    AccessRecord r;
    r.method = "POST";
    r.duration_ms = ms;
    const std::string line = AccessLine(r);
    EXPECT_NO_THROW(json::parse(line)) << line;
    const size_t at = line.find("\"duration_ms\":") + 14;
    return line.substr(at, line.find_first_of(",}", at) - at);
  };
  EXPECT_EQ(duration_text(0), "0");
  EXPECT_EQ(duration_text(0.0004), "0");
  EXPECT_EQ(duration_text(0.0006), "0.001");
  EXPECT_EQ(duration_text(0.042), "0.042");
  EXPECT_EQ(duration_text(3), "3");
  EXPECT_EQ(duration_text(12.5), "12.5");
  EXPECT_EQ(duration_text(250.1), "250.1");
  EXPECT_EQ(duration_text(100000), "100000");  // not 1e+05
  EXPECT_EQ(duration_text(-2.5), "-2.5");
  EXPECT_EQ(duration_text(std::nan("")), "null");
  // Across magnitudes: the value rounded to three decimals, no exponent, no trailing zeros.
  for (double ms = 0.0001; ms < 2e6; ms = ms * 1.37 + 0.0003) {
    const std::string text = duration_text(ms);
    const double rounded = static_cast<double>(static_cast<int64_t>(ms * 1000 + 0.5)) / 1000;
    EXPECT_DOUBLE_EQ(std::stod(text), rounded) << ms;
    EXPECT_EQ(text.find_first_of("eE"), std::string::npos) << text;
    if (text.find('.') != std::string::npos) {
      EXPECT_NE(text.back(), '0') << text;
    }
  }
}

TEST_F(AccessLogTest, LinesReachTheFileSoonAfterTheRequest) {
  AccessLog log(path);
  ASSERT_TRUE(log.ok());
  AccessRecord r;
  r.request_id = "soon";
  r.status = 200;
  log.Write(r);
  bool written = false;
  for (int i = 0; i < 100 && !written; ++i) {  // the flush interval is 100 ms: at most 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    written = Lines(path).size() == 1;
  }
  ASSERT_TRUE(written);
  EXPECT_NE(Lines(path)[0].find("\"request_id\":\"soon\""), std::string::npos);
}

TEST_F(AccessLogTest, EveryLineOfManyThreadsIsWrittenWholeByShutdown) {
  constexpr int kThreads = 4, kEach = 5000;  // 20,000 lines: several 64 KB flushes
  {
    AccessLog log(path);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kEach; ++i) {
          AccessRecord r;
          r.request_id = std::to_string(t) + "-" + std::to_string(i);
          r.status = 200;
          log.Write(r);
        }
      });
    }
    for (auto& th : threads) th.join();
  }  // shutdown writes what is left
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kEach));
  std::set<std::string> ids;
  for (const std::string& line : lines) {
    ids.insert(std::string(json::parse(line).at("request_id").as_string()));
  }
  EXPECT_EQ(ids.size(), lines.size());
}

}  // namespace
}  // namespace vsr::server
