// The memory plugin's memories kept in Redis/Valkey (global.stores.memory.backend: valkey), so
// they survive restarts and every router replica remembers the same users. Each memory is a hash
// `<collection_prefix><id>` (default prefix "mem:") with upstream's valkey store fields — id,
// user_id, project_id, memory_type, content, source, metadata, embedding (float32 bytes),
// created_at / updated_at (ms), access_count, importance — so either implementation reads what
// the other wrote. Upstream searches them with the Valkey Search module; Debian's redis-server has
// none, so each router mirrors the hashes in its MemoryStore and searches there.
//
// Writes never block the caller (the data plane, the model threads): they queue for a writer
// thread. A `<prefix>version` key counts changes; a sync thread reloads everything when another
// router moved it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugins/memory_store.h"
#include "redis/client.h"

namespace vsr::plugins {

class MemoryRedis {
 public:
  using Reload = std::function<void(std::vector<Memory>)>;
  using Log = std::function<void(const std::string&)>;
  // Connects (a writer and a reader connection) and reads every memory into `loaded`; null with
  // `error` when Redis cannot be reached.
  static std::unique_ptr<MemoryRedis> Open(const redis::Endpoint& endpoint, std::string prefix,
                                           std::vector<Memory>& loaded, std::string& error);
  ~MemoryRedis();  // writes what is queued, then stops

  // Starts the sync thread: `reload` gets every memory when another router changed them.
  void Watch(Reload reload, Log log, std::chrono::milliseconds interval);
  void Put(const Memory& m);
  void Erase(const std::string& id);
  void Flush();  // returns once every queued write is done (tests, shutdown)
  std::string name() const { return name_; }

 private:
  struct Op {
    std::optional<Memory> put;
    std::string erase;
  };
  MemoryRedis(std::unique_ptr<redis::Client> writer, std::unique_ptr<redis::Client> reader,
              std::string prefix);
  bool LoadAll(std::vector<Memory>& out, std::string& error);
  void WriteLoop();
  void SyncLoop(Reload reload, Log log, std::chrono::milliseconds interval);

  std::string prefix_, name_;
  std::unique_ptr<redis::Client> writer_, reader_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<Op> queue_;
  bool busy_ = false, stopping_ = false;
  long long own_version_ = 0;  // the version after our last write
  Log log_;
  std::thread writer_thread_, sync_thread_;
};

}  // namespace vsr::plugins
