// What the router sends a backend besides the body (headers), and how it rebuilds a streamed
// answer for the plugins that need it whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "server/completion_assembler.h"
#include "server/forward_headers.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

std::map<std::string, std::string> AsMap(const HeaderList& list) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : list) {
    EXPECT_EQ(m.count(k), 0u) << "duplicate header " << k;
    m[k] = v;
  }
  return m;
}

TEST(ForwardHeaders, ClientHeadersPassExceptConnectionAndRouterOnes) {
  const auto out = AsMap(ForwardHeaders({{"connection", "keep-alive"},
                                         {"content-length", "12"},
                                         {"host", "router"},
                                         {"accept-encoding", "gzip"},
                                         {"x-request-id", "client-id"},
                                         {"x-vsr-selected-model", "spoof"},
                                         {"x-tenant", "t1"},
                                         {"authorization", "Bearer client"}},
                                        {}, {}, {}, "rid"));
  EXPECT_EQ(out,
            (std::map<std::string, std::string>{
                {"x-tenant", "t1"}, {"authorization", "Bearer client"}, {"x-request-id", "rid"}}));
}

TEST(ForwardHeaders, BackendAuthOverridesTheClientsAndPluginsSetThenDelete) {
  const auto out = AsMap(
      ForwardHeaders({{"authorization", "Bearer client"}, {"x-debug", "1"}, {"x-a", "client"}},
                     {{"Authorization", "Bearer backend"}}, {{"X-A", "plugin"}, {"x-b", "new"}},
                     {"X-Debug", "x-b"}, "rid"));
  EXPECT_EQ(out,
            (std::map<std::string, std::string>{
                {"authorization", "Bearer backend"}, {"x-a", "plugin"}, {"x-request-id", "rid"}}));
}

TEST(ForwardHeaders, PluginsCannotSetConnectionHeaders) {
  const auto out = AsMap(ForwardHeaders({}, {}, {{"Content-Length", "1"}, {"Host", "x"}}, {}, "r"));
  EXPECT_EQ(out.size(), 1u);
}

TEST(ForwardHeaders, ATracedRequestCarriesTheRoutersTraceparentOnly) {
  const std::string ours = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::string clients = "00-11111111111111111111111111111111-2222222222222222-01";
  const auto count = [](const HeaderList& list) {
    return std::count_if(list.begin(), list.end(),
                         [](const auto& h) { return h.first == "traceparent"; });
  };
  const HeaderList client_only =
      ForwardHeaders({{"traceparent", clients}, {"tracestate", "k=v"}}, {}, {}, {}, "r", ours);
  EXPECT_EQ(count(client_only), 1);
  EXPECT_EQ(AsMap(client_only).at("traceparent"), ours);
  EXPECT_EQ(AsMap(client_only).at("tracestate"), "k=v");
  // A header_mutation plugin's traceparent does not win over the router's either.
  const HeaderList with_plugin =
      ForwardHeaders({{"traceparent", clients}}, {}, {{"Traceparent", "plugin"}}, {}, "r", ours);
  EXPECT_EQ(count(with_plugin), 1);
  EXPECT_EQ(AsMap(with_plugin).at("traceparent"), ours);
  // Untraced, the client's passes through.
  EXPECT_EQ(AsMap(ForwardHeaders({{"traceparent", clients}}, {}, {}, {}, "r")).at("traceparent"),
            clients);
}

TEST(CompletionAssembler, RebuildsContentToolCallsFinishAndUsage) {
  CompletionAssembler a;
  a.Feed(
      R"(data: {"id":"c1","created":5,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]})"
      "\n\n");
  a.Feed(
      R"(data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":0,"id":"t1","type":"function","function":{"name":"get","arguments":"{\"a\""}}]}}]})"
      "\n\ndata: "
      "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      "\"function\":{\"arguments\":\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n");
  a.Feed(
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n"
      "data: [DONE]\n\n");
  a.Finish();
  const json::object c = a.Completion();
  EXPECT_EQ(c.at("id"), "c1");
  EXPECT_EQ(c.at("created"), 5);
  const json::object& choice = c.at("choices").as_array()[0].as_object();
  EXPECT_EQ(choice.at("message").at("content"), "Hello");
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const json::object& call = choice.at("message").at("tool_calls").as_array()[0].as_object();
  EXPECT_EQ(call.at("id"), "t1");
  EXPECT_EQ(call.at("function").at("name"), "get");
  EXPECT_EQ(call.at("function").at("arguments"), "{\"a\":1}");
  EXPECT_EQ(c.at("usage").at("completion_tokens"), 2);
}

TEST(CompletionAssembler, IgnoresHostileToolCallIndexes) {
  CompletionAssembler a;
  a.Feed(R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":99999999,"id":"x"}]}}]})"
         "\n\n");
  EXPECT_FALSE(
      a.Completion().at("choices").as_array()[0].at("message").as_object().contains("tool_calls"));
}

}  // namespace
}  // namespace vsr::server
