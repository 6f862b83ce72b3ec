// The x-vsr-* routing headers as upstream writes them: empty values and zero numbers left out.
#include "server/routing_headers.h"

#include <gtest/gtest.h>

namespace vsr::server {
namespace {

std::string Find(const HeaderList& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<none>";
}

TEST(RoutingHeadersTest, TheContextTokenCountGoesOutOnlyWhenThereAreTokens) {
  for (const int tokens : {0, 12}) {
    routing::RoutingResult result;
    result.signals.Of(signals::Family::kContext).output.token_count = tokens;
    result.signals.MarkEvaluated(signals::Family::kContext);
    RoutedTo to;
    to.model = "m";
    HeaderList out;
    AppendRoutingHeaders(result, to, out);
    EXPECT_EQ(Find(out, "x-vsr-context-token-count"), tokens == 0 ? "<none>" : "12");
    EXPECT_EQ(Find(out, "x-vsr-selected-model"), "m");
    EXPECT_EQ(Find(out, "x-vsr-selected-category"), "<none>");  // no decision's domain matched
    EXPECT_EQ(Find(out, "x-vsr-cache-similarity"), "<none>");
  }
}

}  // namespace
}  // namespace vsr::server
