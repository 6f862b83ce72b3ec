// OTLP protobuf by hand: the few message types of an ExportTraceServiceRequest are written
// straight into one buffer. Field numbers are those of opentelemetry-proto (trace/v1,
// common/v1, resource/v1, collector/trace/v1).
#include <algorithm>
#include <cstring>

#include "observability/otlp_encoding.h"

namespace vsr::observability {

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// Writes `v` as a varint at `dst` (room for 10 bytes); returns how many bytes it took.
size_t PutVarint(char* dst, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    dst[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  dst[n++] = static_cast<char>(v);
  return n;
}

// The message being written: a buffer grown ahead of the writes, so each write is a bounds
// check and a store (appending to a std::string byte by byte cost twice as much); growing is
// out of line so the writes inline.
class Out {
 public:
  explicit Out(size_t capacity) { Grow(capacity); }
  size_t size() const { return n_; }
  void Byte(uint8_t b) {
    Room(1);
    p_[n_++] = static_cast<char>(b);
  }
  void Append(const void* data, size_t n) {
    Room(n);
    std::memcpy(p_ + n_, data, n);
    n_ += n;
  }
  void Varint(uint64_t v) {
    Room(10);
    n_ += PutVarint(p_ + n_, v);
  }
  char* At(size_t pos) { return p_ + pos; }
  // Removes `n` bytes at `pos`, moving what follows.
  void Erase(size_t pos, size_t n) {
    std::memmove(p_ + pos, p_ + pos + n, n_ - pos - n);
    n_ -= n;
  }
  std::string Take() {
    buf_.resize(n_);
    return std::move(buf_);
  }

 private:
  void Room(size_t n) {
    if (n_ + n > buf_.size()) [[unlikely]]
      Grow(n);
  }
  [[gnu::noinline]] void Grow(size_t n) {
    buf_.resize(std::max(2 * buf_.size(), n_ + n));
    p_ = buf_.data();
  }
  std::string buf_;
  char* p_ = nullptr;
  size_t n_ = 0;
};

void Tag(Out& out, uint32_t field, WireType type) {
  out.Varint(field << 3 | type);
}

void Bytes(Out& out, uint32_t field, const void* data, size_t n) {
  Tag(out, field, kLengthDelimited);
  out.Varint(n);
  out.Append(data, n);
}

void String(Out& out, uint32_t field, std::string_view s) {
  Bytes(out, field, s.data(), s.size());
}

void Fixed64(Out& out, uint32_t field, uint64_t v) {
  Tag(out, field, kFixed64);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (8 * i));  // little endian
  out.Append(bytes, 8);
}

// A nested message whose length is known only once it is written (a span, its status): room
// for the longest length (5 bytes covers 4 GiB) is kept, then closed up to the length's size.
constexpr size_t kLengthRoom = 5;

size_t Open(Out& out, uint32_t field) {
  static constexpr char kRoom[kLengthRoom] = {};
  Tag(out, field, kLengthDelimited);
  out.Append(kRoom, kLengthRoom);
  return out.size();
}

void Close(Out& out, size_t body_start) {
  char length[10];
  const size_t used = PutVarint(length, out.size() - body_start);  // a span: < 4 GiB
  const size_t room = body_start - kLengthRoom;
  std::memcpy(out.At(room), length, used);
  out.Erase(room + used, kLengthRoom - used);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Size of a length-delimited field of `n` bytes with a one-byte tag.
size_t FieldSize(size_t n) {
  return 1 + VarintSize(n) + n;
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5
// (ArrayValue: values 1). One of them is always written, even a zero value (it is a oneof).
// Sizes are computed first, so attributes need no closing up (see Open/Close).
size_t ArrayBodySize(const TraceData& trace, const SpanAttribute& a) {
  size_t n = 0;
  trace.ForEachString(a, [&n](std::string_view s) { n += FieldSize(FieldSize(s.size())); });
  return n;
}

size_t AnyValueBodySize(const TraceData& trace, const SpanAttribute& a) {
  switch (a.kind) {
    case AttributeKind::kString:
      return FieldSize(a.value.text.size);
    case AttributeKind::kBool:
      return 2;
    case AttributeKind::kInt:
      return 1 + VarintSize(static_cast<uint64_t>(a.value.integer));
    case AttributeKind::kDouble:
      return 9;
    case AttributeKind::kStrings:
      return FieldSize(ArrayBodySize(trace, a));
  }
  return 0;
}

void AnyValueBody(Out& out, const TraceData& trace, const SpanAttribute& a) {
  switch (a.kind) {
    case AttributeKind::kString:
      String(out, 1, trace.String(a));
      return;
    case AttributeKind::kBool:
      Tag(out, 2, kVarint);
      out.Byte(a.value.flag ? 1 : 0);
      return;
    case AttributeKind::kInt:
      Tag(out, 3, kVarint);
      out.Varint(static_cast<uint64_t>(a.value.integer));  // two's complement, as int64 is
      return;
    case AttributeKind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &a.value.number, sizeof bits);
      Fixed64(out, 4, bits);
      return;
    }
    case AttributeKind::kStrings:
      Tag(out, 5, kLengthDelimited);
      out.Varint(ArrayBodySize(trace, a));
      trace.ForEachString(a, [&out](std::string_view s) {
        Tag(out, 1, kLengthDelimited);  // an AnyValue holding string_value
        out.Varint(FieldSize(s.size()));
        String(out, 1, s);
      });
      return;
  }
}

// A KeyValue (key 1, value 2) as `field`, up to its AnyValue's body of `value_body` bytes,
// which the caller writes next.
size_t KeyValueSize(std::string_view key, size_t value_body) {
  return FieldSize(FieldSize(key.size()) + FieldSize(value_body));
}

void KeyValueHead(Out& out, uint32_t field, std::string_view key, size_t value_body) {
  Tag(out, field, kLengthDelimited);
  out.Varint(FieldSize(key.size()) + FieldSize(value_body));
  String(out, 1, key);
  Tag(out, 2, kLengthDelimited);
  out.Varint(value_body);
}

// ScopeSpans.spans (2) holding a Span: trace_id 1, span_id 2, parent_span_id 4, name 5,
// kind 6, start 7, end 8, attributes 9 (KeyValue: key 1, value 2), status 15 (message 2,
// code 3).
void SpanField(Out& out, const TraceData& trace, size_t index) {
  const Span& s = trace.spans[index];
  const size_t span = Open(out, 2);
  Bytes(out, 1, s.trace_id.data(), s.trace_id.size());
  Bytes(out, 2, s.span_id.data(), s.span_id.size());
  if (s.has_parent()) Bytes(out, 4, s.parent_span_id.data(), s.parent_span_id.size());
  String(out, 5, s.name);
  Tag(out, 6, kVarint);
  out.Varint(static_cast<uint64_t>(s.kind));
  Fixed64(out, 7, static_cast<uint64_t>(s.start_unix_ns));
  Fixed64(out, 8, static_cast<uint64_t>(s.end_unix_ns));
  trace.ForEachAttribute(index, [&](const SpanAttribute& a) {
    KeyValueHead(out, 9, a.key, AnyValueBodySize(trace, a));
    AnyValueBody(out, trace, a);
  });
  if (s.error) {
    const size_t status = Open(out, 15);
    if (!s.status_message.empty()) String(out, 2, s.status_message);
    Tag(out, 3, kVarint);
    out.Byte(2);  // STATUS_CODE_ERROR
    Close(out, status);
  }
  Close(out, span);
}

}  // namespace

