// OTLP protobuf by hand: the few message types of an ExportTraceServiceRequest are written
// straight into one buffer. Field numbers are those of opentelemetry-proto (trace/v1,
// common/v1, resource/v1, collector/trace/v1).
#include <cassert>
#include <cstring>
#include <vector>

#include "observability/otlp_encoding.h"

namespace vsr::observability {

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

// Every message's size is computed before it is written (each attribute's once: see
// ProtobufSpans), so the encoding is one exact buffer written front to back through a cursor:
// no growth checks, no lengths closed up afterwards by moving the body.

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Size of a length-delimited field of `n` bytes with a one-byte tag (field numbers < 16).
size_t FieldSize(size_t n) {
  return 1 + VarintSize(n) + n;
}

char* Varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* Tag(char* p, uint32_t field, WireType type) {
  return Varint(p, field << 3 | type);
}

// The head of a length-delimited field whose body of `n` bytes the caller writes next.
char* Head(char* p, uint32_t field, size_t n) {
  return Varint(Tag(p, field, kLengthDelimited), n);
}

char* Bytes(char* p, uint32_t field, const void* data, size_t n) {
  p = Head(p, field, n);
  std::memcpy(p, data, n);
  return p + n;
}

char* String(char* p, uint32_t field, std::string_view s) {
  return Bytes(p, field, s.data(), s.size());
}

char* Fixed64(char* p, uint32_t field, uint64_t v) {
  p = Tag(p, field, kFixed64);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(v >> (8 * i));  // little endian
  return p;
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5
// (ArrayValue: values 1). One of them is always written, even a zero value (it is a oneof).
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

char* AnyValueBody(char* p, const TraceData& trace, const SpanAttribute& a) {
  switch (a.kind) {
    case AttributeKind::kString:
      return String(p, 1, trace.String(a));
    case AttributeKind::kBool:
      p = Tag(p, 2, kVarint);
      *p++ = a.value.flag ? 1 : 0;
      return p;
    case AttributeKind::kInt:
      return Varint(Tag(p, 3, kVarint), static_cast<uint64_t>(a.value.integer));  // as int64 is
    case AttributeKind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &a.value.number, sizeof bits);
      return Fixed64(p, 4, bits);
    }
    case AttributeKind::kStrings:
      p = Head(p, 5, ArrayBodySize(trace, a));
      trace.ForEachString(a, [&p](std::string_view s) {
        p = Head(p, 1, FieldSize(s.size()));  // an AnyValue holding string_value
        p = String(p, 1, s);
      });
      return p;
  }
  return p;
}

// A KeyValue (key 1, value 2) whose AnyValue body has `value_body` bytes: its body's size,
// and its head up to that AnyValue's body, which the caller writes next.
size_t KeyValueBodySize(std::string_view key, size_t value_body) {
  return FieldSize(key.size()) + FieldSize(value_body);
}

char* KeyValueHead(char* p, uint32_t field, std::string_view key, size_t value_body) {
  p = Head(p, field, KeyValueBodySize(key, value_body));
  p = String(p, 1, key);
  return Head(p, 2, value_body);
}

// Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7, end 8, attributes 9
// (KeyValue: key 1, value 2), status 15 (Status: message 2, code 3).
size_t StatusBodySize(const Span& s) {
  return (s.status_message.empty() ? 0 : FieldSize(s.status_message.size())) + 2;
}

// `value_body[i]`: the AnyValue body size of trace.attributes[i].
size_t SpanBodySize(const TraceData& trace, size_t index, const uint32_t* value_body) {
  const Span& s = trace.spans[index];
  size_t n = FieldSize(s.trace_id.size()) + FieldSize(s.span_id.size()) +
             (s.has_parent() ? FieldSize(s.parent_span_id.size()) : 0) + FieldSize(s.name.size()) +
             1 + VarintSize(static_cast<uint64_t>(s.kind)) + 2 * 9;
  trace.ForEachAttribute(index, [&](const SpanAttribute& a) {
    n += FieldSize(KeyValueBodySize(a.key, value_body[&a - trace.attributes.data()]));
  });
  if (s.error) n += 1 + VarintSize(StatusBodySize(s)) + StatusBodySize(s);  // field 15: 1 byte
  return n;
}

