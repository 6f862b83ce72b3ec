// Spans of one request. A RequestTrace is owned by the request (one coroutine, so no locks):
// spans are opened and closed as the request moves through routing, plugins and the backend
// call, then handed to the exporter in one piece. When the trace is not sampled every call is
// a no-op, but the trace context still propagates to backends.
//
// Cheap on purpose (every request of a traced router pays it): span names and attribute keys
// are string literals held as views, attributes are small fixed records, and each attribute is
// written once, as the OTLP protobuf field its span will carry, into one text buffer for the
// whole trace: the protobuf encoder copies those bytes as they are, and the JSON encoder reads
// keys and values back from them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/pod_buffer.h"
#include "observability/protobuf_wire.h"
#include "observability/trace_context.h"

namespace vsr::observability {

enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3 };

// 72 bytes: a request's ten spans are written when it starts, routes and ends and read when it
// is encoded, by then mostly out of cache, so every line saved is a miss saved.
struct Span {
  std::string_view name;               // static storage (a literal or a static table)
  SpanId span_id{}, parent_span_id{};  // parent all zero: a root span
  int64_t start_unix_ns = 0, end_unix_ns = 0;
  // This span's attributes: a chain through TraceData::attributes (SpanAttribute::next), in
  // the order they were set, so encoders read each span's without scanning the others'.
  static constexpr uint32_t kNoAttribute = UINT32_MAX;
  uint32_t first_attribute = kNoAttribute, last_attribute = kNoAttribute;
  // The error status's message (RequestTrace::Fail), in TraceData::text (TraceData::Status).
  uint32_t status_offset = 0, status_size = 0;
  SpanKind kind = SpanKind::kInternal;
  bool error = false;

  bool has_parent() const {  // a word compare (std::array's == calls memcmp)
    uint64_t word;
    std::memcpy(&word, parent_span_id.data(), sizeof word);
    return word != 0;
  }
};
static_assert(sizeof(Span) <= 72);

// A span attribute, as RequestTrace::Set wrote it: the protobuf Span.attributes field
// (KeyValue{key 1, value 2: AnyValue}) in TraceData::text, which the protobuf encoder copies as
// it is. The record is that and the chain of its span's attributes: a request's trace stays a
// few KB, which it touches when the request starts, when it routes and when it ends, by then
// mostly out of cache.
struct SpanAttribute {
  uint32_t next = Span::kNoAttribute;  // the span's next attribute
  uint32_t offset = 0, size = 0;
};

// In the order of AnyValue's fields (string_value 1 ... array_value 5).
enum class AttributeKind : uint8_t { kString, kBool, kInt, kDouble, kStrings };

// An attribute read back from its field (the JSON encoder, tests).
struct AttributeValue {
  std::string_view key;
  AttributeKind kind = AttributeKind::kString;
  std::string_view bytes;  // a string's bytes; a list's ArrayValue body (see ForEachString)
  int64_t integer = 0;
  double number = 0;
  bool flag = false;
};

// What one request leaves: its spans and their attributes.
struct TraceData {
  TraceId trace_id{};  // every span's
  std::vector<Span> spans;
  PodBuffer<SpanAttribute> attributes;  // of all spans, as set
  // Each attribute's protobuf field (SpanAttribute::offset, size), in the order set, and the
  // spans' status messages.
  ByteBuffer text;

  AttributeValue Read(const SpanAttribute& a) const;
  // The message of a span's error status ("" when none).
  std::string_view Status(const Span& s) const {
    return s.status_size == 0 ? std::string_view()
                              : std::string_view(text.data() + s.status_offset, s.status_size);
  }
  // Calls `f(const SpanAttribute&)` for each attribute of spans[span], in the order set.
  template <typename F>
  void ForEachAttribute(size_t span, F f) const {
    for (uint32_t i = spans[span].first_attribute; i != Span::kNoAttribute;
         i = attributes[i].next) {
      f(attributes[i]);
    }
  }
  // Calls `f(std::string_view)` for each string of a list (AttributeValue::bytes): its
  // ArrayValue.values, each an AnyValue (tag, length) holding a string_value (tag, length, bytes).
  template <typename F>
  static void ForEachString(std::string_view array_body, F f) {
    const char* p = array_body.data();
    const char* end = p + array_body.size();
    while (p < end) {
      uint64_t n;
      p = protobuf::ReadVarint(p + 1, n);  // the AnyValue's length
      p = protobuf::ReadVarint(p + 1, n);  // the string's
      f(std::string_view(p, n));
      p += n;
    }
  }
};

