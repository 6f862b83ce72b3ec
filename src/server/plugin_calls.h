// The HTTP calls decision plugins ask for (plugins::OutboundCall: rag retrieval, image
// generation, a model's text for image_gen), made over the upstream pool — TLS, connect and read
// timeouts, bounded replies — concurrently, without blocking a thread. A call to a configured
// model goes to that model's first usable endpoint with its credentials and provider model id,
// translated to and from Anthropic's API when the model speaks it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <vector>

#include "config/config.h"
#include "plugins/plugin.h"
#include "server/backends.h"
#include "server/upstream_client.h"

namespace vsr::server {

class PluginCaller {
 public:
  PluginCaller(UpstreamPool& pool, BackendBalancer& balancer,
               std::chrono::milliseconds connect_timeout)
      : pool_(pool), balancer_(balancer), connect_timeout_(connect_timeout) {}

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
};

}  // namespace vsr::server
