#include "cache/milvus_replication.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/replica_tag.h"
#include "common/unix_time.h"
#include "common/utf8.h"

namespace vsr::cache {

namespace json = boost::json;

namespace {

// Upstream's column sizes (bytes).
constexpr size_t kMaxScope = 256, kMaxText = 65535;
// Rows whose timestamp is this much older than the newest one read are still looked for:
// another router's insert can land after a newer row (its clock, its network).
constexpr int64_t kLateSeconds = 10;
// Ids per `id in [...]` read.
constexpr size_t kFetchChunk = 64;

// Milvus takes VarChar values as JSON strings: valid UTF-8 only (an invalid row would fail the
// whole insert). Text is kept byte for byte, so a row that is not valid UTF-8 is not shared.
bool ValidUtf8(const std::string& s) {
  std::string again;
  again.reserve(s.size());
  for (size_t i = 0; i < s.size();) utf8::Append(again, utf8::Next(s, i));
  return again == s;
}

int64_t Int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  // Milvus's REST API may send Int64 values as strings (precision in JavaScript clients).
  if (v->is_string()) return std::strtoll(v->as_string().c_str(), nullptr, 10);
  return 0;
}

}  // namespace

MilvusReplication::MilvusReplication(SemanticCache* cache, MilvusReplicationOptions options,
                                     Log log)
    : cache_(cache),
      options_(std::move(options)),
      log_(std::move(log)),
      rest_(options_.address, options_.timeout, options_.token),
      origin_(ReplicaTag()),
      queue_(options_.queue_limit) {
  thread_ = std::thread([this] { Loop(); });
}

MilvusReplication::~MilvusReplication() {
  queue_.Stop();
  thread_.join();
}

void MilvusReplication::Publish(const std::string& scope, const std::string& question,
                                const std::vector<float>& embedding, const std::string& answer,
                                int ttl_seconds) {
  // Upstream's columns bound what can be shared; a longer entry stays in this router.
  if (scope.size() > kMaxScope || question.size() > kMaxText || answer.size() > kMaxText) {
    ++dropped_;
    return;
  }
  if (!queue_.Push({scope, question, answer, embedding, std::max(0, ttl_seconds), UnixSeconds()}))
    ++dropped_;
}

std::string MilvusReplication::name() const {
  return options_.kind + " at " + rest_.base() + " (collection " + options_.collection + ")";
}

void MilvusReplication::Warn(const std::string& what) {
  if (!warned_ && log_) log_("semantic cache: " + what + " (retrying)");
  warned_ = true;
}

bool MilvusReplication::Prepare(std::string& error) {
  if (options_.drop_on_start) {
    bool has = false;
    if (!rest_.Has(options_.collection, has, error)) return false;
    json::value data;
    if (has &&
        !rest_.Call("collections/drop", {{"collectionName", options_.collection}}, data, error)) {
      return false;
    }
    if (has && log_) {
      log_("semantic cache: dropped milvus collection " + options_.collection +
           " (development.drop_collection_on_startup)");
    }
    options_.drop_on_start = false;  // once per start, not after each reconnect
  }
  if (!options_.auto_create) {
    bool has = false;
    if (!rest_.Has(options_.collection, has, error)) return false;
    if (!has) {
      error = "milvus collection " + options_.collection +
              " does not exist and development.auto_create_collection is false: create it, or "
              "set auto_create_collection: true; until then entries stay in this router";
      return false;
    }
  }
  json::array fields{milvus::VarCharField("id", 64, /*primary=*/true),
                     milvus::VarCharField("request_id", 64),
                     milvus::VarCharField("model", kMaxScope),
                     milvus::VarCharField("query", kMaxText),
                     milvus::VarCharField("request_body", kMaxText),
                     milvus::VarCharField("response_body", kMaxText),
                     milvus::VectorField(options_.vector_field.c_str(), options_.dimension),
                     milvus::ScalarField("timestamp", "Int64"),
                     milvus::ScalarField("ttl_seconds", "Int64"),
                     milvus::ScalarField("expires_at", "Int64")};
  json::object create{
      {"collectionName", options_.collection},
      {"description", options_.description},
      {"schema", json::object{{"autoId", false}, {"fields", std::move(fields)}}},
      {"indexParams",
       json::array{json::object{{"fieldName", options_.vector_field},
                                {"indexName", options_.vector_field},
                                {"metricType", options_.metric_type},
                                {"indexType", options_.index_type},
                                {"params",
                                 json::object{{"M", options_.index_m},
                                              {"efConstruction", options_.index_ef_construction}}}},
                   // Each poll filters on timestamp: a sorted index keeps that from scanning.
                   json::object{{"fieldName", "timestamp"},
                                {"indexName", "timestamp_idx"},
                                {"indexType", "STL_SORT"}}}}};
  return rest_.EnsureCollection(options_.collection, std::move(create), error);
}

