#include "replay/record_codec.h"

#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

#include "common/pod_buffer.h"

namespace vsr::replay {
namespace {

// Every field of a record, once: packing and unpacking walk the same lists, so they cannot
// disagree on the order. R is ReplayRecord or const ReplayRecord. What is known when the
// request is forwarded comes first; how it ended (set by the store's Complete) is its own list.
template <class R, class F>
void ForEachRequestField(R& r, F&& f) {
  // The id first: the store reads it in place (PackedId).
  f(r.id), f(r.timestamp_ns), f(r.request_id), f(r.session_id), f(r.turn_index);
  f(r.previous_response_id), f(r.decision), f(r.decision_tier), f(r.decision_priority);
  f(r.category), f(r.original_model), f(r.selected_model), f(r.reasoning_mode);
  f(r.confidence_score), f(r.selection_method), f(r.signals), f(r.projections);
  f(r.projection_scores), f(r.signal_confidences), f(r.request_body);
  f(r.request_body_truncated), f(r.guardrails_enabled), f(r.jailbreak_enabled);
  f(r.pii_enabled), f(r.prompt), f(r.prompt_truncated), f(r.tool_definitions);
  f(r.tool_definitions_truncated);
}

template <class R, class F>
void ForEachOutcomeField(R& r, F&& f) {
  f(r.response_body), f(r.response_status), f(r.from_cache), f(r.streaming);
  f(r.response_body_truncated), f(r.response_jailbreak_detected), f(r.response_jailbreak_type);
  f(r.response_jailbreak_confidence), f(r.rag_enabled), f(r.rag_backend);
  f(r.rag_context_length), f(r.rag_similarity_score), f(r.hallucination_enabled);
  f(r.hallucination_detected), f(r.hallucination_confidence), f(r.hallucination_spans);
  f(r.prompt_tokens), f(r.completion_tokens), f(r.total_tokens), f(r.actual_cost);
  f(r.baseline_cost), f(r.cost_savings), f(r.currency), f(r.baseline_model), f(r.latency_ms);
}

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsMap : std::false_type {};
template <class K, class V>
struct IsMap<std::map<K, V>> : std::true_type {};

// Scalars as their bytes, strings and containers behind a count, appended to a buffer that
// grows only on its way to a record's size (a string's append per field cost more than the
// field: a record has fifty).
class Packer {
 public:
  explicit Packer(ByteBuffer& out) : out_(out) {}
  template <class T>
  void operator()(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      std::memcpy(out_.Extend(sizeof v), &v, sizeof v);
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
      Count(v.size());
      if (!v.empty()) std::memcpy(out_.Extend(v.size()), v.data(), v.size());
    } else if constexpr (std::is_same_v<T, RequestFieldsView::Signals>) {  // as the map
      Count(v.size());
      for (const auto& [key, names] : v) (*this)(key), (*this)(*names);
    } else if constexpr (std::is_same_v<T, std::span<const std::string>>) {  // as a vector
      Count(v.size());
      for (const std::string& item : v) (*this)(item);
    } else if constexpr (std::is_same_v<T, RequestFieldsView::Scores>) {  // as the map
      if (v == nullptr) {
        Count(0);
      } else {
        (*this)(*v);
      }
    } else if constexpr (IsOptional<T>::value) {
      (*this)(v.has_value());
      if (v) (*this)(*v);
    } else if constexpr (IsVector<T>::value) {
      Count(v.size());
      for (const auto& item : v) (*this)(item);
    } else {
      static_assert(IsMap<T>::value, "a record field of a type the packer does not know");
      Count(v.size());
      for (const auto& [key, value] : v) (*this)(key), (*this)(value);
    }
  }

  // Bytes another Packer wrote.
  void Raw(std::string_view packed) {
    if (!packed.empty()) std::memcpy(out_.Extend(packed.size()), packed.data(), packed.size());
  }