EncodedSpans ProtobufSpans(const TraceData& trace) {
  Out out(64 + trace.spans.size() * 112 + trace.attributes.size() * 24 + trace.text.size());
  for (size_t i = 0; i < trace.spans.size(); ++i) SpanField(out, trace, i);
  return {out.Take(), trace.spans.size()};
}

void ProtobufBatch(const TraceResource& resource, const std::vector<EncodedSpans>& spans,
                   std::string& out) {
  // ExportTraceServiceRequest.resource_spans 1 > ResourceSpans: resource 1 (Resource:
  // attributes 1), scope_spans 2 > ScopeSpans: scope 1 (InstrumentationScope: name 1), spans 2
  // (the encoded spans as they are). Every length is known before writing.
  const auto attributes = ResourceAttributes(resource);  // string values: AnyValue field 1
  size_t resource_body = 0;
  for (const auto& [k, v] : attributes) resource_body += KeyValueSize(k, FieldSize(v.size()));
  size_t span_bytes = 0;
  for (const EncodedSpans& e : spans) span_bytes += e.bytes.size();
  const size_t scope_body = FieldSize(kOtlpScopeName.size());
  const size_t scope_spans_body = FieldSize(scope_body) + span_bytes;
  const size_t resource_spans_body = FieldSize(resource_body) + FieldSize(scope_spans_body);

  Out head(64 + resource_body);  // everything before the spans
  Tag(head, 1, kLengthDelimited);
  head.Varint(resource_spans_body);
  Tag(head, 1, kLengthDelimited);
  head.Varint(resource_body);
  for (const auto& [k, v] : attributes) {
    KeyValueHead(head, 1, k, FieldSize(v.size()));
    String(head, 1, v);
  }
  Tag(head, 2, kLengthDelimited);
  head.Varint(scope_spans_body);
  Tag(head, 1, kLengthDelimited);
  head.Varint(scope_body);
  String(head, 1, kOtlpScopeName);
  out.clear();
  out.reserve(head.size() + span_bytes);
  out.append(head.At(0), head.size());
  for (const EncodedSpans& e : spans) out.append(e.bytes);
}

}  // namespace vsr::observability
