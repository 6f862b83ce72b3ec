#include "server/response_store.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/unix_time.h"

namespace vsr::server {

namespace json = boost::json;

namespace {}  // namespace

ResponseStore::~ResponseStore() {
  mirror_.reset();
}  // its reader thread calls Apply

void ResponseStore::ShareThroughRedis(redis::StreamMirrorOptions options,
                                      std::function<void(const std::string&)> log) {
  mirror_ = std::make_unique<redis::StreamMirror>(
      std::move(options), [this](const redis::StreamMirror::Entry& e) { Apply(e); },
      std::move(log));
}

std::string ResponseStore::description() const {
  return mirror_ ? "memory, shared through " + mirror_->name() : "memory";
}

void ResponseStore::PutLocked(const std::string& id, StoredResponse r) {
  if (items_.insert_or_assign(id, std::move(r)).second) order_.push_back(id);
  while (items_.size() > max_ && !order_.empty()) {
    items_.erase(order_.front());
    order_.pop_front();
  }
}

void ResponseStore::Put(const std::string& id, StoredResponse r) {
  r.expires = std::chrono::steady_clock::now() + ttl_;
  if (mirror_) {
    const json::object record{
        {"response", r.response}, {"messages", r.messages}, {"input_items", r.input_items}};
    mirror_->Publish({{"op", "put"},
                      {"id", id},
                      {"r", CompactJson(record)},
                      {"x", std::to_string(UnixMillis() + ttl_.count() * 1000)}});
  }
  std::lock_guard lock(mu_);
  PutLocked(id, std::move(r));
}

std::optional<StoredResponse> ResponseStore::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() > it->second.expires) {
    items_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

bool ResponseStore::Delete(const std::string& id) {
  if (mirror_) mirror_->Publish({{"op", "delete"}, {"id", id}});
  std::lock_guard lock(mu_);
  return items_.erase(id) > 0;
}

void ResponseStore::Apply(const redis::StreamMirror::Entry& fields) {
  const auto field = [&fields](const char* name) {
    const std::string* value = redis::StreamMirror::Field(fields, name);
    return value != nullptr ? *value : std::string();
  };
  const std::string op = field("op"), id = field("id");
  if (id.empty()) return;
  if (op == "delete") {
    std::lock_guard lock(mu_);
    items_.erase(id);
    return;
  }
  if (op != "put") return;
  const int64_t left_ms = std::strtoll(field("x").c_str(), nullptr, 10) - UnixMillis();
  if (left_ms <= 0) return;  // expired while in the stream
  boost::system::error_code ec;
  json::value record = json::parse(field("r"), ec);
  if (ec || !record.is_object()) return;
  json::object& o = record.as_object();
  StoredResponse r;
  if (json::value* v = o.if_contains("response"); v && v->is_object()) r.response = v->as_object();
  if (json::value* v = o.if_contains("messages"); v && v->is_array()) r.messages = v->as_array();
  if (json::value* v = o.if_contains("input_items"); v && v->is_array())
    r.input_items = v->as_array();
  r.expires = std::chrono::steady_clock::now() + std::chrono::milliseconds(left_ms);
  std::lock_guard lock(mu_);
  PutLocked(id, std::move(r));
}

std::shared_ptr<ResponseStore> OpenResponseStore(const config::ResponseApiService& cfg,
                                                 std::function<void(const std::string&)> log,
                                                 std::string& note) {
  auto store = std::make_shared<ResponseStore>(static_cast<size_t>(std::max(1, cfg.max_responses)),
                                               std::chrono::seconds(std::max(1, cfg.ttl_seconds)));
  note.clear();
  if (!cfg.enabled || cfg.store_backend == "memory") return store;
  if (cfg.store_backend != "redis") {
    note = "response_api: store_backend '" + cfg.store_backend +
           "' is not available in this build (use memory or redis); responses are kept in this "
           "router's memory";
    return store;
  }
  // Upstream's default store is redis; without an address (a first run) memory is the store.
  if (cfg.redis.address.empty()) return store;
  redis::StreamMirrorOptions options;
  options.what = "response_api";
  std::string error;
  if (!redis::ParseAddress(cfg.redis.address, options.endpoint, error)) {
    note = "response_api: redis.address: " + error + "; responses are kept in this router's memory";
    return store;
  }
  if (!cfg.redis.password.empty()) options.endpoint.password = cfg.redis.password;
  if (cfg.redis.db != 0) options.endpoint.database = cfg.redis.db;
  if (cfg.redis.tls_enabled) {
    options.endpoint.tls.enabled = true;
    options.endpoint.tls.ca_file = cfg.redis.tls_ca_path;
    options.endpoint.tls.cert_file = cfg.redis.tls_cert_path;
    options.endpoint.tls.key_file = cfg.redis.tls_key_path;
  }
  if (cfg.redis.dial_timeout > 0) options.endpoint.timeout_ms = cfg.redis.dial_timeout * 1000;
  std::string prefix = cfg.redis.key_prefix.empty() ? "sr:" : cfg.redis.key_prefix;
  if (prefix.back() != ':') prefix += ':';
  options.stream_key = prefix + "responses";
  options.max_len = static_cast<size_t>(std::max(1, cfg.max_responses));
  store->ShareThroughRedis(std::move(options), std::move(log));
  return store;
}

}  // namespace vsr::server
