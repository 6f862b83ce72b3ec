// Where the Responses API keeps responses so previous_response_id can continue a conversation:
// in memory, bounded by global.services.response_api.max_responses and ttl_seconds. With
// store_backend redis (and redis.address set) every change also goes to a Redis stream
// (redis::StreamMirror, key <key_prefix>responses, trimmed to about max_responses), whose reader
// applies the other routers' changes here: a conversation continues on any router, and after a
// restart, while reads stay in memory (nothing on the request path waits for Redis).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/model_global.h"
#include "redis/stream_mirror.h"

namespace vsr::server {

struct StoredResponse {
  boost::json::object response;  // the Response object returned to the client
  boost::json::array messages;   // the whole conversation as chat messages, answer included
  boost::json::array input_items;
  std::chrono::steady_clock::time_point expires;
};

class ResponseStore {
 public:
  ResponseStore(size_t max_responses, std::chrono::seconds ttl) : max_(max_responses), ttl_(ttl) {}
  ~ResponseStore();
  // Shares the store through Redis (before first use).
  void ShareThroughRedis(redis::StreamMirrorOptions options,
                         std::function<void(const std::string&)> log);
  void Put(const std::string& id, StoredResponse r);
  std::optional<StoredResponse> Get(const std::string& id);
  bool Delete(const std::string& id);
  // "memory", or where the store is shared.
  std::string description() const;
  const redis::StreamMirror* mirror() const { return mirror_.get(); }

 private:
  // Stores `r` expiring at `expires` (the lock held).
  void PutLocked(const std::string& id, StoredResponse r);
  void Apply(const redis::StreamMirror::Entry& fields);

  std::mutex mu_;
  size_t max_;
  std::chrono::seconds ttl_;
  std::map<std::string, StoredResponse> items_;
  std::deque<std::string> order_;  // oldest first, for eviction
  std::unique_ptr<redis::StreamMirror> mirror_;
};

// The store for `cfg` (shared through Redis when store_backend is redis and redis.address is
// set), and what the router should log about it ("" when nothing).
std::shared_ptr<ResponseStore> OpenResponseStore(const config::ResponseApiService& cfg,
                                                 std::function<void(const std::string&)> log,
                                                 std::string& note);

}  // namespace vsr::server
