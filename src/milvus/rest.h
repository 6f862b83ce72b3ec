// Milvus's REST API (v2, served on the same port as its gRPC API), blocking: for the stores that
// keep data in Milvus from their own threads (memory's mirror, the vector store's ingestion),
// never from the request path. Only what those stores use: a call that unwraps Milvus's
// {code, message, data} envelope, and a query read page by page.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace vsr::milvus {

// Milvus serves at most this many rows through one query (offset + limit).
inline constexpr int64_t kQueryWindow = 16384;

class Rest {
 public:
  // `address`: host:port, or a URL (http://host:port). `token`: sent as a bearer token when
  // set (Milvus with authentication: "user:password").
  explicit Rest(const std::string& address,
                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::string token = "");

  // POST <base>/v2/vectordb/<path>: true with the reply's `data`, or false with why (the HTTP
  // failure, or Milvus's code and message).
  bool Call(const std::string& path, boost::json::object body, boost::json::value& data,
            std::string& error) const;
  // Every row of `collection` matching `filter` (up to kQueryWindow), `row` called for each.
  bool QueryAll(const std::string& collection, const std::string& filter,
                const boost::json::array& output_fields,
                const std::function<void(const boost::json::object&)>& row,
                std::string& error) const;
  // Whether `collection` exists.
  bool Has(const std::string& collection, bool& has, std::string& error) const;
  // Makes `collection` with `create` (a collections/create body) when it does not exist, else
  // loads it (Milvus answers queries on loaded collections only; a new one with indexParams is
  // loaded already). Another process making it at the same moment is not an error.
  bool EnsureCollection(const std::string& collection, boost::json::object create,
                        std::string& error) const;
  const std::string& base() const { return base_; }

 private:
  std::string base_;
  std::chrono::milliseconds timeout_;
  std::string token_;
};

// Fields of a collections/create schema: a VarChar of `max_length` bytes (the primary key when
// `primary`), a FloatVector of `dim`, a scalar of `type` (Int64, Float, ...).
boost::json::object VarCharField(const char* name, int64_t max_length, bool primary = false);
boost::json::object VectorField(const char* name, int64_t dim);
boost::json::object ScalarField(const char* name, const char* type);

// Milvus's base URL from a config's connection: http(s)://host:port, host default localhost,
// port default 19530 (upstream's defaults).
std::string BaseUrl(const std::string& host, int port, bool tls);

// A string literal for a Milvus filter expression ("…", with quotes and backslashes escaped).
std::string Quoted(const std::string& s);

}  // namespace vsr::milvus
