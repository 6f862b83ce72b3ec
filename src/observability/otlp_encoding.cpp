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

size_t BatchHeadroom(OtlpEncoding encoding, const TraceResource& resource) {
  if (encoding == OtlpEncoding::kJson) return JsonEnvelopeHead(resource).size();
  // The head's lengths are varints, longest for the most spans a batch could hold.
  return ProtobufEnvelopeHead(resource, uint64_t{1} << 40).size();
}

void AppendSpans(OtlpEncoding encoding, const TraceData& trace, bool first, std::string& batch) {
  Prefetch(trace.spans.data(), trace.spans.size() * sizeof(Span));
  Prefetch(trace.attributes.data(), trace.attributes.size() * sizeof(SpanAttribute));
  Prefetch(trace.text.data(), trace.text.size());
  if (encoding == OtlpEncoding::kJson) {
    JsonSpans(trace, first, batch);
  } else {
    ProtobufSpans(trace, batch);
  }
}

std::string_view SealBatch(OtlpEncoding encoding, const TraceResource& resource, size_t headroom,
                           std::string& batch) {
  const std::string head = encoding == OtlpEncoding::kJson
                               ? JsonEnvelopeHead(resource)
                               : ProtobufEnvelopeHead(resource, batch.size() - headroom);
  if (encoding == OtlpEncoding::kJson) batch += kJsonEnvelopeTail;
  const size_t start = headroom - head.size();  // BatchHeadroom is at least this
  batch.replace(start, head.size(), head);
  return std::string_view(batch).substr(start);
}

namespace {
std::string Batch(OtlpEncoding encoding, const std::vector<TraceData>& traces,
                  const TraceResource& resource) {
  const size_t headroom = BatchHeadroom(encoding, resource);
  std::string batch(headroom, '\0');
  for (const TraceData& t : traces) AppendSpans(encoding, t, batch.size() == headroom, batch);
  return std::string(SealBatch(encoding, resource, headroom, batch));
}
}  // namespace

std::string OtlpJson(const std::vector<TraceData>& traces, const TraceResource& resource) {
  return Batch(OtlpEncoding::kJson, traces, resource);
}

std::string OtlpProtobuf(const std::vector<TraceData>& traces, const TraceResource& resource) {
  return Batch(OtlpEncoding::kProtobuf, traces, resource);
}

}  // namespace vsr::observability