 private:
  void Count(size_t n) { (*this)(static_cast<uint32_t>(n)); }
  ByteBuffer& out_;
};

// Reads what Packer wrote, in the same order.
class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  template <class T>
  void operator()(T& v) {
    if constexpr (std::is_arithmetic_v<T>) {
      std::memcpy(&v, Take(sizeof v), sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      const size_t n = Count();
      v.assign(Take(n), n);
    } else if constexpr (IsOptional<T>::value) {
      bool present = false;
      (*this)(present);
      v.reset();
      if (present) (*this)(v.emplace());
    } else if constexpr (IsVector<T>::value) {
      v.resize(Count());
      for (auto& item : v) (*this)(item);
    } else {
      v.clear();
      for (size_t n = Count(); n > 0; --n) {
        typename T::key_type key;
        (*this)(key);
        (*this)(v[std::move(key)]);
      }
    }
  }

 private:
  size_t Count() {
    uint32_t n = 0;
    (*this)(n);
    return n;
  }
  const char* Take(size_t n) {
    const char* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

// Packed into a reused buffer, then copied once into a block of the exact size (a stored
// record should not carry a growing buffer's spare capacity for its whole life).
PackedBlock CopyToBlock(std::string_view bytes) {
  std::shared_ptr<char[]> data = std::make_shared_for_overwrite<char[]>(bytes.size());
  if (!bytes.empty()) std::memcpy(data.get(), bytes.data(), bytes.size());
  PackedBlock block;
  block.data_ = std::move(data);
  block.size_ = bytes.size();
  return block;
}

namespace {
template <class Fields>
PackedBlock Pack(Fields&& fields) {
  thread_local ByteBuffer scratch;
  scratch.clear();
  fields(Packer(scratch));
  return CopyToBlock(std::string_view(scratch.data(), scratch.size()));
}
}  // namespace

PackedBlock PackRecord(const ReplayRecord& record) {
  return Pack([&](Packer p) {
    ForEachRequestField(record, p);
    ForEachOutcomeField(record, p);
  });
}

PackedBlock PackRequestFields(const RequestFieldsView& view) {
  // A new record's outcome fields are the defaults but for `streaming`: packed once each way.
  static const std::array<std::string, 2> kNoOutcome = [] {
    std::array<std::string, 2> both;
    for (const bool streaming : {false, true}) {
      ByteBuffer bytes;
      ReplayRecord none;
      none.streaming = streaming;
      ForEachOutcomeField(std::as_const(none), Packer(bytes));
      both[streaming ? 1 : 0].assign(bytes.data(), bytes.size());
    }
    return both;
  }();
  return Pack([&](Packer p) {
    ForEachRequestField(view, p);
    p.Raw(kNoOutcome[view.streaming ? 1 : 0]);
  });
}

PackedBlock PackRecordFields(const RequestFieldsView& request, const OutcomeFieldsView& outcome) {
  return Pack([&](Packer p) {
    ForEachRequestField(request, p);
    ForEachOutcomeField(outcome, p);
  });
}

ReplayRecord UnpackRecord(std::string_view packed) {
  ReplayRecord record;
  Unpacker u(packed);
  ForEachRequestField(record, u);
  ForEachOutcomeField(record, u);
  return record;
}

std::string_view PackedId(const PackedBlock& packed) {
  uint32_t size;  // the id's count (Packer), then its bytes
  std::memcpy(&size, packed.bytes().data(), sizeof size);
  return packed.bytes().substr(sizeof size, size);
}

PackedBlock PackOutcome(const ReplayRecord& record) {
  return Pack([&](Packer p) { ForEachOutcomeField(record, p); });
}

PackedBlock PackOutcomeFields(const OutcomeFieldsView& view) {
  return Pack([&](Packer p) { ForEachOutcomeField(view, p); });
}

void UnpackOutcome(std::string_view packed, ReplayRecord& record) {
  ForEachOutcomeField(record, Unpacker(packed));
}

}  // namespace vsr::replay
