// The memory plugin's memories kept in a shared store (global.stores.memory.backend valkey or
// milvus), so they survive restarts and every router replica remembers the same users. Each
// router mirrors the stored memories in its MemoryStore and searches there; the store is the
// record. Writes never block the caller (the data plane, the model threads): they queue for a
// writer thread. A sync thread asks the store for its version token every interval and reloads
// everything when another router moved it.
//
// A backend (memory_redis.cpp, memory_milvus.cpp) says how to load, write and version.
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

namespace vsr::plugins {

class MemoryMirror {
 public:
  class Backend {
   public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // for log lines: "redis 127.0.0.1:6379"
    virtual bool LoadAll(std::vector<Memory>& out, std::string& error) = 0;
    // One write; `version` gets the store's version token after it.
    virtual bool Put(const Memory& m, std::string& version, std::string& error) = 0;
    virtual bool Erase(const std::string& id, std::string& version, std::string& error) = 0;
    // A token that changes when the stored memories change.
    virtual std::optional<std::string> Version(std::string& error) = 0;
  };
  using Reload = std::function<void(std::vector<Memory>)>;
  using Log = std::function<void(const std::string&)>;

  // Reads every memory into `loaded` and starts the writer; null with `error` when the store
  // cannot be read.
  static std::unique_ptr<MemoryMirror> Open(std::unique_ptr<Backend> backend,
                                            std::vector<Memory>& loaded, std::string& error);
  ~MemoryMirror();  // writes what is queued, then stops

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
  explicit MemoryMirror(std::unique_ptr<Backend> backend);
  bool LoadAll(std::vector<Memory>& out, std::string& error);
  void WriteLoop();
  void SyncLoop(Reload reload, Log log, std::chrono::milliseconds interval);

  std::unique_ptr<Backend> backend_;
  std::string name_;
  std::mutex mu_;          // the queue and the version
  std::mutex backend_mu_;  // one backend call at a time (backends hold one connection)
  std::condition_variable cv_, idle_cv_;
  std::deque<Op> queue_;
  bool busy_ = false, stopping_ = false;
  std::string own_version_;  // the version after our last write or load
  Log log_;
  std::thread writer_thread_, sync_thread_;
};

}  // namespace vsr::plugins
