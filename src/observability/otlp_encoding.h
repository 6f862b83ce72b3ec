// The two OTLP/HTTP encodings of a batch of finished traces (one ExportTraceServiceRequest):
// binary protobuf, the OTLP default that every collector takes and the cheaper one to write and
// to send, and the OTLP/JSON mapping (readable; `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "observability/span.h"

namespace vsr::observability {

struct TraceResource {
  std::string service_name = "vllm-sr";
  std::string service_version;
  std::string deployment_environment;
};

// What both encodings say about where spans come from: the resource's attributes
// (service.name, then service.version and deployment.environment when set) and the
// instrumentation scope's name.
std::vector<std::pair<std::string_view, std::string_view>> ResourceAttributes(
    const TraceResource& resource);
inline constexpr std::string_view kOtlpScopeName = "semantic-router";

enum class OtlpEncoding { kProtobuf, kJson };

// The Content-Type a collector expects for the encoding.
std::string_view OtlpContentType(OtlpEncoding encoding);

// The encoding the OpenTelemetry variables ask for (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
// OTEL_EXPORTER_OTLP_PROTOCOL): "http/protobuf" (the default when neither is set) or
// "http/json". `get` reads a variable (std::getenv in the router, a map in tests). Any other
// value keeps protobuf and sets `note` to say so.
OtlpEncoding OtlpEncodingFromEnv(const std::function<const char*(const char*)>& get,
                                 std::string& note);

// A trace's spans are encoded where the request ends (its data still in cache) into a buffer
// the thread reuses; the exporter joins many traces' spans into the body of one batch.

// OTLP JSON (ids as hex, 64-bit integers as strings, per the OTLP/JSON mapping), written
// directly as text: the span objects, comma separated. Replaces what `out` held.
void JsonSpans(const TraceData& trace, std::string& out);
// OTLP protobuf, written field by field (ids as raw bytes, times as fixed64, strings as they
// are): each span a ScopeSpans.spans field. Replaces what `out` held.
void ProtobufSpans(const TraceData& trace, std::string& out);
void EncodeSpans(OtlpEncoding encoding, const TraceData& trace, std::string& out);

// Appends one trace's encoded spans to the spans joined so far (JSON separates them by commas).
void JoinSpans(OtlpEncoding encoding, std::string_view spans, std::string& joined);

// A batch, an ExportTraceServiceRequest (opentelemetry.proto.collector.trace.v1) with one
// resource and one scope, around joined spans. It replaces what `out` held; its capacity is
// kept (the exporter reuses one buffer, so a batch of a few hundred KB does not fault in fresh
// pages every time).
void JsonBatch(const TraceResource& resource, std::string_view spans, std::string& out);
void ProtobufBatch(const TraceResource& resource, std::string_view spans, std::string& out);
void EncodeBatch(OtlpEncoding encoding, const TraceResource& resource, std::string_view spans,
                 std::string& out);

// A whole batch from finished traces (tests, benchmarks).
std::string OtlpJson(const std::vector<TraceData>& traces, const TraceResource& resource);
std::string OtlpProtobuf(const std::vector<TraceData>& traces, const TraceResource& resource);

}  // namespace vsr::observability
