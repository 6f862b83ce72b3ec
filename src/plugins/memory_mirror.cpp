#include "plugins/memory_mirror.h"

namespace vsr::plugins {

std::unique_ptr<MemoryMirror> MemoryMirror::Open(std::unique_ptr<Backend> backend,
                                                 std::vector<Memory>& loaded, std::string& error) {
  std::unique_ptr<MemoryMirror> m(new MemoryMirror(std::move(backend)));
  if (!m->LoadAll(loaded, error)) return nullptr;
  m->writer_thread_ = std::thread([p = m.get()] { p->WriteLoop(); });
  return m;
}

MemoryMirror::MemoryMirror(std::unique_ptr<Backend> backend)
    : backend_(std::move(backend)), name_(backend_->name()) {}

MemoryMirror::~MemoryMirror() {
  Flush();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
}

// The memories and the version they are at (read first: a write in between reloads again).
bool MemoryMirror::LoadAll(std::vector<Memory>& out, std::string& error) {
  std::lock_guard backend_lock(backend_mu_);
  const std::optional<std::string> version = backend_->Version(error);
  if (!version) return false;
  out.clear();
  if (!backend_->LoadAll(out, error)) return false;
  std::lock_guard lock(mu_);
  own_version_ = *version;
  return true;
}

void MemoryMirror::Put(const Memory& m) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Op{m, {}});
  }
  cv_.notify_all();
}

void MemoryMirror::Erase(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Op{std::nullopt, id});
  }
  cv_.notify_all();
}

void MemoryMirror::Flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return (queue_.empty() && !busy_) || !writer_thread_.joinable(); });
}

void MemoryMirror::WriteLoop() {
  bool failing = false;
  for (;;) {
    Op op;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, nothing left
        idle_cv_.notify_all();
        return;
      }
      op = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    std::string error, version;
    bool ok = false;
    {
      std::lock_guard backend_lock(backend_mu_);
      ok = op.put ? backend_->Put(*op.put, version, error)
                  : backend_->Erase(op.erase, version, error);
    }
    std::lock_guard lock(mu_);
    if (ok) own_version_ = version;
    // One line per outage, not per write (the memory stays in this router either way).
    if (!ok && !failing && log_) log_("memory: cannot save to " + name_ + ": " + error);
    failing = !ok;
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

void MemoryMirror::Watch(Reload reload, Log log, std::chrono::milliseconds interval) {
  {
    std::lock_guard lock(mu_);
    log_ = log;
  }
  sync_thread_ = std::thread([this, reload = std::move(reload), log = std::move(log), interval] {
    SyncLoop(reload, log, interval);
  });
}

void MemoryMirror::SyncLoop(Reload reload, Log log, std::chrono::milliseconds interval) {
  bool failing = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
      if (!queue_.empty() || busy_) continue;  // our own writes first
    }
    std::string error;
    std::optional<std::string> version;
    {
      std::lock_guard backend_lock(backend_mu_);
      version = backend_->Version(error);
    }
    bool changed = false;
    if (version) {
      std::lock_guard lock(mu_);
      changed = *version != own_version_;
    }
    std::vector<Memory> all;
    if (changed && LoadAll(all, error)) reload(std::move(all));
    const bool failed = !version || (changed && !error.empty());
    if (failed && !failing && log) {
      log("memory: cannot read " + name_ + ": " + error + " (serving the memories held here)");
    }
    failing = failed;
  }
}

}  // namespace vsr::plugins
