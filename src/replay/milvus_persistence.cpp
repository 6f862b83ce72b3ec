#include "replay/milvus_persistence.h"

#include <boost/json.hpp>

#include "common/json_text.h"
#include "common/utf8.h"

namespace vsr::replay {

namespace json = boost::json;

namespace {

constexpr const char* kDefaultCollection = "router_replay_records";
constexpr size_t kMaxDataBytes = 65535;  // the data field's max_length

json::object Row(const ReplayRecord& r) {
  return {{"id", r.id},
          {"timestamp", r.timestamp_ns / 1000000000},
          {"data", FittedRecordJson(r, kMaxDataBytes)},
          {"vector", json::array{0.0, 0.0}}};
}

}  // namespace

std::string FittedRecordJson(ReplayRecord record, size_t max_bytes) {
  std::string text = CompactJson(ToJson(record));
  // Halve the longer body until the record fits (JSON escaping makes the size a guess).
  while (text.size() > max_bytes &&
         (!record.request_body.empty() || !record.response_body.empty())) {
    std::string& body = record.response_body.size() >= record.request_body.size()
                            ? record.response_body
                            : record.request_body;
    (&body == &record.response_body ? record.response_body_truncated
                                    : record.request_body_truncated) = true;
    body = std::string(utf8::Prefix(body, body.size() / 2));
    text = CompactJson(ToJson(record));
  }
  return text;
}

std::unique_ptr<MilvusPersistence> MilvusPersistence::Open(const config::ReplayMilvus& settings,
                                                           std::string& error) {
  const std::string address = settings.address.empty() ? "localhost:19530" : settings.address;
  const std::string token =
      settings.username.empty() ? "" : settings.username + ":" + settings.password;
  milvus::Rest rest(address, std::chrono::seconds(10), token);
  const std::string collection =
      settings.collection_name.empty() ? kDefaultCollection : settings.collection_name;
  json::array fields{milvus::VarCharField("id", 255, /*primary=*/true),
                     milvus::ScalarField("timestamp", "Int64"),
                     milvus::VarCharField("data", kMaxDataBytes), milvus::VectorField("vector", 2)};
  json::object create{
      {"collectionName", collection},
      {"description", "Router replay records"},
      {"schema", json::object{{"autoId", false}, {"fields", std::move(fields)}}},
      {"indexParams", json::array{json::object{{"fieldName", "vector"},
                                               {"indexName", "vector"},
                                               {"metricType", "L2"},
                                               {"indexType", "AUTOINDEX"}},
                                  json::object{{"fieldName", "timestamp"},
                                               {"indexName", "timestamp_idx"},
                                               {"indexType", "STL_SORT"}}}},
      {"params", json::object{{"shardsNum", settings.shard_num > 0 ? settings.shard_num : 2}}}};
  if (!rest.EnsureCollection(collection, std::move(create), error)) return nullptr;
  return std::unique_ptr<MilvusPersistence>(new MilvusPersistence(std::move(rest), collection));
}

std::string MilvusPersistence::name() const {
  return "milvus " + rest_.base() + " collection " + collection_;
}

bool MilvusPersistence::Load(std::vector<ReplayRecord>& out, std::string& error) {
  out.clear();
  return rest_.QueryAll(
      collection_, "id != \"\"", json::array{"id", "data"},
      [&](const json::object& row) {
        boost::system::error_code ec;
        json::value v = json::parse(TextField(row, "data"), ec);
        if (!ec && v.is_object()) out.push_back(FromJson(v.as_object()));
      },
      error);
}

bool MilvusPersistence::Save(const ReplayRecord& record, std::string& error) {
  return SaveAll({&record}, error);
}

bool MilvusPersistence::SaveAll(const std::vector<const ReplayRecord*>& records,
                                std::string& error) {
  json::array rows;
  for (const ReplayRecord* r : records) rows.push_back(Row(*r));
  json::value data;
  return rest_.Call("entities/upsert", {{"collectionName", collection_}, {"data", std::move(rows)}},
                    data, error);
}

bool MilvusPersistence::Erase(const std::string& id, std::string& error) {
  json::value data;
  return rest_.Call(
      "entities/delete",
      {{"collectionName", collection_}, {"filter", "id in [" + milvus::Quoted(id) + "]"}}, data,
      error);
}

}  // namespace vsr::replay
