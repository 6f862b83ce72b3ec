#include "redis/client.h"

#include <gtest/gtest.h>

#include "support/redis_server.h"

namespace vsr::redis {
namespace {

TEST(RedisAddressTest, ParsesHostPortAndUrls) {
  Endpoint e;
  std::string error;
  ASSERT_TRUE(ParseAddress("cache.internal:6380", e, error)) << error;
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);

  Endpoint plain;
  ASSERT_TRUE(ParseAddress("redis", plain, error));
  EXPECT_EQ(plain.port, 6379);

  Endpoint url;
  ASSERT_TRUE(ParseAddress("redis://:s3cret@10.0.0.5:6390/2", url, error)) << error;
  EXPECT_EQ(url.host, "10.0.0.5");
  EXPECT_EQ(url.port, 6390);
  EXPECT_EQ(url.database, 2);
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_FALSE(url.tls.enabled);

  Endpoint tls;
  ASSERT_TRUE(ParseAddress("rediss://cache.example:6380/1", tls, error)) << error;
  EXPECT_TRUE(tls.tls.enabled);
  EXPECT_EQ(tls.host, "cache.example");
  EXPECT_EQ(tls.database, 1);
}

TEST(RedisAddressTest, RejectsBadAddressesWithTheReason) {
  Endpoint e;
  std::string error;
  EXPECT_FALSE(ParseAddress("host:notaport", e, error));
  EXPECT_NE(error.find("'notaport' is not a port number"), std::string::npos) << error;
  EXPECT_FALSE(ParseAddress("http://host:6379", e, error));
  EXPECT_NE(error.find("only host:port, redis:// or rediss://"), std::string::npos) << error;
  EXPECT_FALSE(ParseAddress(":6379", e, error));
  EXPECT_FALSE(ParseAddress("redis://h/x", e, error));
}

TEST(RedisClientTest, RunsCommandsWithBinaryValues) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  std::string error;
  auto client = Client::Connect(server.endpoint(), error);
  ASSERT_NE(client, nullptr) << error;
  const std::string binary("a\0b\xff", 4);
  auto set = client->Command({"SET", "k", binary}, error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->type, Reply::Type::kStatus);
  auto got = client->Command({"GET", "k"}, error);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->str, binary);
  auto missing = client->Command({"GET", "nope"}, error);
  EXPECT_EQ(missing->type, Reply::Type::kNil);
  auto bad = client->Command({"NOSUCHCOMMAND"}, error);
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->is_error());
  auto list = client->Command({"RPUSH", "l", "x", "y"}, error);
  EXPECT_EQ(list->integer, 2);
  auto range = client->Command({"LRANGE", "l", "0", "-1"}, error);
  ASSERT_EQ(range->elements.size(), 2u);
  EXPECT_EQ(range->elements[1].str, "y");
}

TEST(RedisClientTest, ReportsAnUnreachableServerAndReconnectsAfterARestart) {
  std::string error;
  Endpoint nowhere;
  nowhere.port = 1;  // nothing listens on port 1
  nowhere.timeout_ms = 200;
  EXPECT_EQ(Client::Connect(nowhere, error), nullptr);
  EXPECT_NE(error.find("cannot connect to redis at 127.0.0.1:1"), std::string::npos) << error;

  auto server = std::make_unique<testing::RedisServer>();
  VSR_REQUIRE_REDIS(*server);
  Endpoint at = server->endpoint();
  auto client = Client::Connect(at, error);
  ASSERT_NE(client, nullptr) << error;
  server->Kill();
  EXPECT_FALSE(client->Command({"PING"}, error));
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
  // The server comes back on its port: the next command reconnects by itself.
  testing::RedisServer restarted(at.port);
  VSR_REQUIRE_REDIS(restarted);
  auto pong = client->Command({"PING"}, error);
  ASSERT_TRUE(pong) << error;
  EXPECT_EQ(pong->str, "PONG");
}

TEST(RedisClientTest, WrongPasswordIsAnError) {
  testing::RedisServer server;
  VSR_REQUIRE_REDIS(server);
  Endpoint e = server.endpoint();
  e.password = "wrong";
  std::string error;
  EXPECT_EQ(Client::Connect(e, error), nullptr);
  EXPECT_NE(error.find("AUTH failed"), std::string::npos) << error;
}

// TLS to a real redis-server speaking only TLS: the server's certificate is checked against
// the CA given (or not at all with skip_verify); a client that does not trust it is refused
// with the reason, and a plain client gets no answer.
TEST(RedisClientTest, SpeaksTlsAndChecksTheServersCertificate) {
  vsr::testing::RedisServer server(0, /*tls=*/true);
  VSR_REQUIRE_REDIS(server);
  std::string error;
  auto client = Client::Connect(server.endpoint(), error);
  ASSERT_TRUE(client) << error;
  EXPECT_NE(client->name().find("(TLS)"), std::string::npos);
  std::string big(100000, 'x');
  ASSERT_TRUE(client->Checked({"SET", "k", big}, error)) << error;
  auto got = client->Checked({"GET", "k"}, error);
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(got->str, big);

  Endpoint untrusted = server.endpoint();
  untrusted.tls.ca_file.clear();  // the system's CAs do not know the test CA
  EXPECT_FALSE(Client::Connect(untrusted, error));
  EXPECT_NE(error.find("certificate check"), std::string::npos) << error;
  untrusted.tls.skip_verify = true;
  auto unchecked = Client::Connect(untrusted, error);
  ASSERT_TRUE(unchecked) << error;
  EXPECT_TRUE(unchecked->Checked({"PING"}, error)) << error;

  Endpoint plain = server.endpoint();
  plain.tls.enabled = false;
  auto plain_client = Client::Connect(plain, error);  // TCP connects; nothing was asked yet
  if (plain_client) {
    EXPECT_FALSE(plain_client->Checked({"PING"}, error));
  }
}

}  // namespace
}  // namespace vsr::redis
