// The forwarded body as the client's bytes with the model swapped: what a backend parses out of
// it must be exactly the client's request with the provider's model id (and, for a stream the
// router counts, include_usage), and anything the splice cannot be sure of falls back.
#include "server/forward_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace vsr::server {
namespace {

namespace json = boost::json;

// The splice as the data plane calls it: with the router's parse of the body.
std::optional<std::string> Splice(std::string_view body, std::string_view model,
                                  bool stream_usage) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  static const json::object kNotParsed;  // a body the router could not parse: never spliced
  return SpliceForwardedBody(body, !ec && parsed.is_object() ? parsed.as_object() : kNotParsed,
                             model, stream_usage);
}

// What serializing would have sent: the body parsed, the model set, include_usage added.
json::value Expected(std::string_view body, std::string_view model, bool stream_usage) {
  json::object o = json::parse(body).as_object();
  o["model"] = model;
  if (stream_usage) o["stream_options"] = json::object{{"include_usage", true}};
  return o;
}

void ExpectSameRequest(std::string_view body, std::string_view model, bool stream_usage = false) {
  const std::optional<std::string> out = Splice(body, model, stream_usage);
  ASSERT_TRUE(out.has_value()) << body;
  boost::system::error_code ec;
  const json::value sent = json::parse(*out, ec);
  ASSERT_FALSE(ec) << *out;
  EXPECT_EQ(sent, Expected(body, model, stream_usage)) << *out;
}

TEST(ForwardBody, OnlyTheModelChangesTheRestIsTheClientsBytes) {
  const std::string body =
      "{ \"model\" : \"MoM\",\n  \"temperature\": 0.70, \"seed\": 123456789012345678901,\n"
      "  \"messages\": [{\"role\": \"user\", \"content\": \"caf\\u00e9 \\\"quoted\\\"\"}] }";
  const std::optional<std::string> out = Splice(body, "qwen3-8b", false);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out,
            "{ \"model\" : \"qwen3-8b\",\n  \"temperature\": 0.70, \"seed\": "
            "123456789012345678901,\n  \"messages\": [{\"role\": \"user\", \"content\": "
            "\"caf\\u00e9 \\\"quoted\\\"\"}] }");
}

TEST(ForwardBody, ReplacesTheTopLevelModelWhereverItIs) {
  ExpectSameRequest(R"({"messages":[{"role":"user","content":"hi"}],"model":"MoM"})", "m1");
  ExpectSameRequest(R"({"metadata":{"model":"not me"},"model":"MoM","messages":[]})", "m1");
  ExpectSameRequest(R"({"messages":[{"role":"user","content":"\"model\":\"x\""}],"model":"a"})",
                    "m1");
  ExpectSameRequest(R"({"tools":[{"function":{"model":1,"x":[[],{},[{"model":2}]]}}],)"
                    R"("model":"MoM","n":1,"stop":null,"stream":false,"messages":[]})",
                    "m1");
}

TEST(ForwardBody, EscapesTheProviderModelId) {
  ExpectSameRequest(R"({"model":"MoM","messages":[]})", "org/\"odd\\name\"");
}

TEST(ForwardBody, AddsIncludeUsageToAStream) {
  ExpectSameRequest(R"({"model":"MoM","stream":true,"messages":[]})", "m1", true);
  ExpectSameRequest(" {\n\"stream\" : true , \"model\":\"MoM\",\"messages\":[] }\n", "m1", true);
  // A client that asks for the usage itself: its stream_options stay, nothing is added.
  const std::string asks =
      R"({"model":"MoM","stream":true,"stream_options": { "include_usage" : true },"messages":[]})";
  const std::optional<std::string> out = Splice(asks, "m1", true);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, R"({"model":"m1","stream":true,"stream_options": { "include_usage" : true },)"
                  R"("messages":[]})");
}

TEST(ForwardBody, FallsBackWhenItCannotBeSure) {
  const auto no = [](std::string_view body, bool stream_usage = false) {
    return !Splice(body, "m1", stream_usage).has_value();
  };
  EXPECT_TRUE(no(R"({"model":"a","model":"b","messages":[]})"));  // twice
  // A key twice anywhere: the router read the last, a backend might read the first.
  EXPECT_TRUE(no(R"({"model":"a","messages":[{"role":"user","content":"ok","content":"evil"}]})"));
  EXPECT_TRUE(no(R"({"model":"a","n":1,"n":2,"messages":[]})"));
  EXPECT_TRUE(no(R"({"model":"a","messages":[],"metadata":{"x":{"y":1,"y":2}}})"));
  EXPECT_TRUE(no(R"({"mod\u0065l":"a","messages":[]})"));  // an escaped key might be "model"
  EXPECT_TRUE(no(R"({"messages":[]})"));                   // none
  EXPECT_TRUE(no(R"({})"));
  EXPECT_TRUE(no(R"([{"model":"a"}])"));  // not an object
  EXPECT_TRUE(no(R"({"model":"a","stream":true,"stream_options":{"x":1},"messages":[]})", true));
  EXPECT_TRUE(no(R"({"model":"a","stream":true,"stream_options":{"include_usage":false},)"
                 R"("messages":[]})",
                 true));
  EXPECT_TRUE(no(R"({"model":"a","stream":true,"stream_options":{"include_usage":true},)"
                 R"("stream_options":{"include_usage":true},"messages":[]})",
                 true));                                               // twice
  EXPECT_TRUE(no(R"({"model":"a","messages":[]})", true));             // no "stream"
  EXPECT_TRUE(no(R"({"model":"a","stream":1,"messages":[]})", true));  // not the literal
  EXPECT_TRUE(no(R"({"model":"a","messages":[]} {"model":"b"})"));     // bytes after it
}

TEST(ForwardBody, TruncatedOrBrokenBodiesNeverReadPastTheEnd) {
  const std::string body =
      R"({"model":"MoM","messages":[{"role":"user","content":"a \"b\" \\ c"}],"n":1})";
  for (size_t n = 0; n < body.size(); ++n) {
    // A copy of just the prefix, so that ASan sees a read past it.
    const std::string prefix = body.substr(0, n);
    EXPECT_FALSE(Splice(prefix, "m1", false).has_value()) << prefix;
  }
  EXPECT_TRUE(Splice(body, "m1", false).has_value());
  EXPECT_FALSE(Splice(R"({"model":"MoM" "messages":[]})", "m1", false));
  EXPECT_FALSE(Splice(R"({"model":,"messages":[]})", "m1", false));
  EXPECT_FALSE(Splice(R"({"model":"MoM",})", "m1", false));
}

// A string ends at a quote no odd run of backslashes escapes: escaped quotes and backslashes,
// at every position and next to the string's ends, must be told apart.
TEST(ForwardBody, FindsQuotesAndEscapesAtEveryOffset) {
  for (size_t pad = 0; pad < 20; ++pad) {
    for (const std::string_view tricky : {"\\\"", "\\\\", "\\\\\\\"", "\\n", "\\u0022"}) {
      const std::string text = std::string(pad, 'x') + std::string(tricky) + std::string(pad, 'y');
      const std::string body = R"({"messages":[{"role":"user","content":")" + text +
                               R"("}],"z":")" + text + R"(","model":"MoM"})";
      SCOPED_TRACE(body);
      ExpectSameRequest(body, "m1");
    }
  }
}

}  // namespace
}  // namespace vsr::server