bool MilvusReplication::Insert(std::vector<Pending>& rows, std::string& error) {
  json::array data;
  for (Pending& p : rows) {
    if (!ValidUtf8(p.scope) || !ValidUtf8(p.question) || !ValidUtf8(p.answer)) {
      ++dropped_;
      continue;
    }
    // Exact-match entries (no embedding, or another model's size) carry a zero vector: it is
    // never similar to anything, in this router or in a Milvus search.
    if (p.embedding.size() != static_cast<size_t>(options_.dimension))
      p.embedding.assign(static_cast<size_t>(options_.dimension), 0.0f);
    const int64_t expires = p.ttl_seconds > 0 ? p.at + p.ttl_seconds : 0;
    data.push_back(json::object{{"id", Hex64(Random64()) + Hex64(++next_id_)},
                                {"request_id", origin_},
                                {"model", p.scope},
                                {"query", p.question},
                                {"request_body", ""},
                                {"response_body", p.answer},
                                {options_.vector_field, FloatArray(p.embedding)},
                                {"timestamp", p.at},
                                {"ttl_seconds", p.ttl_seconds},
                                {"expires_at", expires}});
  }
  if (data.empty()) return true;
  const size_t n = data.size();
  json::value reply;
  if (!rest_.Call("entities/insert",
                  {{"collectionName", options_.collection}, {"data", std::move(data)}}, reply,
                  error)) {
    dropped_ += n;
    return false;
  }
  published_ += n;
  return true;
}

