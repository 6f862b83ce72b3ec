#include "replay/store.h"

#include <algorithm>

#include "common/unix_time.h"
#include "replay/record_codec.h"

namespace vsr::replay {

namespace {
// Writes waiting for a slow backend are bounded; past this the newest ones are dropped (the
// records stay in memory) and the log says so once.
constexpr size_t kMaxPendingWrites = 10000;
// Saves waiting together go out as one write of at most this many records.
constexpr size_t kMaxWriteBatch = 256;

uint64_t IdHash(std::string_view id) {
  return std::hash<std::string_view>{}(id);
}
}  // namespace

ReplayStore::ReplayStore(int ttl_seconds, std::unique_ptr<Persistence> persistence, Log log)
    : ttl_ns_(ttl_seconds > 0 ? static_cast<int64_t>(ttl_seconds) * 1000000000 : 0),
      persistence_(std::move(persistence)),
      log_(std::move(log)) {
  if (!persistence_) return;
  std::vector<ReplayRecord> loaded;
  std::string error;
  if (!persistence_->Load(loaded, error)) {
    if (log_) log_("router replay: cannot read " + persistence_->name() + ": " + error);
  }
  std::sort(loaded.begin(), loaded.end(), [](const ReplayRecord& a, const ReplayRecord& b) {
    return a.timestamp_ns != b.timestamp_ns ? a.timestamp_ns < b.timestamp_ns : a.id < b.id;
  });
  List removed;
  {
    std::lock_guard lock(mu_);
    for (const ReplayRecord& r : loaded) {
      InsertLocked(NewEntry(r.decision, r.timestamp_ns, PackRecord(r)), 0, removed);
    }
    ExpireLocked(UnixNanos(), removed);
  }
  writer_ = std::thread([this] { WriterLoop(); });
}

ReplayStore::~ReplayStore() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_.join();
}

std::string ReplayStore::backend() const {
  return persistence_ ? persistence_->name() : "memory";
}

ReplayStore::List ReplayStore::NewEntry(std::string_view decision, int64_t timestamp_ns,
                                        PackedBlock packed) {
  List entry;
  const std::string_view id = PackedId(packed);
  entry.push_back(
      Entry{id, std::string(decision), IdHash(id), timestamp_ns, {std::move(packed), {}}});
  return entry;
}

void ReplayStore::InsertLocked(List entry, size_t max_records, List& removed) {
  auto it = entry.begin();   // stays valid when spliced into records_
  if (FindLocked(it->id)) {  // a duplicate id (reloaded twice): keep the first
    removed.splice(removed.end(), entry);
    return;
  }
  by_id_.Insert(it->id_hash, it);
  records_.splice(records_.end(), entry);
  auto mine = by_decision_.try_emplace(it->decision).first;
  mine->second.push_back(it);
  // Never empties the decision's queue (the new record stays), so `mine` stays valid.
  while (max_records > 0 && mine->second.size() > max_records) {
    RemoveOldestOfLocked(mine, removed);
  }
}

const ReplayStore::List::iterator* ReplayStore::FindLocked(std::string_view id) const {
  return by_id_.Find(IdHash(id), [&id](List::iterator it) { return it->id == id; });
}

void ReplayStore::RemoveOldestOfLocked(ByDecision::iterator d, List& removed) {
  if (d == by_decision_.end() || d->second.empty()) return;
  auto it = d->second.front();
  d->second.pop_front();
  if (d->second.empty()) by_decision_.erase(d);
  by_id_.Erase(it->id_hash, it);
  PersistErase(it->id);
  removed.splice(removed.end(), records_, it);
}

void ReplayStore::ExpireLocked(int64_t now_ns, List& removed) {
  if (ttl_ns_ <= 0) return;
  // The oldest record overall is the oldest of its decision, so it heads that decision's queue.
  while (!records_.empty() && records_.front().timestamp_ns < now_ns - ttl_ns_) {
    RemoveOldestOfLocked(by_decision_.find(records_.front().decision), removed);
  }
}

std::string ReplayStore::Add(ReplayRecord record, size_t max_records) {
  if (record.id.empty()) record.id = NewReplayId();
  if (record.timestamp_ns == 0) record.timestamp_ns = UnixNanos();
  Persist(record);
  Insert(record.decision, record.timestamp_ns, PackRecord(record), max_records);
  return record.id;
}

void ReplayStore::AddPacked(std::string_view decision, int64_t timestamp_ns, PackedBlock packed,
                            size_t max_records) {
  if (persistence_) Persist(UnpackRecord(packed.bytes()));
  Insert(decision, timestamp_ns, std::move(packed), max_records);
}

void ReplayStore::Insert(std::string_view decision, int64_t timestamp_ns, PackedBlock packed,
                         size_t max_records) {
  // The data plane's I/O threads all add and update here: everything that allocates or frees
  // (packing, the new entry, evicted entries) happens outside the lock, which only links and
  // unlinks. A longer critical section showed up as futex waits on every request.
  List entry = NewEntry(decision, timestamp_ns, std::move(packed));
  List removed;
  std::lock_guard lock(mu_);
  ExpireLocked(timestamp_ns, removed);
  InsertLocked(std::move(entry), max_records, removed);
}

ReplayRecord ReplayStore::Unpack(const Blocks& blocks) {
  ReplayRecord record = UnpackRecord(blocks.packed.bytes());
  if (blocks.outcome) UnpackOutcome(blocks.outcome.bytes(), record);
  return record;
}

