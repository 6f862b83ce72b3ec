// The two OTLP/HTTP encodings of a batch of finished traces (one ExportTraceServiceRequest):
// binary protobuf, the OTLP default that every collector takes and the cheaper one to write and
// to send, and the OTLP/JSON mapping (readable; `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`).
#pragma once

#include <cstdint>
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

// A batch is one buffer: room for its envelope at the front, then each trace's spans, appended
// where the trace ends (its data still in cache). Sealing writes the envelope into that room,
// ending where the spans begin (and in JSON the closing brackets after them), so spans are
// written once, in the buffer they are sent from.
//
// The room to keep at the front of a batch for the envelope.
size_t BatchHeadroom(OtlpEncoding encoding, const TraceResource& resource);
// Appends a trace's spans to `batch`, after the spans already there (`first` when none are).
// OTLP protobuf: each span a ScopeSpans.spans field (ids as raw bytes, times as fixed64).
// OTLP JSON: span objects, comma separated (ids as hex, 64-bit integers as strings).
void AppendSpans(OtlpEncoding encoding, const TraceData& trace, bool first, std::string& batch);
// The body to post: an ExportTraceServiceRequest (opentelemetry.proto.collector.trace.v1) with
// one resource and one scope around the spans in batch[headroom, end).
std::string_view SealBatch(OtlpEncoding encoding, const TraceResource& resource, size_t headroom,
                           std::string& batch);

// The encodings' own parts (otlp_json.cpp, otlp_protobuf.cpp): a trace's spans appended, and
// the bytes of the envelope that come before spans of `span_bytes` bytes (JSON: and after).
void JsonSpans(const TraceData& trace, bool first, std::string& out);
std::string JsonEnvelopeHead(const TraceResource& resource);
inline constexpr std::string_view kJsonEnvelopeTail = "]}]}]}";
void ProtobufSpans(const TraceData& trace, std::string& out);
std::string ProtobufEnvelopeHead(const TraceResource& resource, uint64_t span_bytes);

// A whole batch from finished traces (tests, benchmarks).
std::string OtlpJson(const std::vector<TraceData>& traces, const TraceResource& resource);
std::string OtlpProtobuf(const std::vector<TraceData>& traces, const TraceResource& resource);

}  // namespace vsr::observability
