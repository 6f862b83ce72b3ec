// The usage-only chunk the router asked an OpenAI backend for goes; everything else passes as
// it came, however the stream is cut into pieces.
#include "server/usage_chunk_filter.h"

#include <gtest/gtest.h>

namespace vsr::server {
namespace {

const std::string kContent =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n";
const std::string kUsage =
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,"
    "\"total_tokens\":4}}\n\n";
const std::string kDone = "data: [DONE]\n\n";

TEST(UsageChunkFilter, DropsTheUsageOnlyChunkWhereverThePiecesAreCut) {
  const std::string stream = ": keep-alive\n\n" + kContent + kContent + kUsage + kDone;
  const std::string expected = ": keep-alive\n\n" + kContent + kContent + kDone;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    auto filter = DropUsageOnlyChunk();
    std::string out = filter->Feed(std::string_view(stream).substr(0, cut));
    out += filter->Feed(std::string_view(stream).substr(cut));
    out += filter->Finish();
    ASSERT_EQ(out, expected) << "cut at " << cut;
  }
}

TEST(UsageChunkFilter, KeepsEventsWithChoicesCrLfEventsAndAnUnfinishedTail) {
  auto filter = DropUsageOnlyChunk();
  // A last chunk that carries both a choice and usage is content: it stays.
  const std::string both =
      "data: {\"choices\":[{\"index\":0,\"delta\":{}}],\"usage\":{\"total_tokens\":4}}\r\n\r\n";
  const std::string crlf_usage = "data: {\"choices\":[],\"usage\":{\"total_tokens\":4}}\r\n\r\n";
  // Text that only quotes the keys is content too.
  const std::string quoted =
      "data: {\"choices\":[{\"delta\":{\"content\":\"say \\\"choices\\\":[] and "
      "\\\"usage\\\":{\"}}],\"usage\":null}\n\n";
  EXPECT_EQ(filter->Feed(quoted), quoted);
  EXPECT_EQ(filter->Feed(both + crlf_usage + "data: [DO"), both);
  EXPECT_EQ(filter->Finish(), "data: [DO");  // the backend stopped mid-event: passed on as is
}

}  // namespace
}  // namespace vsr::server
