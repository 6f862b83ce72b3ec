#include "server/plugin_calls.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "common/json_text.h"
#include "server/format_translation.h"
#include "server/http_client.h"

namespace vsr::server {

namespace asio = boost::asio;
namespace json = boost::json;

using Clock = std::chrono::steady_clock;

asio::awaitable<std::vector<float>> EmbedOffThread(const plugins::EmbedAsync& embed_async,
                                                   const std::string& text) {
  auto initiation = [&embed_async, &text](auto handler) {
    auto h = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
    embed_async(text, [h](std::vector<float> vector) {
      auto executor = asio::get_associated_executor(*h);
      asio::post(executor, [h, v = std::move(vector)]() mutable { std::move (*h)(std::move(v)); });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::vector<float>)>(
      initiation, asio::use_awaitable);
}

asio::awaitable<void> PluginCaller::SendAll(const config::Config& config,
                                            std::vector<plugins::OutboundCall>& calls,
                                            std::vector<plugins::OutboundReply>& replies) {
  replies.assign(calls.size(), plugins::OutboundReply{});
  if (calls.size() == 1) {  // the usual case: no group to set up
    co_await Send(config, calls[0], replies[0]);
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(executor, Send(config, calls[0], replies[0]), asio::deferred));
  std::vector<Op> ops;
  for (size_t i = 0; i < calls.size(); ++i) {
    ops.push_back(asio::co_spawn(executor, Send(config, calls[i], replies[i]), asio::deferred));
  }
  auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(ops))
                             .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (errors[i] && replies[i].error.empty()) replies[i].error = "the call failed";
  }
}

bool PluginCaller::TargetModel(const config::Config& config, plugins::OutboundCall& call,
                               UpstreamRequest& up, plugins::OutboundReply& reply,
                               bool& anthropic) {
  const config::ProviderModel* model = FindProviderModel(config, call.model);
  if (model == nullptr) {
    reply.error = "model '" + call.model + "' is not in providers.models";
    return false;
  }
  std::vector<BackendTarget> targets = balancer_.Candidates(*model);
  if (targets.empty() || !targets.front().error.empty()) {
    reply.error = "model '" + call.model + "' has no usable backend" +
                  (targets.empty() ? std::string() : ": " + targets.front().error);
    return false;
  }
  BackendTarget& t = targets.front();
  boost::system::error_code ec;
  json::value parsed = json::parse(call.body, ec);
  if (ec || !parsed.is_object()) {
    reply.error = "the request for model '" + call.model + "' is not a JSON object";
    return false;
  }
  json::object& body = parsed.as_object();
  body["model"] = UpstreamModelId(*model);
  anthropic = FormatOf(*model) == ApiFormat::kAnthropic;
  call.body = CompactJson(anthropic ? json::value(OpenAiToAnthropicRequest(body)) : parsed);
  up.host = t.host;
  up.port = t.port;
  up.tls = t.tls;
  up.target = t.path;
  for (auto& h : t.headers) up.headers.push_back(std::move(h));
  return true;
}

asio::awaitable<void> PluginCaller::Send(const config::Config& config, plugins::OutboundCall& call,
                                         plugins::OutboundReply& reply) {
  const auto started = Clock::now();
  if (!call.embed.empty()) {
    if (!embed_async_) {
      reply.error = "no embedding model runs on model threads";
    } else {
      reply.embedding = co_await EmbedOffThread(embed_async_, call.embed);
      if (reply.embedding.empty()) reply.error = "the embedding model gave no vector";
    }
    reply.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    co_return;
  }
  UpstreamRequest up;
  bool anthropic = false;
  if (!call.model.empty()) {
    if (!TargetModel(config, call, up, reply, anthropic)) co_return;
  } else if (std::optional<ParsedUrl> url = ParseWebUrl(call.url)) {
    up.host = url->host;
    up.port = url->port;
    up.tls = url->tls;
    up.target = url->target;
  } else {
    reply.error = "'" + call.url + "' is not an http(s) URL";
    co_return;
  }
  for (auto& h : call.headers) up.headers.push_back(std::move(h));
  up.body = std::move(call.body);
  up.connect_timeout = std::min(call.timeout, connect_timeout_);
  up.read_timeout = call.timeout;
  UpstreamResult r = co_await pool_.Send(up);
  if (!r.response) {
    reply.error = r.error;
  } else {
    reply.status = r.response->status;
    reply.headers = r.response->headers;
    reply.body = co_await r.response->ReadAll(call.max_reply_bytes);
    if (!r.response->error().empty()) {
      reply.error = r.response->error();
      reply.status = 0;
    }
  }
  if (anthropic && reply.status == 200) {  // the plugin reads OpenAI chat completions
    boost::system::error_code ec;
    json::value v = json::parse(reply.body, ec);
    if (!ec && v.is_object()) reply.body = CompactJson(AnthropicToOpenAiResponse(v.as_object()));
  }
  reply.seconds = std::chrono::duration<double>(Clock::now() - started).count();
}

}  // namespace vsr::server
