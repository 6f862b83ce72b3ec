// Uploaded files on disk (upstream's filestore.go): <dir>/files/<file_id>/<filename>, with the
// record beside it in <dir>/files/<file_id>/file.json so uploads survive a restart (upstream
// keeps the records in memory unless Postgres is configured). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vectorstore/types.h"

namespace vsr::vectorstore {

class FileStore {
 public:
  // Creates <dir>/files and reads the records found there; null with `error` when the
  // directory cannot be created.
  static std::unique_ptr<FileStore> Open(const std::string& dir, std::string& error);

  // Saves `content` as `filename` (its last path component only); nullopt with `error`.
  std::optional<FileRecord> Save(const std::string& filename, const std::string& content,
                                 const std::string& purpose, std::string& error);
  std::optional<FileRecord> Get(const std::string& id) const;
  // Newest first.
  std::vector<FileRecord> List() const;
  std::optional<std::string> Read(const std::string& id, std::string& error) const;
  bool Delete(const std::string& id, std::string& error);
  const std::string& dir() const { return dir_; }
  // Told of each record saved (`deleted` false) or deleted, after the disk has it (the
  // metadata registry mirrors them). Set once, before the store is shared.
  using Observer = std::function<void(const FileRecord& record, bool deleted)>;
  void Observe(Observer observer) { observer_ = std::move(observer); }

 private:
  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}
  std::string FolderOf(const std::string& id) const;

  std::string dir_;
  mutable std::mutex mu_;
  std::map<std::string, FileRecord> files_;
  Observer observer_;
};

}  // namespace vsr::vectorstore
