#include "vectorstore/postgres_registry.h"

#include <boost/json.hpp>
#include <cstdlib>

#include "common/json_text.h"

namespace vsr::vectorstore {

namespace json = boost::json;

namespace {

// The registry's columns in the order the statements below use them.
constexpr const char* kColumns =
    "id, name, created_at, status, backend_type, fc_in_progress, fc_completed, fc_failed, "
    "fc_total, expires_anchor, expires_days, metadata";

int64_t Integer(const std::optional<std::string>& v) {
  return v ? std::atoll(v->c_str()) : 0;
}

}  // namespace

std::unique_ptr<PostgresRegistry> PostgresRegistry::Open(const postgres::Endpoint& endpoint,
                                                         const std::string& table,
                                                         std::string& error) {
  std::unique_ptr<postgres::Client> client =
      postgres::ConnectForTable(endpoint, table, "vector_store.metadata_postgres", error);
  if (!client) return nullptr;
  const std::string create = "CREATE TABLE IF NOT EXISTS " + table +
                             " (id VARCHAR(255) PRIMARY KEY, name VARCHAR(255) DEFAULT '', "
                             "created_at BIGINT NOT NULL, status VARCHAR(50) DEFAULT 'active', "
                             "backend_type VARCHAR(50) DEFAULT '', fc_in_progress INTEGER "
                             "DEFAULT 0, fc_completed INTEGER DEFAULT 0, fc_failed INTEGER "
                             "DEFAULT 0, fc_total INTEGER DEFAULT 0, expires_anchor VARCHAR(50) "
                             "DEFAULT '', expires_days INTEGER DEFAULT 0, metadata JSONB)";
  const std::string create_files =
      "CREATE TABLE IF NOT EXISTS file_registry (id VARCHAR(255) PRIMARY KEY, bytes BIGINT "
      "DEFAULT 0, created_at BIGINT NOT NULL, filename VARCHAR(512) DEFAULT '', purpose "
      "VARCHAR(50) DEFAULT '', status VARCHAR(50) DEFAULT '')";
  if (!client->Exec(create, {}, error) || !client->Exec(create_files, {}, error)) {
    error = "cannot create table " + table + " in " + client->name() + ": " + error;
    return nullptr;
  }
  return std::unique_ptr<PostgresRegistry>(new PostgresRegistry(std::move(client), table));
}

bool PostgresRegistry::Save(const VectorStore& s, std::string& error) {
  std::string anchor, days = "0";
  if (s.expires_after) {
    if (const json::value* a = s.expires_after->if_contains("anchor"); a && a->is_string()) {
      anchor = std::string(a->as_string());
    }
    if (const json::value* d = s.expires_after->if_contains("days"); d && d->is_number()) {
      days = std::to_string(static_cast<int64_t>(d->to_number<double>()));
    }
  }
  const std::string sql =
      "INSERT INTO " + table_ + " (" + kColumns +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb) ON CONFLICT (id) DO "
      "UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, fc_in_progress = "
      "EXCLUDED.fc_in_progress, fc_completed = EXCLUDED.fc_completed, fc_failed = "
      "EXCLUDED.fc_failed, fc_total = EXCLUDED.fc_total, expires_anchor = EXCLUDED.expires_anchor, "
      "expires_days = EXCLUDED.expires_days, metadata = EXCLUDED.metadata";
  const FileCounts& c = s.file_counts;
  std::lock_guard lock(mu_);
  return client_
      ->Exec(
          sql,
          {s.id, s.name, std::to_string(s.created_at), s.status, s.backend_type,
           std::to_string(c.in_progress), std::to_string(c.completed), std::to_string(c.failed),
           std::to_string(c.total), anchor, days, s.metadata ? CompactJson(*s.metadata) : "null"},
          error)
      .has_value();
}

bool PostgresRegistry::Delete(const std::string& id, std::string& error) {
  std::lock_guard lock(mu_);
  return client_->Exec("DELETE FROM " + table_ + " WHERE id = $1", {id}, error).has_value();
}

bool PostgresRegistry::List(std::vector<VectorStore>& out, std::string& error) {
  std::optional<postgres::Rows> rows;
  {
    std::lock_guard lock(mu_);
    rows = client_->Exec(
        std::string("SELECT ") + kColumns + " FROM " + table_ + " ORDER BY created_at DESC", {},
        error);
  }
  if (!rows) return false;
  out.clear();
  for (const auto& r : rows->rows) {
    if (r.size() != 12 || !r[0]) continue;
    VectorStore s;
    s.id = *r[0];
    s.name = r[1].value_or("");
    s.created_at = Integer(r[2]);
    s.status = r[3].value_or("active");
    s.backend_type = r[4].value_or("");
    s.file_counts = {static_cast<int>(Integer(r[5])), static_cast<int>(Integer(r[6])),
                     static_cast<int>(Integer(r[7])), static_cast<int>(Integer(r[8]))};
    const std::string anchor = r[9].value_or("");
    const int64_t days = Integer(r[10]);
    if (!anchor.empty() || days != 0)
      s.expires_after = json::object{{"anchor", anchor}, {"days", days}};
    if (r[11]) {
      boost::system::error_code ec;
      json::value m = json::parse(*r[11], ec);
      if (!ec && m.is_object()) s.metadata = std::move(m.as_object());
    }
    out.push_back(std::move(s));
  }
  return true;
}

bool PostgresRegistry::SaveFile(const FileRecord& f, std::string& error) {
  std::lock_guard lock(mu_);
  return client_
      ->Exec(
          "INSERT INTO file_registry (id, bytes, created_at, filename, purpose, status) "
          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET bytes = "
          "EXCLUDED.bytes, filename = EXCLUDED.filename, purpose = EXCLUDED.purpose, status = "
          "EXCLUDED.status",
          {f.id, std::to_string(f.bytes), std::to_string(f.created_at), f.filename, f.purpose,
           f.status},
          error)
      .has_value();
}

bool PostgresRegistry::DeleteFile(const std::string& id, std::string& error) {
  std::lock_guard lock(mu_);
  return client_->Exec("DELETE FROM file_registry WHERE id = $1", {id}, error).has_value();
}

}  // namespace vsr::vectorstore
