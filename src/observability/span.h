// Spans of one request. A RequestTrace is owned by the request (one coroutine, so no locks):
// spans are opened and closed as the request moves through routing, plugins and the backend
// call, then handed to the exporter in one piece. When the trace is not sampled every call is
// a no-op, but the trace context still propagates to backends.
//
// Cheap on purpose (every request of a traced router pays it): span names and attribute keys
// are string literals held as views, and a trace keeps all its attributes in one vector.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "observability/trace_context.h"

namespace vsr::observability {

using AttributeValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3 };

struct Span {
  std::string_view name;  // static storage (a literal or a static table)
  TraceId trace_id{};
  SpanId span_id{}, parent_span_id{};  // parent all zero: a root span
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_ns = 0, end_unix_ns = 0;
  bool error = false;
  std::string status_message;
};

struct SpanAttribute {
  uint32_t span;         // index into TraceData::spans
  std::string_view key;  // static storage
  AttributeValue value;
};

// What one request leaves: its spans and their attributes.
struct TraceData {
  std::vector<Span> spans;
  std::vector<SpanAttribute> attributes;
};

int64_t UnixNowNs();

class RequestTrace {
 public:
  using Index = size_t;
  static constexpr Index kNone = static_cast<Index>(-1);

  // Continues `parent` (the client's traceparent, or a fresh trace id with no parent span) and
  // records when `sampled`.
  RequestTrace(const TraceParent& parent, bool sampled);
  RequestTrace() = default;  // tracing off: inert

  bool recording() const { return recording_; }
  const TraceId& trace_id() const { return trace_id_; }

  // Opens a span under `parent` (kNone: under the request's root, or the client's span for the
  // root itself). Returns kNone when not recording. `name` must outlive the trace (a literal).
  Index Begin(std::string_view name, Index parent = kNone, SpanKind kind = SpanKind::kInternal);
  // A span whose timing is already known (e.g. a signal measured on a worker thread).
  Index Add(std::string_view name, Index parent, int64_t start_unix_ns, int64_t end_unix_ns);
  void End(Index span);
  void Set(Index span, std::string_view key, AttributeValue value);
  void Fail(Index span, std::string message);
  // The traceparent for a call made inside `span` (e.g. to a backend): propagated even when
  // not recording, with the sampled flag off.
  std::string TraceParentFor(Index span) const;
  // Every span, closing those still open; the trace is empty afterwards.
  TraceData Take();

 private:
  bool recording_ = false;
  bool sampled_ = false;
  TraceId trace_id_{};
  SpanId remote_parent_{};
  SpanId unsampled_span_{};  // the id sent downstream when no span of ours is there
  TraceData data_;
};

}  // namespace vsr::observability
