// The replay store: every record in memory (newest last), bounded per decision by the
// decision's max_records and globally by the TTL, with an optional durable backend that the
// store writes through to (off the request path) and reloads from at start. Reads — the replay
// API — never touch the backend, so a slow disk cannot stall the API or the data plane.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/hash_index.h"
#include "replay/record.h"
#include "replay/record_codec.h"

namespace vsr::replay {

// Where records outlive the process (SQLite file, Redis). Calls come from one writer thread.
class Persistence {
 public:
  virtual ~Persistence() = default;
  virtual std::string name() const = 0;
  virtual bool Load(std::vector<ReplayRecord>& out, std::string& error) = 0;
  virtual bool Save(const ReplayRecord& record, std::string& error) = 0;  // insert or replace
  virtual bool Erase(const std::string& id, std::string& error) = 0;
  // Several records at once (distinct ids), when a store writes them faster together (one
  // round trip, one commit); the default saves them one by one.
  virtual bool SaveAll(const std::vector<const ReplayRecord*>& records, std::string& error) {
    for (const ReplayRecord* r : records) {
      if (!Save(*r, error)) return false;
    }
    return true;
  }
};

class ReplayStore {
 public:
  using Log = std::function<void(const std::string&)>;
  // ttl_seconds <= 0: records never expire. `persistence` may be null (memory only).
  ReplayStore(int ttl_seconds, std::unique_ptr<Persistence> persistence, Log log = {});
  ~ReplayStore();  // flushes pending writes
  ReplayStore(const ReplayStore&) = delete;
  ReplayStore& operator=(const ReplayStore&) = delete;

  // Stores a new record (id and timestamp are set when empty), evicting the oldest record of
  // the same decision beyond `max_records`. Returns the id.
  std::string Add(ReplayRecord record, size_t max_records);
  // The same for a record packed already (PackRequestFields, its id and timestamp set): the
  // data plane's way in, which copies no field into a ReplayRecord unless a backend saves it.
  void AddPacked(std::string_view decision, int64_t timestamp_ns, PackedBlock packed,
                 size_t max_records);
  // Changes a stored record (not its id); false when it is gone (evicted, expired). `change`
  // runs outside the lock, on a copy, and runs again when another update of the same record
  // got in first.
  bool Update(const std::string& id, const std::function<void(ReplayRecord&)>& change);
  // Sets how a stored request ended: the outcome fields of `outcome` (record_codec.h says
  // which), leaving the others as recorded. The data plane's per-request update: unlike
  // Update it neither unpacks nor repacks the record. False when the record is gone.
  bool Complete(const std::string& id, const ReplayRecord& outcome);
  // The same with the outcome packed already (PackOutcome, PackOutcomeFields).
  bool Complete(std::string_view id, PackedBlock outcome);
  std::optional<ReplayRecord> Get(const std::string& id) const;
  // Visits records newest first (timestamp desc, then id desc) until `visit` returns false.
  void ForEachNewestFirst(const std::function<bool(const ReplayRecord&)>& visit) const;
  size_t size() const;
  // Blocks until every write so far reached the backend (tests, shutdown).
  void Flush();
  std::string backend() const;

 private:
  // A record as the store holds it: packed into one block (record_codec.h), with the fields
  // the store itself needs beside it, and the outcome Complete set (null before), which
  // overrides the block's outcome fields. Blocks are shared so that readers unpack their copy
  // after releasing the lock, and replaced, never changed.
  struct Blocks {
    PackedBlock packed, outcome;
    bool operator==(const Blocks&) const = default;
  };
  struct Entry {
    std::string_view id;  // in blocks.packed (PackedId), so a record is one block fewer
    std::string decision;
    uint64_t id_hash = 0;  // IdHash(id), so that evicting it reads no id
    int64_t timestamp_ns = 0;
    Blocks blocks;
  };
  static ReplayRecord Unpack(const Blocks& blocks);
  using List = std::list<Entry>;
  // Entries leave the store through `removed`, so that they are freed after the lock.
  static List NewEntry(std::string_view decision, int64_t timestamp_ns, PackedBlock packed);
  // Links a packed record in (no backend write), evicting as Add says.
  void Insert(std::string_view decision, int64_t timestamp_ns, PackedBlock packed,
              size_t max_records);
  void InsertLocked(List entry, size_t max_records, List& removed);
  const List::iterator* FindLocked(std::string_view id) const;
  using ByDecision = std::unordered_map<std::string, std::deque<List::iterator>>;
  // Evicts the oldest record of decision `d` (dropping `d` when that was its last).
  void RemoveOldestOfLocked(ByDecision::iterator d, List& removed);
  void ExpireLocked(int64_t now_ns, List& removed);
  void Persist(const ReplayRecord& record);
  void PersistErase(std::string_view id);
  void WriterLoop();

  const int64_t ttl_ns_;
  std::unique_ptr<Persistence> persistence_;
  Log log_;

  mutable std::mutex mu_;
  List records_;                     // oldest first
  HashIndex<List::iterator> by_id_;  // by IdHash(Entry::id)
  ByDecision by_decision_;           // each decision's records, oldest first

  // Write-behind queue for the backend.
  struct Pending {
    bool erase = false;
    std::string id;
    ReplayRecord record;
  };
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::thread writer_;
  bool warned_ = false;
};

}  // namespace vsr::replay
