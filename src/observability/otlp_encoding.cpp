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

EncodedSpans EncodeSpans(OtlpEncoding encoding, const TraceData& trace) {
  return encoding == OtlpEncoding::kJson ? JsonSpans(trace) : ProtobufSpans(trace);
}

void EncodeBatch(OtlpEncoding encoding, const TraceResource& resource,
                 const std::vector<EncodedSpans>& spans, std::string& out) {
  if (encoding == OtlpEncoding::kJson) {
    JsonBatch(resource, spans, out);
  } else {
    ProtobufBatch(resource, spans, out);
  }
}

namespace {
std::string Batch(OtlpEncoding encoding, const std::vector<TraceData>& traces,
                  const TraceResource& resource) {
  std::vector<EncodedSpans> spans;
  spans.reserve(traces.size());
  for (const TraceData& t : traces) spans.push_back(EncodeSpans(encoding, t));
  std::string out;
  EncodeBatch(encoding, resource, spans, out);
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
