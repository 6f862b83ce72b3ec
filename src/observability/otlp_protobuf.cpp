// OTLP protobuf by hand: the few message types of an ExportTraceServiceRequest are written
// straight into one buffer. Field numbers are those of opentelemetry-proto (trace/v1,
// common/v1, resource/v1, collector/trace/v1).
#include <cassert>
#include <cstring>
#include <vector>

#include "observability/otlp_encoding.h"
#include "observability/protobuf_wire.h"

namespace vsr::observability {

namespace {

using namespace protobuf;

// Every message's size is computed before it is written, so the encoding is one exact buffer
// written front to back through a cursor: no growth checks, no lengths closed up afterwards by
// moving the body. The attributes were written as protobuf fields when they were set
// (RequestTrace::Set): here they are copied as they are.

// Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7, end 8, attributes 9
// (KeyValue: key 1, value 2), status 15 (Status: message 2, code 3).
size_t StatusBodySize(const TraceData& trace, const Span& s) {
  const size_t message = trace.Status(s).size();
  return (message == 0 ? 0 : FieldSize(message)) + 2;
}

size_t SpanBodySize(const TraceData& trace, size_t index) {
  const Span& s = trace.spans[index];
  size_t n = FieldSize(trace.trace_id.size()) + FieldSize(s.span_id.size()) +
             (s.has_parent() ? FieldSize(s.parent_span_id.size()) : 0) + FieldSize(s.name.size()) +
             1 + VarintSize(static_cast<uint64_t>(s.kind)) + 2 * 9;
  trace.ForEachAttribute(index, [&n](const SpanAttribute& a) { n += a.size; });
  if (s.error) n += FieldSize(StatusBodySize(trace, s));  // field 15: a one-byte tag
  return n;
}

// ScopeSpans.spans (2) holding the span.
char* SpanField(char* p, const TraceData& trace, size_t index, size_t body) {
  const Span& s = trace.spans[index];
  p = Head(p, 2, body);
  p = Bytes(p, 1, trace.trace_id.data(), trace.trace_id.size());
  p = Bytes(p, 2, s.span_id.data(), s.span_id.size());
  if (s.has_parent()) p = Bytes(p, 4, s.parent_span_id.data(), s.parent_span_id.size());
  p = String(p, 5, s.name);
  p = Varint(Tag(p, 6, kVarint), static_cast<uint64_t>(s.kind));
  p = Fixed64(p, 7, static_cast<uint64_t>(s.start_unix_ns));
  p = Fixed64(p, 8, static_cast<uint64_t>(s.end_unix_ns));
  const char* text = trace.text.data();
  trace.ForEachAttribute(
      index, [&p, text](const SpanAttribute& a) { p = Copy(p, text + a.offset, a.size); });
  if (s.error) {
    p = Head(p, 15, StatusBodySize(trace, s));
    if (const std::string_view message = trace.Status(s); !message.empty())
      p = String(p, 2, message);
    p = Tag(p, 3, kVarint);
    *p++ = 2;  // STATUS_CODE_ERROR
  }
  return p;
}

}  // namespace

void ProtobufSpans(const TraceData& trace, std::string& out) {
  thread_local std::vector<size_t> span_body;
  span_body.resize(trace.spans.size());
  size_t total = 0;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    span_body[i] = SpanBodySize(trace, i);
    total += FieldSize(span_body[i]);
  }
  const size_t at = out.size();
  out.resize(at + total);
  char* p = out.data() + at;
  for (size_t i = 0; i < trace.spans.size(); ++i) p = SpanField(p, trace, i, span_body[i]);
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
