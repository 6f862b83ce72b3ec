#include "observability/otlp_encoding.h"

namespace vsr::observability {

std::vector<std::pair<std::string_view, std::string_view>> ResourceAttributes(
    const TraceResource& resource) {
  std::vector<std::pair<std::string_view, std::string_view>> out{
      {"service.name", resource.service_name}};
  if (!resource.service_version.empty()) {
    out.emplace_back("service.version", resource.service_version);
  }
  if (!resource.deployment_environment.empty()) {
    out.emplace_back("deployment.environment", resource.deployment_environment);
  }
  return out;
}

std::string_view OtlpContentType(OtlpEncoding encoding) {
  return encoding == OtlpEncoding::kJson ? "application/json" : "application/x-protobuf";
}

OtlpEncoding OtlpEncodingFromEnv(const std::function<const char*(const char*)>& get,
                                 std::string& note) {
  const char* name = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
  const char* value = get(name);
  if (value == nullptr || *value == '\0') {
    name = "OTEL_EXPORTER_OTLP_PROTOCOL";
    value = get(name);
  }
  if (value == nullptr || *value == '\0') return OtlpEncoding::kProtobuf;
  const std::string_view v(value);
  if (v == "http/json") return OtlpEncoding::kJson;
  if (v != "http/protobuf") {
    note = std::string(name) + "=" + std::string(v) +
           " is not supported (this build exports over OTLP/HTTP: use http/protobuf or "
           "http/json); spans go out as http/protobuf";
  }
  return OtlpEncoding::kProtobuf;
}

namespace {
// A request's trace is built over its whole life while the thread serves other requests, so
// by the time it is encoded it is mostly out of cache. Touching all of it up front lets the
// misses overlap instead of coming one by one as the encoder follows the spans' attributes.
void Prefetch(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  for (size_t i = 0; i < bytes; i += 64) __builtin_prefetch(p + i);
}
}  // namespace

void EncodeSpans(OtlpEncoding encoding, const TraceData& trace, std::string& out) {
  Prefetch(trace.spans.data(), trace.spans.size() * sizeof(Span));
  Prefetch(trace.attributes.data(), trace.attributes.size() * sizeof(SpanAttribute));
  Prefetch(trace.text.data(), trace.text.size());
  if (encoding == OtlpEncoding::kJson) {
    JsonSpans(trace, out);
  } else {
    ProtobufSpans(trace, out);
  }
}

void JoinSpans(OtlpEncoding encoding, std::string_view spans, std::string& joined) {
  if (spans.empty()) return;
  if (encoding == OtlpEncoding::kJson && !joined.empty()) joined += ',';
  joined += spans;
}

void EncodeBatch(OtlpEncoding encoding, const TraceResource& resource, std::string_view spans,
                 std::string& out) {
  if (encoding == OtlpEncoding::kJson) {
    JsonBatch(resource, spans, out);
  } else {
    ProtobufBatch(resource, spans, out);
  }
}

namespace {
std::string Batch(OtlpEncoding encoding, const std::vector<TraceData>& traces,
                  const TraceResource& resource) {
  std::string joined, spans, out;
  for (const TraceData& t : traces) {
    EncodeSpans(encoding, t, spans);
    JoinSpans(encoding, spans, joined);
  }
  EncodeBatch(encoding, resource, joined, out);
  return out;
}
}  // namespace

std::string OtlpJson(const std::vector<TraceData>& traces, const TraceResource& resource) {
  return Batch(OtlpEncoding::kJson, traces, resource);
}

std::string OtlpProtobuf(const std::vector<TraceData>& traces, const TraceResource& resource) {
  return Batch(OtlpEncoding::kProtobuf, traces, resource);
}

}  // namespace vsr::observability
