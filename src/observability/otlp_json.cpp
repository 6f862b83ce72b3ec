// OTLP/JSON: the protobuf messages in the OTLP JSON mapping (lowerCamelCase field names, trace
// and span ids as hex, 64-bit integers as decimal strings, enums as numbers).
#include "common/json_text.h"
#include "observability/otlp_encoding.h"

namespace vsr::observability {

namespace {

template <size_t N>
void AppendQuotedHex(std::string& out, const std::array<uint8_t, N>& id) {
  out += '"';
  AppendHex(out, id.data(), N);
  out += '"';
}

void AppendStringValue(std::string& out, std::string_view s) {
  out += "{\"stringValue\":";
  AppendJsonString(out, s);
  out += '}';
}

void AppendAnyValue(std::string& out, const AttributeValue& a) {
  switch (a.kind) {
    case AttributeKind::kString:
      AppendStringValue(out, a.bytes);
      return;
    case AttributeKind::kInt:
      out += "{\"intValue\":\"";  // int64 as a string (OTLP JSON)
      out += std::to_string(a.integer);
      out += "\"}";
      return;
    case AttributeKind::kDouble:
      out += "{\"doubleValue\":";
      AppendJsonNumber(out, a.number);
      out += '}';
      return;
    case AttributeKind::kBool:
      out += a.flag ? "{\"boolValue\":true}" : "{\"boolValue\":false}";
      return;
    case AttributeKind::kStrings: {
      out += "{\"arrayValue\":{\"values\":[";
      bool first = true;
      TraceData::ForEachString(a.bytes, [&](std::string_view s) {
        if (!first) out += ',';
        first = false;
        AppendStringValue(out, s);
      });
      out += "]}}";
      return;
    }
  }
}

void AppendKey(std::string& out, std::string_view key) {
  out += "{\"key\":";
  AppendJsonString(out, key);
  out += ",\"value\":";
}

void AppendSpan(std::string& out, const TraceData& trace, size_t index) {
  const Span& s = trace.spans[index];
  out += "{\"traceId\":";
  AppendQuotedHex(out, trace.trace_id);
  out += ",\"spanId\":";
  AppendQuotedHex(out, s.span_id);
  if (s.has_parent()) {
    out += ",\"parentSpanId\":";
    AppendQuotedHex(out, s.parent_span_id);
  }
  out += ",\"name\":";
  AppendJsonString(out, s.name);
  out += ",\"kind\":" + std::to_string(static_cast<int>(s.kind));
  out += ",\"startTimeUnixNano\":\"" + std::to_string(s.start_unix_ns);
  out += "\",\"endTimeUnixNano\":\"" + std::to_string(s.end_unix_ns);
  out += "\",\"attributes\":[";
  bool first = true;
  trace.ForEachAttribute(index, [&](const SpanAttribute& field) {
    if (!first) out += ',';
    first = false;
    const AttributeValue a = trace.Read(field);
    AppendKey(out, a.key);
    AppendAnyValue(out, a);
    out += '}';
  });
  out += "],\"status\":{";
  if (s.error) {
    out += "\"code\":2";  // STATUS_CODE_ERROR
    if (const std::string_view message = trace.Status(s); !message.empty()) {
      out += ",\"message\":";
      AppendJsonString(out, message);
    }
  }
  out += "}}";
}

void AppendResourceAttribute(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  AppendStringValue(out, value);
  out += '}';
}

}  // namespace

void JsonSpans(const TraceData& trace, bool first, std::string& out) {
  out.reserve(out.size() + trace.spans.size() * 600);
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    if (i > 0 || !first) out += ',';
    AppendSpan(out, trace, i);
  }
}

std::string JsonEnvelopeHead(const TraceResource& resource) {
  std::string out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  bool first = true;
  for (const auto& [key, value] : ResourceAttributes(resource)) {
    if (!first) out += ',';
    first = false;
    AppendResourceAttribute(out, key, value);
  }
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":";
  AppendJsonString(out, kOtlpScopeName);
  out += "},\"spans\":[";
  return out;
}

}  // namespace vsr::observability
