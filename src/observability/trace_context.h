// W3C trace context: trace and span ids, the `traceparent` header
// (version-traceid-parentid-flags, https://www.w3.org/TR/trace-context/), and id generation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vsr::observability {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct TraceParent {
  TraceId trace_id{};
  SpanId span_id{};  // the caller's span: the parent of ours
  bool sampled = false;
};

// Parses a traceparent header; nullopt when malformed, all-zero ids or version ff (the spec:
// start a new trace then). Future versions are read by their first four fields.
std::optional<TraceParent> ParseTraceParent(std::string_view header);
std::string FormatTraceParent(const TraceId& trace, const SpanId& span, bool sampled);

TraceId NewTraceId();  // random, never all zero
SpanId NewSpanId();
std::string Hex(const uint8_t* bytes, size_t n);
void AppendHex(std::string& out, const uint8_t* bytes, size_t n);  // lower case, no quotes
template <size_t N>
std::string Hex(const std::array<uint8_t, N>& id) {
  return Hex(id.data(), N);
}

// The sampling decision for a new trace: "always_on" (default), "always_off", or
// "traceidratio"/"probabilistic" keeping `rate` of traces, decided from the trace id so every
// service that sees the id agrees.
bool SampleTrace(const TraceId& id, std::string_view type, double rate);

}  // namespace vsr::observability
