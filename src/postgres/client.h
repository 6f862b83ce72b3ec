// A small synchronous PostgreSQL client over libpq: one connection, parameterized statements
// ($1, $2, … sent apart from the SQL text, never spliced into it), results as text values,
// one reconnect-and-retry when the connection broke. Callers keep it off the request path
// (router replay uses it from its writer thread).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;

namespace vsr::postgres {

// upstream's postgres block (router_replay.postgres, vector_store.metadata_postgres) with its
// defaults: localhost:5432, ssl_mode disable.
struct Endpoint {
  std::string host = "localhost";
  int port = 5432;
  std::string database, user, password;
  std::string ssl_mode = "disable";  // disable | require | verify-ca | verify-full | ...
  int connect_timeout_s = 5;
};

// The endpoint of one of upstream's postgres blocks (router_replay.postgres,
// vector_store.metadata_postgres: fields host, port, database, user, password, ssl_mode), the
// defaults where they are empty.
template <class Settings>
Endpoint EndpointFrom(const Settings& s) {
  Endpoint e;
  if (!s.host.empty()) e.host = s.host;
  if (s.port > 0) e.port = s.port;
  if (!s.ssl_mode.empty()) e.ssl_mode = s.ssl_mode;
  e.database = s.database;
  e.user = s.user;
  e.password = s.password;
  return e;
}

// A table name upstream accepts ([A-Za-z_][A-Za-z0-9_]*): names are part of the SQL text, so
// nothing else may reach it.
bool ValidIdentifier(std::string_view name);

struct Rows {
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: SQL NULL
  long long affected = 0;                                     // INSERT/UPDATE/DELETE
};

class Client;

// A connection for a store that keeps its rows in `table`, after checking the settings found at
// `config_path` (e.g. "router_replay.postgres"): database and user given, the table name an
// identifier. Null with `error` naming the field to fix, or the server's answer.
std::unique_ptr<Client> ConnectForTable(const Endpoint& endpoint, const std::string& table,
                                        const std::string& config_path, std::string& error);

class Client {
 public:
  // Connects; null with `error` (the server's message, never the password).
  static std::unique_ptr<Client> Connect(const Endpoint& endpoint, std::string& error);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one statement (or several without parameters); nullopt with `error` when it failed.
  std::optional<Rows> Exec(const std::string& sql, const std::vector<std::string>& params,
                           std::string& error);
  // "postgres user@host:port/database", for log lines.
  std::string name() const;

 private:
  Client(pg_conn* conn, Endpoint endpoint) : conn_(conn), endpoint_(std::move(endpoint)) {}
  std::optional<Rows> ExecOnce(const std::string& sql, const std::vector<std::string>& params,
                               std::string& error);

  pg_conn* conn_;
  Endpoint endpoint_;
};

}  // namespace vsr::postgres
