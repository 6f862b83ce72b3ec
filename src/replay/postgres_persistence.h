// Replay records in PostgreSQL (router_replay.store_backend: postgres, upstream's default), in
// upstream's table layout (router_replay_records unless postgres.table_name says otherwise: one
// column per record field, JSONB for signals and the other maps), so upstream's router, its
// dashboard and SQL written against it read what this router writes, and the reverse. The
// table and its indexes are created when missing; the few fields upstream's table lacks
// (latency, selection method and confidence, the answer screen's verdict) are added as columns
// of their own. Timestamps keep microseconds (the column type's precision).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "postgres/client.h"
#include "replay/store.h"

namespace vsr::replay {

class PostgresPersistence final : public Persistence {
 public:
  // Connects and creates the table; null with `error` (a missing database or user, a table
  // name that is not an identifier, an unreachable server).
  static std::unique_ptr<PostgresPersistence> Open(const config::PostgresConnection& settings,
                                                   std::string& error);

  std::string name() const override { return client_->name() + " table " + table_; }
  // The newest 100,000 records at most (the table may hold far more: upstream keeps them all).
  bool Load(std::vector<ReplayRecord>& out, std::string& error) override;
  bool Save(const ReplayRecord& record, std::string& error) override;
  // One statement, one commit for all of them.
  bool SaveAll(const std::vector<const ReplayRecord*>& records, std::string& error) override;
  bool Erase(const std::string& id, std::string& error) override;

 private:
  PostgresPersistence(std::unique_ptr<postgres::Client> client, std::string table);
  bool CreateTable(std::string& error);

  std::unique_ptr<postgres::Client> client_;
  std::string table_;
  std::string save_sql_, save_all_sql_, load_sql_, erase_sql_;
};

// `record` as the JSON object a row is filled from: every column upstream reads as a plain
// value present (false, 0, "", {} or [] when the record has nothing), text without NUL
// characters or invalid UTF-8 (PostgreSQL stores neither).
boost::json::object PostgresRow(const ReplayRecord& record);

}  // namespace vsr::replay
