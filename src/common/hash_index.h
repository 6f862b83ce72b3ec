// A flat index from 64-bit hashes to values: open addressing with linear probing, at most half
// full, and removal by shifting the following slots back (no tombstones), so probes stay short
// however many entries came and went. A lookup is one probe into an array of (hash, value)
// slots; the caller's predicate confirms a match whose hash is equal, so keys are read only
// then. For indexes on the request path over many entries, where a node-based map takes a
// bucket, a node and the key (three cache misses when cold) per step: the replay store's
// records by id, the metrics' series by family and label values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vsr {

template <typename V>
class HashIndex {
 public:
  // The value stored under `hash` for which `is_key(value)` holds; null when none.
  template <typename IsKey>
  const V* Find(uint64_t hash, IsKey&& is_key) const {
    if (used_ == 0) return nullptr;
    for (size_t i = hash & mask(); slots_[i].used; i = (i + 1) & mask()) {
      if (slots_[i].hash == hash && is_key(slots_[i].value)) return &slots_[i].value;
    }
    return nullptr;
  }
  // Adds `value` under `hash` (the caller checked that its key is not there yet).
  void Insert(uint64_t hash, V value) {
    if (2 * (used_ + 1) > slots_.size()) Grow();
    Place(Slot{hash, std::move(value), true});
    ++used_;
  }
  // Removes the slot that holds exactly `value` under `hash`; false when there is none.
  bool Erase(uint64_t hash, const V& value) {
    if (used_ == 0) return false;
    size_t i = hash & mask();
    while (slots_[i].used && !(slots_[i].hash == hash && slots_[i].value == value)) {
      i = (i + 1) & mask();
    }
    if (!slots_[i].used) return false;
    // Backward shift: move each following slot of the run into the hole when its home is not
    // between the hole and where it sits, so that every slot stays reachable from its home.
    size_t hole = i;
    for (size_t j = (i + 1) & mask(); slots_[j].used; j = (j + 1) & mask()) {
      const size_t home = slots_[j].hash & mask();
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole] = std::move(slots_[j]);
      hole = j;
    }
    slots_[hole] = Slot{};
    --used_;
    return true;
  }
  size_t size() const { return used_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    V value{};
    bool used = false;
  };
  size_t mask() const { return slots_.size() - 1; }
  void Place(Slot slot) {
    size_t i = slot.hash & mask();
    while (slots_[i].used) i = (i + 1) & mask();
    slots_[i] = std::move(slot);
  }
  void Grow() {
    std::vector<Slot> old(slots_.empty() ? 64 : 2 * slots_.size());
    old.swap(slots_);
    for (Slot& s : old) {
      if (s.used) Place(std::move(s));
    }
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

}  // namespace vsr
