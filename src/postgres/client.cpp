#include "postgres/client.h"

#include <libpq-fe.h>

#include <cstdlib>

namespace vsr::postgres {

namespace {

// libpq's messages end with a newline; log lines do not.
std::string Message(const char* text) {
  std::string m = text != nullptr ? text : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown error" : m;
}

pg_conn* Open(const Endpoint& e, std::string& error) {
  const std::string port = std::to_string(e.port);
  const std::string timeout = std::to_string(e.connect_timeout_s);
  const char* keys[] = {"host",     "port",    "dbname",          "user",
                        "password", "sslmode", "connect_timeout", "application_name",
                        nullptr};
  const char* values[] = {e.host.c_str(),  port.c_str(),       e.database.c_str(),
                          e.user.c_str(),  e.password.c_str(), e.ssl_mode.c_str(),
                          timeout.c_str(), "vllm-sr",          nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, 0);
  if (conn == nullptr) {
    error = "cannot allocate a PostgreSQL connection";
    return nullptr;
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    error =
        "cannot connect to postgres " + e.host + ":" + port + ": " + Message(PQerrorMessage(conn));
    PQfinish(conn);
    return nullptr;
  }
  // Notices (e.g. "relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

}  // namespace

bool ValidIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;  // longer names are cut by the server
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::unique_ptr<Client> ConnectForTable(const Endpoint& endpoint, const std::string& table,
                                        const std::string& config_path, std::string& error) {
  if (endpoint.database.empty()) {
    error = config_path + ".database is required (the database to keep the rows in)";
    return nullptr;
  }
  if (endpoint.user.empty()) {
    error = config_path + ".user is required";
    return nullptr;
  }
  if (!ValidIdentifier(table)) {
    error = config_path + ".table_name '" + table +
            "' is not a table name (letters, digits and _, not starting with a digit)";
    return nullptr;
  }
  return Client::Connect(endpoint, error);
}

std::unique_ptr<Client> Client::Connect(const Endpoint& endpoint, std::string& error) {
  pg_conn* conn = Open(endpoint, error);
  if (conn == nullptr) return nullptr;
  return std::unique_ptr<Client>(new Client(conn, endpoint));
}

Client::~Client() {
  if (conn_ != nullptr) PQfinish(conn_);
}

std::string Client::name() const {
  return "postgres " + endpoint_.user + "@" + endpoint_.host + ":" +
         std::to_string(endpoint_.port) + "/" + endpoint_.database;
}

std::optional<Rows> Client::Exec(const std::string& sql, const std::vector<std::string>& params,
                                 std::string& error) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) {
    std::optional<Rows> rows = ExecOnce(sql, params, error);
    if (rows || PQstatus(conn_) == CONNECTION_OK) return rows;  // a statement error: no retry
  }
  // The connection broke (server restarted, idle timeout): once more on a new one.
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    error = "lost the connection to " + name() + ": " + Message(PQerrorMessage(conn_));
    return std::nullopt;
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return ExecOnce(sql, params, error);
}

std::optional<Rows> Client::ExecOnce(const std::string& sql, const std::vector<std::string>& params,
                                     std::string& error) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* result =
      params.empty() ? PQexec(conn_, sql.c_str())
                     : PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                    values.data(), nullptr, nullptr, /*resultFormat=*/0);
  if (result == nullptr) {
    error = Message(PQerrorMessage(conn_));
    return std::nullopt;
  }
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    error = Message(PQresultErrorMessage(result));
    PQclear(result);
    return std::nullopt;
  }
  Rows out;
  const int rows = PQntuples(result), columns = PQnfields(result);
  out.rows.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(result, r, c), static_cast<size_t>(PQgetlength(result, r, c))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(result);
  if (affected != nullptr && *affected != '\0') out.affected = std::atoll(affected);
  PQclear(result);
  return out;
}

}  // namespace vsr::postgres
