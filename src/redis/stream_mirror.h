// A store several routers share through one Redis stream, each keeping its own copy in memory
// (so reads never leave the process): every router appends its changes to the stream from a
// writer thread (XADD, the stream trimmed to about max_len entries, which also bounds Redis's
// memory) and follows it from a reader thread (XREAD BLOCK), handing the other routers'
// entries to `apply`; a router that starts reads the backlog first, which is how changes
// survive a restart. Redis being down never blocks or fails a caller: appends beyond the queue
// are dropped (counted), a failed append is dropped, and both threads reconnect with backoff,
// logging once per outage. The semantic cache and the Responses API store use it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/handoff_queue.h"
#include "redis/client.h"

namespace vsr::redis {

struct StreamMirrorOptions {
  std::string what = "store";  // whose stream, for the log ("semantic cache")
  std::string kind = "redis";  // or valkey, for the log
  Endpoint endpoint;
  std::string stream_key;
  size_t max_len = 1000;      // stream trimmed to about this many entries
  size_t queue_limit = 1024;  // entries waiting for the writer; beyond this, appends are dropped
  int block_ms = 200;         // longest XREAD wait (also the stop latency)
};

class StreamMirror {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  using Entry = std::map<std::string, std::string>;  // an entry's fields by name
  // The value of `name` in `entry`, or null when the entry has no such field.
  static const std::string* Field(const Entry& entry, const std::string& name) {
    auto it = entry.find(name);
    return it != entry.end() ? &it->second : nullptr;
  }
  using Apply = std::function<void(const Entry&)>;
  using Log = std::function<void(const std::string&)>;

  // Starts both threads; `apply` runs on the reader thread for every other router's entry.
  StreamMirror(StreamMirrorOptions options, Apply apply, Log log);
  ~StreamMirror();
  StreamMirror(const StreamMirror&) = delete;
  StreamMirror& operator=(const StreamMirror&) = delete;

  // Queues an entry for the stream (never blocks); dropped (counted) when the queue is full.
  void Publish(Fields fields);
  std::string name() const;  // "<kind> at host:port (stream <key>)"

  uint64_t published() const { return published_; }  // entries written to Redis
  uint64_t applied() const { return applied_; }      // other routers' entries applied here
  uint64_t dropped() const { return dropped_; }      // appends lost (queue full, Redis down)

 private:
  void WriterLoop();
  void ReaderLoop();
  void Warn(bool& warned, const std::string& what);

  StreamMirrorOptions options_;
  Apply apply_;
  Log log_;
  std::string origin_;  // this router's tag on its own entries
  std::atomic<uint64_t> published_{0}, applied_{0}, dropped_{0};
  HandoffQueue<Fields> queue_;
  std::thread writer_, reader_;
};

}  // namespace vsr::redis
