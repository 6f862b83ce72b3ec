// Replay records in Milvus (router_replay.store_backend: milvus), in upstream's collection
// (router_replay_records unless milvus.collection_name says otherwise): id (primary),
// timestamp (Unix seconds), data (the record's JSON) and the two-dimensional zero vector Milvus
// requires of every collection, made with upstream's indexes when missing — so upstream's
// router and this one read each other's records. A record must fit the data field's 65,535
// bytes: longer bodies are cut (and marked truncated) until it does. At most 16,384 records
// are read back at start (Milvus's query window). Over Milvus's REST API (src/milvus).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "milvus/rest.h"
#include "replay/store.h"

namespace vsr::replay {

class MilvusPersistence final : public Persistence {
 public:
  // Makes the collection when missing; null with `error` when Milvus cannot be used.
  static std::unique_ptr<MilvusPersistence> Open(const config::ReplayMilvus& settings,
                                                 std::string& error);

  std::string name() const override;
  bool Load(std::vector<ReplayRecord>& out, std::string& error) override;
  bool Save(const ReplayRecord& record, std::string& error) override;
  bool SaveAll(const std::vector<const ReplayRecord*>& records, std::string& error) override;
  bool Erase(const std::string& id, std::string& error) override;

 private:
  MilvusPersistence(milvus::Rest rest, std::string collection)
      : rest_(std::move(rest)), collection_(std::move(collection)) {}

  milvus::Rest rest_;
  std::string collection_;
};

// The record's JSON as upstream's data field holds it: at most `max_bytes`, the request and
// response bodies cut (and marked truncated) as far as needed.
std::string FittedRecordJson(ReplayRecord record, size_t max_bytes);

}  // namespace vsr::replay
