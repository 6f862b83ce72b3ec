// The HTTP calls decision plugins ask for (plugins::OutboundCall: rag retrieval, image
// generation, a model's text for image_gen), made over the upstream pool — TLS, connect and read
// timeouts, bounded replies — concurrently, without blocking a thread. A call to a configured
// model goes to that model's first usable endpoint with its credentials and provider model id,
// translated to and from Anthropic's API when the model speaks it. An `embed` call runs on the
// model threads instead.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <vector>

#include "config/config.h"
#include "plugins/plugin.h"
#include "plugins/services.h"
#include "server/backends.h"
#include "server/upstream_client.h"

namespace vsr::server {

// `text`'s embedding from the model threads (batched with concurrent texts there); the
// coroutine resumes on its own executor.
boost::asio::awaitable<std::vector<float>> EmbedOffThread(const plugins::EmbedAsync& embed_async,
                                                          const std::string& text);

class PluginCaller {
 public:
  // `embed_async`: the model threads' embedding (empty: `embed` calls fail).
  PluginCaller(UpstreamPool& pool, BackendBalancer& balancer,
               std::chrono::milliseconds connect_timeout, plugins::EmbedAsync embed_async = {})
      : pool_(pool),
        balancer_(balancer),
        connect_timeout_(connect_timeout),
        embed_async_(std::move(embed_async)) {}

  // Makes every call of `calls` at once; replies[i] is the answer to calls[i]. `calls` and
  // `config` must outlive the call.
  boost::asio::awaitable<void> SendAll(const config::Config& config,
                                       std::vector<plugins::OutboundCall>& calls,
                                       std::vector<plugins::OutboundReply>& replies);

 private:
  boost::asio::awaitable<void> Send(const config::Config& config, plugins::OutboundCall& call,
                                    plugins::OutboundReply& reply);
  // Points `up` at the model's backend and rewrites `call.body` for it; false (with
  // reply.error) when the model cannot be called.
  bool TargetModel(const config::Config& config, plugins::OutboundCall& call, UpstreamRequest& up,
                   plugins::OutboundReply& reply, bool& anthropic);

  UpstreamPool& pool_;
  BackendBalancer& balancer_;
  std::chrono::milliseconds connect_timeout_;
  plugins::EmbedAsync embed_async_;
};

}  // namespace vsr::server
