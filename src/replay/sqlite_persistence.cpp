#include "replay/sqlite_persistence.h"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <filesystem>

#include "common/json_text.h"

namespace vsr::replay {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS router_replay ("
    " id TEXT PRIMARY KEY,"
    " timestamp_ns INTEGER NOT NULL,"
    " record TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS router_replay_time ON router_replay(timestamp_ns);";

std::string Message(sqlite3* db) {
  return db ? sqlite3_errmsg(db) : "out of memory";
}

}  // namespace

std::unique_ptr<SqlitePersistence> SqlitePersistence::Open(const std::string& path,
                                                           std::string& error) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    error = "cannot create " + parent.string() + ": " + ec.message();
    return nullptr;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    error = "cannot open " + path + ": " + Message(db);
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<SqlitePersistence> p(new SqlitePersistence(db, path));
  // WAL: readers (sqlite3 CLI, backups) do not block the writer; NORMAL sync is durable
  // across process crashes, which is what a replay history needs.
  char* msg = nullptr;
  const std::string setup =
      std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;") +
      kSchema;
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    error = path + ": " + (msg ? msg : "schema setup failed");
    sqlite3_free(msg);
    return nullptr;
  }
  if (!p->Prepare(error)) return nullptr;
  return p;
}

bool SqlitePersistence::Prepare(std::string& error) {
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO router_replay(id, timestamp_ns, record) "
                         "VALUES (?1, ?2, ?3)",
                         -1, &save_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "DELETE FROM router_replay WHERE id = ?1", -1, &erase_, nullptr) !=
          SQLITE_OK) {
    error = Message(db_);
    return false;
  }
  return true;
}

SqlitePersistence::~SqlitePersistence() {
  sqlite3_finalize(save_);
  sqlite3_finalize(erase_);
  sqlite3_close(db_);
}

bool SqlitePersistence::Load(std::vector<ReplayRecord>& out, std::string& error) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT record FROM router_replay ORDER BY timestamp_ns, id", -1,
                         &stmt, nullptr) != SQLITE_OK) {
    error = Message(db_);
    return false;
  }
  size_t unreadable = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text ? text : "", ec);
    if (ec || !v.is_object()) {
      ++unreadable;
      continue;
    }
    out.push_back(FromJson(v.as_object()));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    error = Message(db_);
    return false;
  }
  if (unreadable > 0) {
    error = std::to_string(unreadable) + " record(s) are not valid JSON and were skipped";
    return false;
  }
  return true;
}

bool SqlitePersistence::Save(const ReplayRecord& record, std::string& error) {
  const std::string json = CompactJson(ToJson(record));
  sqlite3_reset(save_);
  sqlite3_bind_text(save_, 1, record.id.c_str(), static_cast<int>(record.id.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(save_, 2, record.timestamp_ns);
  sqlite3_bind_text(save_, 3, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(save_) != SQLITE_DONE) {
    error = Message(db_);
    return false;
  }
  return true;
}

bool SqlitePersistence::SaveAll(const std::vector<const ReplayRecord*>& records,
                                std::string& error) {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = Message(db_);
    return false;
  }
  for (const ReplayRecord* r : records) {
    if (!Save(*r, error)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = Message(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  return true;
}

bool SqlitePersistence::Erase(const std::string& id, std::string& error) {
  sqlite3_reset(erase_);
  sqlite3_bind_text(erase_, 1, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(erase_) != SQLITE_DONE) {
    error = Message(db_);
    return false;
  }
  return true;
}

}  // namespace vsr::replay
