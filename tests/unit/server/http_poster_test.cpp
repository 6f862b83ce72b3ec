// HttpPoster: repeated POSTs over one kept-alive connection, a dead endpoint reported as a
// connect failure, and a switch of endpoint between posts.
#include "server/http_poster.h"

#include <gtest/gtest.h>

#include <atomic>

#include "server/data_plane.h"
#include "support/loopback_port.h"
#include "support/loopback_server.h"

namespace vsr::server {
namespace {

constexpr std::string_view kJson = "application/json";

TEST(HttpPoster, PostsRepeatedlyAndSurvivesADeadEndpoint) {
  std::atomic<int> received{0};
  testing::LoopbackServer collector(
      [&](const HttpRequest& r) {
        ++received;
        return HttpResponse{r.path == "/v1/traces" ? 200 : 404,
                            "application/json",
                            "{\"got\":" + std::to_string(r.body.size()) + ",\"type\":\"" +
                                r.headers.at("content-type") + "\"}",
                            {}};
      },
      &DataPlane::ErrorForStatus);
  HttpPoster poster;
  for (int i = 0; i < 5; ++i) {
    const HttpResult r =
        poster.Post(collector.Url("/v1/traces"), "{\"n\":1}", kJson, std::chrono::seconds(5));
    ASSERT_EQ(r.failure, HttpResult::Failure::kNone) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"got\":7,\"type\":\"application/json\"}");
  }
  const std::string dead =
      "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()) + "/v1/traces";
  const HttpResult failed = poster.Post(dead, "{}", kJson, std::chrono::seconds(2));
  EXPECT_EQ(failed.failure, HttpResult::Failure::kConnect);
  // A binary body goes out byte for byte, with its own Content-Type.
  const std::string binary("\x0a\x00\xff", 3);
  const HttpResult back = poster.Post(collector.Url("/v1/traces"), binary, "application/x-protobuf",
                                      std::chrono::seconds(5));
  EXPECT_EQ(back.status, 200) << back.error;
  EXPECT_EQ(back.body, "{\"got\":3,\"type\":\"application/x-protobuf\"}");
  EXPECT_EQ(poster.Post(collector.Url("/other"), "{}", kJson, std::chrono::seconds(5)).status, 404);
  EXPECT_EQ(received, 7);
  EXPECT_EQ(poster.Post("https://secure/v1/traces", "{}", kJson, std::chrono::seconds(1)).failure,
            HttpResult::Failure::kOther);
}

}  // namespace
}  // namespace vsr::server