// ScopeSpans.spans (2) holding the span.
char* SpanField(char* p, const TraceData& trace, size_t index, size_t body,
                const uint32_t* value_body) {
  const Span& s = trace.spans[index];
  p = Head(p, 2, body);
  p = Bytes(p, 1, s.trace_id.data(), s.trace_id.size());
  p = Bytes(p, 2, s.span_id.data(), s.span_id.size());
  if (s.has_parent()) p = Bytes(p, 4, s.parent_span_id.data(), s.parent_span_id.size());
  p = String(p, 5, s.name);
  p = Varint(Tag(p, 6, kVarint), static_cast<uint64_t>(s.kind));
  p = Fixed64(p, 7, static_cast<uint64_t>(s.start_unix_ns));
  p = Fixed64(p, 8, static_cast<uint64_t>(s.end_unix_ns));
  trace.ForEachAttribute(index, [&](const SpanAttribute& a) {
    p = KeyValueHead(p, 9, a.key, value_body[&a - trace.attributes.data()]);
    p = AnyValueBody(p, trace, a);
  });
  if (s.error) {
    p = Head(p, 15, StatusBodySize(s));
    if (!s.status_message.empty()) p = String(p, 2, s.status_message);
    p = Tag(p, 3, kVarint);
    *p++ = 2;  // STATUS_CODE_ERROR
  }
  return p;
}

}  // namespace

void ProtobufSpans(const TraceData& trace, std::string& out) {
  // Each size once: a switch on the value's kind per attribute costs more than the writing.
  thread_local std::vector<uint32_t> value_body;
  thread_local std::vector<size_t> span_body;
  value_body.resize(trace.attributes.size());
  for (size_t i = 0; i < trace.attributes.size(); ++i) {
    value_body[i] = static_cast<uint32_t>(AnyValueBodySize(trace, trace.attributes[i]));
  }
  span_body.resize(trace.spans.size());
  size_t total = 0;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    span_body[i] = SpanBodySize(trace, i, value_body.data());
    total += FieldSize(span_body[i]);
  }
  const size_t at = out.size();
  out.resize(at + total);
  char* p = out.data() + at;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    p = SpanField(p, trace, i, span_body[i], value_body.data());
  }
  assert(p == out.data() + out.size());  // the sizes computed are the bytes written
}

std::string ProtobufEnvelopeHead(const TraceResource& resource, uint64_t span_bytes) {
  // ExportTraceServiceRequest.resource_spans 1 > ResourceSpans: resource 1 (Resource:
  // attributes 1), scope_spans 2 > ScopeSpans: scope 1 (InstrumentationScope: name 1), spans 2
  // (the spans that follow).
  const auto attributes = ResourceAttributes(resource);  // string values: AnyValue field 1
  size_t resource_body = 0;
  for (const auto& [k, v] : attributes) {
    resource_body += FieldSize(KeyValueBodySize(k, FieldSize(v.size())));
  }
  const size_t scope_body = FieldSize(kOtlpScopeName.size());
  const size_t scope_spans_body = FieldSize(scope_body) + span_bytes;
  const size_t resource_spans_body = FieldSize(resource_body) + FieldSize(scope_spans_body);

  std::string out(FieldSize(resource_spans_body) - span_bytes, '\0');
  char* p = Head(out.data(), 1, resource_spans_body);
  p = Head(p, 1, resource_body);
  for (const auto& [k, v] : attributes) {
    p = KeyValueHead(p, 1, k, FieldSize(v.size()));
    p = String(p, 1, v);
  }
  p = Head(p, 2, scope_spans_body);
  p = Head(p, 1, scope_body);
  p = String(p, 1, kOtlpScopeName);
  assert(p == out.data() + out.size());
  return out;
}

}  // namespace vsr::observability