class RequestTrace {
 public:
  using Index = size_t;
  static constexpr Index kNone = static_cast<Index>(-1);

  // Continues `parent` (the client's traceparent, or a fresh trace id with no parent span) and
  // records when `sampled`, or when `record` says: a sampled trace that is not recorded still
  // tells backends it is sampled.
  RequestTrace(const TraceParent& parent, bool sampled) : RequestTrace(parent, sampled, sampled) {}
  RequestTrace(const TraceParent& parent, bool sampled, bool record);
  RequestTrace() = default;  // tracing off: inert

  bool recording() const { return recording_; }
  const TraceId& trace_id() const { return trace_id_; }

  // Opens a span under `parent` (kNone: under the request's root, or the client's span for the
  // root itself). Returns kNone when not recording. `name` must outlive the trace (a literal).
  Index Begin(std::string_view name, Index parent = kNone, SpanKind kind = SpanKind::kInternal);
  // A span whose timing is already known (e.g. a signal measured on a worker thread).
  Index Add(std::string_view name, Index parent, int64_t start_unix_ns, int64_t end_unix_ns,
            SpanKind kind = SpanKind::kInternal);
  void End(Index span);
  // How long a closed span lasted (0 when not recording).
  int64_t DurationNs(Index span) const {
    return span < data_.spans.size()
               ? data_.spans[span].end_unix_ns - data_.spans[span].start_unix_ns
               : 0;
  }
  // An attribute of `span` (`key` a literal). Strings are copied. Other value types do not
  // compile (no silent int -> bool): cast to int64_t or double.
  void Set(Index span, std::string_view key, std::string_view value);
  void Set(Index span, std::string_view key, const std::string& value) {
    Set(span, key, std::string_view(value));
  }
  void Set(Index span, std::string_view key, const char* value) {
    Set(span, key, std::string_view(value));
  }
  void Set(Index span, std::string_view key, int64_t value);
  void Set(Index span, std::string_view key, double value);
  void Set(Index span, std::string_view key, bool value);
  void Set(Index span, std::string_view key, const std::vector<std::string>& value);
  void Set(Index span, std::string_view key, std::span<const std::string_view> value);
  template <typename T>
  void Set(Index span, std::string_view key, T value) = delete;
  void Fail(Index span, std::string_view message);
  // The traceparent for a call made inside `span` (e.g. to a backend): propagated even when
  // not recording, with the trace's sampled flag.
  std::string TraceParentFor(Index span) const;
  // Every span, closing those still open; the trace is empty afterwards.
  TraceData Take();
  // Keeps a taken trace's buffers for one of the calling thread's next recorded traces (as
  // many as it has had in flight at once, up to kMaxSpareTraces): they allocate nothing and
  // fill memory that is still in cache.
  static void Recycle(TraceData&& data);
  static constexpr size_t kMaxSpareTraces = 128;  // per thread, ~5 KB each

 private:
  bool recording_ = false;
  bool sampled_ = false;
  TraceId trace_id_{};
  SpanId remote_parent_{};
  SpanId unsampled_span_{};  // the id sent downstream when no span of ours is there
  static std::vector<TraceData>& SpareTraceData();  // the calling thread's, emptied
  template <typename Strings>
  void SetStrings(Index span, std::string_view key, const Strings& value);
  // Appends a new attribute of `span` (none when not recording: null): its field, with its
  // AnyValue body of `value_body` bytes left for the caller to write at the pointer returned.
  char* AppendField(Index span, std::string_view key, size_t value_body);
  [[gnu::noinline]] char* AppendFieldGrowing(Index span, std::string_view key, size_t value_body);

  TraceData data_;
};

}  // namespace vsr::observability
