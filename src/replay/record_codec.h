// A replay record packed into one buffer, and back. The in-memory store keeps ten thousand
// records per decision by default; held as structs, each is some thirty heap blocks that
// outlive thousands of requests, and their eviction, one cold block after another, cost the
// data plane ~15% of its CPU per request (bench/proxy). Packed, a record is one block.
// The format is private to the process (never written to disk or sent anywhere).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "replay/record.h"

namespace vsr::replay {

// A packed record (or outcome) as the store holds it: the bytes in one block together with their
// reference count, one allocation where a std::string behind a shared_ptr took two. Shared, so
// that readers unpack their copy after releasing the store's lock; never changed once made.
class PackedBlock {
 public:
  PackedBlock() = default;
  std::string_view bytes() const { return {data_.get(), size_}; }
  explicit operator bool() const { return data_ != nullptr; }
  bool operator==(const PackedBlock& other) const { return data_ == other.data_; }

 private:
  friend PackedBlock CopyToBlock(std::string_view bytes);
  std::shared_ptr<const char[]> data_;
  size_t size_ = 0;
};

PackedBlock PackRecord(const ReplayRecord& record);
// `packed` must come from PackRecord.
ReplayRecord UnpackRecord(std::string_view packed);
// The record's id, read in place (it is the first field): a view into `packed`.
std::string_view PackedId(const PackedBlock& packed);

// Only the fields that say how a request ended (status, answer, tokens and cost, the answer's
// screens, cache and streaming flags, latency): the data plane records a request when it is
// forwarded and adds these when it ends, without unpacking and repacking the rest.
PackedBlock PackOutcome(const ReplayRecord& record);
// Sets `record`'s outcome fields from what PackOutcome wrote; the others stay as they are.
void UnpackOutcome(std::string_view packed, ReplayRecord& record);

}  // namespace vsr::replay