bool ReplayStore::Update(const std::string& id, const std::function<void(ReplayRecord&)>& change) {
  for (;;) {
    Blocks before;
    {
      std::lock_guard lock(mu_);
      const List::iterator* it = FindLocked(id);
      if (it == nullptr) return false;
      before = (*it)->blocks;
    }
    ReplayRecord record = Unpack(before);
    change(record);
    record.id = id;  // the key it is stored under
    Blocks after{PackRecord(record), {}};
    {
      std::lock_guard lock(mu_);
      const List::iterator* it = FindLocked(id);
      if (it == nullptr) return false;  // evicted meanwhile
      // Another update of this record got in first: redo the change on its result.
      if ((*it)->blocks != before) continue;
      std::swap((*it)->blocks, after);  // the old blocks are freed after the lock
      (*it)->id = PackedId((*it)->blocks.packed);
    }
    Persist(record);
    return true;
  }
}

bool ReplayStore::Complete(const std::string& id, const ReplayRecord& outcome) {
  return Complete(std::string_view(id), PackOutcome(outcome));
}

bool ReplayStore::Complete(std::string_view id, PackedBlock block) {
  Blocks now;
  {
    std::lock_guard lock(mu_);
    const List::iterator* it = FindLocked(id);
    if (it == nullptr) return false;
    std::swap((*it)->blocks.outcome, block);  // the old block (if any) is freed after the lock
    if (persistence_) now = (*it)->blocks;
  }
  if (persistence_) Persist(Unpack(now));
  return true;
}

std::optional<ReplayRecord> ReplayStore::Get(const std::string& id) const {
  Blocks blocks;
  {
    std::lock_guard lock(mu_);
    const List::iterator* it = FindLocked(id);
    if (it == nullptr) return std::nullopt;
    blocks = (*it)->blocks;
  }
  return Unpack(blocks);
}

void ReplayStore::ForEachNewestFirst(const std::function<bool(const ReplayRecord&)>& visit) const {
  // The order is taken under the lock; the records are unpacked and visited after it, so a
  // scan of every record (the replay API's filters) does not hold up the data plane.
  std::vector<Blocks> blocks;
  {
    std::lock_guard lock(mu_);
    // Insertion order is timestamp order except for clock steps and equal timestamps; gather
    // entries and sort them so the order is exactly upstream's (timestamp desc, id desc).
    std::vector<const Entry*> order;
    order.reserve(records_.size());
    bool sorted = true;
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      if (!order.empty()) {
        const Entry& prev = *order.back();
        if (it->timestamp_ns > prev.timestamp_ns ||
            (it->timestamp_ns == prev.timestamp_ns && it->id > prev.id)) {
          sorted = false;
        }
      }
      order.push_back(&*it);
    }
    if (!sorted) {
      std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
        return a->timestamp_ns != b->timestamp_ns ? a->timestamp_ns > b->timestamp_ns
                                                  : a->id > b->id;
      });
    }
    blocks.reserve(order.size());
    for (const Entry* e : order) blocks.push_back(e->blocks);
  }
  for (const Blocks& b : blocks) {
    if (!visit(Unpack(b))) return;
  }
}

size_t ReplayStore::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

void ReplayStore::Persist(const ReplayRecord& record) {
  if (!persistence_) return;
  std::lock_guard lock(queue_mu_);
  if (queue_.size() >= kMaxPendingWrites) {
    if (!warned_ && log_) {
      log_("router replay: " + persistence_->name() +
           " is not keeping up; new records are kept in memory only until it does");
    }
    warned_ = true;
    return;
  }
  queue_.push_back(Pending{false, record.id, record});
  queue_cv_.notify_one();
}

void ReplayStore::PersistErase(std::string_view id) {
  if (!persistence_) return;
  std::lock_guard lock(queue_mu_);
  queue_.push_back(Pending{true, std::string(id), {}});
  queue_cv_.notify_one();
}

void ReplayStore::WriterLoop() {
  std::unique_lock lock(queue_mu_);
  for (;;) {
    queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    // An erase alone, or the saves at the head of the queue together: a record saved twice in
    // a row (added, then completed) is written once, as it was last.
    std::vector<Pending> taken;
    if (queue_.front().erase) {
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    } else {
      while (!queue_.empty() && !queue_.front().erase && taken.size() < kMaxWriteBatch) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ++in_flight_;
    lock.unlock();
    std::string error;
    bool ok = true;
    if (taken.front().erase) {
      ok = persistence_->Erase(taken.front().id, error);
    } else {
      std::vector<const ReplayRecord*> records;
      for (size_t i = 0; i < taken.size(); ++i) {
        const bool saved_again_later =
            std::any_of(taken.begin() + static_cast<std::ptrdiff_t>(i) + 1, taken.end(),
                        [&](const Pending& later) { return later.id == taken[i].id; });
        if (!saved_again_later) records.push_back(&taken[i].record);
      }
      ok = records.size() == 1 ? persistence_->Save(*records.front(), error)
                               : persistence_->SaveAll(records, error);
    }
    lock.lock();
    --in_flight_;
    if (!ok && log_ && !warned_) {
      warned_ = true;
      log_("router replay: writing to " + persistence_->name() + " failed: " + error);
    } else if (ok) {
      warned_ = false;
    }
    queue_cv_.notify_all();
  }
}

void ReplayStore::Flush() {
  if (!persistence_) return;
  std::unique_lock lock(queue_mu_);
  queue_cv_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
}

}  // namespace vsr::replay