bool MilvusReplication::Poll(std::string& error) {
  const int64_t now = UnixSeconds();
  // Which rows are new: ids and times first (small), whole rows only for those.
  struct Candidate {
    std::string id;
    int64_t at;
  };
  std::vector<Candidate> fresh;
  const std::string filter = polled_once_
                                 ? "timestamp >= " + std::to_string(newest_seen_ - kLateSeconds)
                                 : std::string("id != \"\"");
  int64_t newest = newest_seen_;
  const bool ok = rest_.QueryAll(
      options_.collection, filter, json::array{"id", "request_id", "timestamp", "expires_at"},
      [&](const json::object& row) {
        std::string id = TextField(row, "id");
        const int64_t at = Int(row, "timestamp"), expires = Int(row, "expires_at");
        newest = std::max(newest, at);
        if (id.empty() || !seen_.emplace(id, at).second) return;
        if (TextField(row, "request_id") == origin_) return;  // this router's own
        if (expires > 0 && expires <= now) return;
        fresh.push_back({std::move(id), at});
      },
      error);
  if (!ok) return false;
  newest_seen_ = newest;
  polled_once_ = true;
  std::erase_if(seen_, [&](const auto& kv) { return kv.second < newest_seen_ - kLateSeconds; });
  // Oldest first, so the cache's eviction keeps the newest; at most max_entries.
  std::sort(fresh.begin(), fresh.end(),
            [](const Candidate& a, const Candidate& b) { return a.at < b.at; });
  if (fresh.size() > options_.max_entries)
    fresh.erase(fresh.begin(), fresh.end() - static_cast<long>(options_.max_entries));
  const json::array fields{"id",        "model", "query", "response_body", options_.vector_field,
                           "expires_at"};
  for (size_t begin = 0; begin < fresh.size(); begin += kFetchChunk) {
    std::string in = "id in [";
    const size_t end = std::min(fresh.size(), begin + kFetchChunk);
    for (size_t i = begin; i < end; ++i) in += (i > begin ? "," : "") + milvus::Quoted(fresh[i].id);
    in += "]";
    std::map<std::string, json::object> rows;
    if (!rest_.QueryAll(
            options_.collection, in, fields,
            [&](const json::object& row) { rows[TextField(row, "id")] = row; }, error)) {
      // Not applied: read again at the next poll.
      for (size_t i = begin; i < fresh.size(); ++i) seen_.erase(fresh[i].id);
      return false;
    }
    for (size_t i = begin; i < end; ++i) {
      auto it = rows.find(fresh[i].id);
      if (it == rows.end()) continue;  // deleted meanwhile
      const json::object& row = it->second;
      const int64_t expires = Int(row, "expires_at");
      const int ttl = expires > 0 ? static_cast<int>(std::max<int64_t>(1, expires - now)) : 0;
      std::vector<float> embedding;
      if (const json::value* v = row.if_contains(options_.vector_field)) embedding = FloatsOf(*v);
      if (std::all_of(embedding.begin(), embedding.end(), [](float x) { return x == 0.0f; }))
        embedding.clear();  // an exact-match entry
      cache_->StoreReplica(TextField(row, "model"), TextField(row, "query"), embedding,
                           TextField(row, "response_body"), ttl);
      ++applied_;
    }
  }
  return true;
}

bool MilvusReplication::DeleteExpired(std::string& error) {
  json::value data;
  return rest_.Call("entities/delete",
                    {{"collectionName", options_.collection},
                     {"filter", "expires_at > 0 && expires_at < " + std::to_string(UnixSeconds())}},
                    data, error);
}

void MilvusReplication::Loop() {
  using Clock = HandoffQueue<Pending>::Clock;
  const auto poll_every = std::chrono::milliseconds(std::max(10, options_.poll_ms));
  const auto backoff = std::max(poll_every, std::chrono::milliseconds(500));
  const auto cleanup_every = std::chrono::seconds(std::max(1, options_.cleanup_seconds));
  auto next_poll = Clock::now(), next_cleanup = Clock::now() + cleanup_every;
  for (;;) {
    std::string error;
    bool failed = false;
    if (!prepared_) {
      prepared_ = Prepare(error);
      failed = !prepared_;
    }
    if (prepared_) {
      std::vector<Pending> rows = queue_.Pop(std::max<size_t>(1, options_.batch), Clock::now());
      if (!rows.empty() && !Insert(rows, error)) failed = true;
      if (!failed && Clock::now() >= next_poll) {
        failed = !Poll(error);
        next_poll = Clock::now() + poll_every;
      }
      if (!failed && Clock::now() >= next_cleanup) {
        failed = !DeleteExpired(error);
        next_cleanup = Clock::now() + cleanup_every;
      }
      // A restarted Milvus keeps the collection released: load it again before the next read.
      if (failed) prepared_ = false;
    }
    if (failed) {
      Warn(error);
      // Entries queued meanwhile wait for the backoff; at shutdown they are not retried.
      if (!queue_.Sleep(backoff)) return;
      continue;
    }
    if (warned_) {
      if (log_) log_("semantic cache: " + name() + " is reachable again");
      warned_ = false;
    }
    if (!queue_.WaitUntil(next_poll)) return;
  }
}

}  // namespace vsr::cache
