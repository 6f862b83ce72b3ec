// Replay records in a SQLite file (one row per record, the record's JSON as the payload), so a
// local router keeps its history across restarts without a database server.
#pragma once

#include <memory>
#include <string>

#include "replay/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vsr::replay {

class SqlitePersistence final : public Persistence {
 public:
  // Opens (creating the file, its parent folders and the table) or returns null with `error`.
  static std::unique_ptr<SqlitePersistence> Open(const std::string& path, std::string& error);
  ~SqlitePersistence() override;

  std::string name() const override { return "sqlite " + path_; }
  bool Load(std::vector<ReplayRecord>& out, std::string& error) override;
  bool Save(const ReplayRecord& record, std::string& error) override;
  // In one transaction (one commit for all of them).
  bool SaveAll(const std::vector<const ReplayRecord*>& records, std::string& error) override;
  bool Erase(const std::string& id, std::string& error) override;

 private:
  SqlitePersistence(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  bool Prepare(std::string& error);

  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* save_ = nullptr;
  sqlite3_stmt* erase_ = nullptr;
};

}  // namespace vsr::replay
