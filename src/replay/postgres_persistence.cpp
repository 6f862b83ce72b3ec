#include "replay/postgres_persistence.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/utf8.h"

namespace vsr::replay {

namespace json = boost::json;

namespace {

constexpr const char* kDefaultTable = "router_replay_records";
constexpr int kMaxLoaded = 100000;

struct Column {
  const char* name;
  const char* type;  // SQL type with its default
  const char* zero;  // JSON written when the record has no value; nullptr: NULL is fine
  bool written;      // this router writes it (else only upstream's rows carry it)
};

// Upstream's columns (names and types are its contract), then this router's own.
constexpr Column kColumns[] = {
    {"request_id", "VARCHAR(255)", "\"\"", true},
    {"decision", "VARCHAR(255)", "\"\"", true},
    {"decision_tier", "INTEGER DEFAULT 0", "0", true},
    {"decision_priority", "INTEGER DEFAULT 0", "0", true},
    {"category", "VARCHAR(255)", "\"\"", true},
    {"original_model", "VARCHAR(255)", "\"\"", true},
    {"selected_model", "VARCHAR(255)", "\"\"", true},
    {"reasoning_mode", "VARCHAR(255)", "\"\"", true},
    {"signals", "JSONB", "{}", true},
    {"projections", "JSONB", "[]", true},
    {"projection_scores", "JSONB", "{}", true},
    {"signal_confidences", "JSONB", "{}", true},
    {"signal_values", "JSONB", nullptr, false},
    {"tool_trace", "JSONB", nullptr, false},
    {"request_body", "TEXT", "\"\"", true},
    {"response_body", "TEXT", "\"\"", true},
    {"response_status", "INTEGER", "0", true},
    {"from_cache", "BOOLEAN DEFAULT FALSE", "false", true},
    {"streaming", "BOOLEAN DEFAULT FALSE", "false", true},
    {"request_body_truncated", "BOOLEAN DEFAULT FALSE", "false", true},
    {"response_body_truncated", "BOOLEAN DEFAULT FALSE", "false", true},
    {"guardrails_enabled", "BOOLEAN DEFAULT FALSE", "false", true},
    {"jailbreak_enabled", "BOOLEAN DEFAULT FALSE", "false", true},
    {"pii_enabled", "BOOLEAN DEFAULT FALSE", "false", true},
    {"prompt", "TEXT", "\"\"", true},
    {"prompt_truncated", "BOOLEAN DEFAULT FALSE", "false", true},
    {"tool_definitions", "TEXT", "\"\"", true},
    {"tool_definitions_truncated", "BOOLEAN DEFAULT FALSE", "false", true},
    {"rag_enabled", "BOOLEAN DEFAULT FALSE", "false", true},
    {"rag_backend", "VARCHAR(255)", "\"\"", true},
    {"rag_context_length", "INTEGER DEFAULT 0", "0", true},
    {"rag_similarity_score", "REAL DEFAULT 0", "0", true},
    {"hallucination_enabled", "BOOLEAN DEFAULT FALSE", "false", true},
    {"hallucination_detected", "BOOLEAN DEFAULT FALSE", "false", true},
    {"hallucination_confidence", "REAL DEFAULT 0", "0", true},
    {"hallucination_spans", "JSONB", "[]", true},
    {"prompt_tokens", "INTEGER", nullptr, true},
    {"completion_tokens", "INTEGER", nullptr, true},
    {"total_tokens", "INTEGER", nullptr, true},
    {"actual_cost", "DOUBLE PRECISION", nullptr, true},
    {"baseline_cost", "DOUBLE PRECISION", nullptr, true},
    {"cost_savings", "DOUBLE PRECISION", nullptr, true},
    {"currency", "VARCHAR(32)", nullptr, true},
    {"baseline_model", "VARCHAR(255)", nullptr, true},
    {"session_id", "VARCHAR(255)", nullptr, true},
    {"turn_index", "INTEGER", nullptr, true},
    {"previous_response_id", "VARCHAR(255)", nullptr, true},
    {"conversation_id", "VARCHAR(255)", nullptr, false},
    // Ours: upstream's router ignores columns it does not select.
    {"confidence_score", "DOUBLE PRECISION", nullptr, true},
    {"selection_method", "VARCHAR(255)", nullptr, true},
    {"response_jailbreak_detected", "BOOLEAN DEFAULT FALSE", "false", true},
    {"response_jailbreak_type", "VARCHAR(255)", nullptr, true},
    {"response_jailbreak_confidence", "REAL", nullptr, true},
    {"latency_ms", "DOUBLE PRECISION", nullptr, true},
};

// Valid UTF-8 without NUL: what a PostgreSQL text value (and a jsonb string) can hold.
void MakeStorable(std::string& s) {
  bool plain = true;
  for (char c : s) {
    if (c == '\0' || static_cast<unsigned char>(c) >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t c = utf8::Next(s, i);
    if (c == 0 || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = 0xFFFD;
    utf8::Append(out, c);
  }
  s = std::move(out);
}

void MakeStorable(json::value& v) {
  if (json::string* s = v.if_string()) {
    std::string text(*s);
    MakeStorable(text);
    *s = text;
  } else if (json::array* a = v.if_array()) {
    for (json::value& e : *a) MakeStorable(e);
  } else if (json::object* o = v.if_object()) {
    json::object clean;
    for (auto& [k, e] : *o) {
      std::string key(k);
      MakeStorable(key);
      MakeStorable(e);
      clean[key] = std::move(e);
    }
    *o = std::move(clean);
  }
}

}  // namespace

json::object PostgresRow(const ReplayRecord& record) {
  json::value row = ToJson(record);
  MakeStorable(row);
  json::object& o = row.as_object();
  for (const Column& c : kColumns) {
    if (c.zero != nullptr && c.written && !o.contains(c.name)) o[c.name] = json::parse(c.zero);
  }
  o["created_at"] = o["timestamp"];
  return std::move(o);
}

std::unique_ptr<PostgresPersistence> PostgresPersistence::Open(
    const config::PostgresConnection& settings, std::string& error) {
  const postgres::Endpoint endpoint = postgres::EndpointFrom(settings);
  const std::string table = settings.table_name.empty() ? kDefaultTable : settings.table_name;
  std::unique_ptr<postgres::Client> client =
      postgres::ConnectForTable(endpoint, table, "router_replay.postgres", error);
  if (!client) return nullptr;
  std::unique_ptr<PostgresPersistence> p(new PostgresPersistence(std::move(client), table));
  if (!p->CreateTable(error)) return nullptr;
  return p;
}

PostgresPersistence::PostgresPersistence(std::unique_ptr<postgres::Client> client,
                                         std::string table)
    : client_(std::move(client)), table_(std::move(table)) {
  // Rows are filled from the record's JSON by name (jsonb_populate_record), so one statement
  // serves every field; the table name was checked to be an identifier.
  std::string columns = "id, timestamp, created_at", updates;
  for (const Column& c : kColumns) {
    if (!c.written) continue;
    columns += std::string(", ") + c.name;
    updates += std::string(updates.empty() ? "" : ", ") + c.name + " = EXCLUDED." + c.name;
  }
  const auto upsert = [&](const std::string& rows) {
    return "INSERT INTO " + table_ + " (" + columns + ") SELECT " + columns + " FROM " + rows +
           " ON CONFLICT (id) DO UPDATE SET timestamp = EXCLUDED.timestamp, " + updates;
  };
  save_sql_ = upsert("jsonb_populate_record(NULL::" + table_ + ", $1::jsonb)");
  save_all_sql_ = upsert("jsonb_populate_recordset(NULL::" + table_ + ", $1::jsonb)");
  load_sql_ =
      "SELECT jsonb_strip_nulls(to_jsonb(r) || jsonb_build_object('timestamp', "
      "to_char(r.timestamp, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')))::text FROM (SELECT * FROM " +
      table_ + " ORDER BY timestamp DESC, id DESC LIMIT " + std::to_string(kMaxLoaded) +
      ") r ORDER BY r.timestamp, r.id";
  erase_sql_ = "DELETE FROM " + table_ + " WHERE id = $1";
}

bool PostgresPersistence::CreateTable(std::string& error) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table_ +
                    " (id VARCHAR(255) PRIMARY KEY, timestamp TIMESTAMP NOT NULL, "
                    "created_at TIMESTAMP DEFAULT NOW());\n";
  // Column by column, so that a table an older router (or upstream) made gains what is new.
  for (const Column& c : kColumns) {
    sql += "ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS " + c.name + " " + c.type + ";\n";
  }
  const std::pair<const char*, const char*> indexes[] = {
      {"timestamp", "timestamp DESC"},
      {"created_at", "created_at"},
      {"request_id", "request_id"},
      {"decision_timestamp", "decision, timestamp DESC"},
      {"selected_model_timestamp", "selected_model, timestamp DESC"},
      {"session_timestamp", "session_id, timestamp DESC"}};
  for (const auto& [suffix, columns] : indexes) {
    sql += "CREATE INDEX IF NOT EXISTS idx_" + table_ + "_" + suffix + " ON " + table_ + " (" +
           columns + ");\n";
  }
  if (!client_->Exec(sql, {}, error)) {
    error = "cannot create table " + table_ + " in " + client_->name() + ": " + error;
    return false;
  }
  return true;
}

bool PostgresPersistence::Load(std::vector<ReplayRecord>& out, std::string& error) {
  const std::optional<postgres::Rows> rows = client_->Exec(load_sql_, {}, error);
  if (!rows) return false;
  out.clear();
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    if (row.empty() || !row[0]) continue;
    boost::system::error_code ec;
    json::value v = json::parse(*row[0], ec);
    if (!ec && v.is_object()) out.push_back(FromJson(v.as_object()));
  }
  return true;
}

bool PostgresPersistence::Save(const ReplayRecord& record, std::string& error) {
  return client_->Exec(save_sql_, {CompactJson(PostgresRow(record))}, error).has_value();
}

bool PostgresPersistence::SaveAll(const std::vector<const ReplayRecord*>& records,
                                  std::string& error) {
  json::array rows;
  rows.reserve(records.size());
  for (const ReplayRecord* r : records) rows.push_back(PostgresRow(*r));
  return client_->Exec(save_all_sql_, {CompactJson(rows)}, error).has_value();
}

bool PostgresPersistence::Erase(const std::string& id, std::string& error) {
  return client_->Exec(erase_sql_, {id}, error).has_value();
}

}  // namespace vsr::replay
