#include "plugins/fast_response.h"

#include "common/json_text.h"
#include "common/unix_time.h"
#include "plugins/immediate_answer.h"

namespace vsr::plugins {

void FastResponsePlugin::OnRouted(RequestContext& ctx) {
  const int64_t now = UnixSeconds();
  boost::json::object completion =
      TextCompletion("chatcmpl-fast-" + std::to_string(now), now, "router", cfg_.message);
  ImmediateAnswer answer;
  answer.sse = ctx.stream;
  if (ctx.stream) {
    completion.erase("usage");  // upstream's fast stream ends with a bare stop chunk
    answer.body = CompletionAsSse(completion);
  } else {
    answer.body = CompactJson(completion);
  }
  if (ctx.decision != nullptr) {
    answer.headers.emplace_back("x-vsr-selected-decision", ctx.decision->name);
  }
  answer.headers.emplace_back("x-vsr-fast-response", "true");
  ctx.answer = std::move(answer);
}

}  // namespace vsr::plugins
