// Request tracing as `global.services.observability.tracing` configures it: the sampling
// decision, the collector endpoint (OTLP/HTTP, protobuf or JSON), the resource, and the one
// exporter the router's listeners share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "observability/span.h"
#include "observability/trace_exporter.h"

namespace vsr::observability {

// Where OTLP/HTTP spans go for the configured exporter endpoint: "http://host:port[/path]"
// as given (path /v1/traces when none); a bare "host:port" is http, and upstream's gRPC port
// 4317 becomes the collector's OTLP/HTTP port 4318 (`note` says so). Empty with `note` set
// when the endpoint cannot be used.
std::string OtlpHttpUrl(std::string_view endpoint, std::string& note);

class Tracer {
 public:
  // `post` sends one body of the given Content-Type to `url` (the router gives its HTTP
  // client; tests a fake).
  using Post = std::function<bool(const std::string& url, std::string_view body,
                                  std::string_view content_type, std::string& error)>;
  // Null when tracing is off (disabled, always_off, or an unusable endpoint; `log` says why).
  static std::shared_ptr<Tracer> Create(const config::Tracing& cfg, Post post,
                                        TraceExporter::Log log, TraceExporterOptions options = {});

  // A trace for one request, continuing the client's traceparent when it sent a valid one
  // (and then following its sampled flag). Not recorded while the exporter is saturated.
  RequestTrace StartRequest(std::string_view traceparent) const;
  // Hands the request's spans to the exporter, which encodes them on the calling thread (after
  // the answer went out).
  void Finish(RequestTrace& trace) const;
  TraceExporter& exporter() const { return *exporter_; }
  const std::string& description() const { return description_; }  // for the startup line

 private:
  Tracer() = default;
  std::string sampling_type_;
  double sampling_rate_ = 1;
  std::string description_;
  std::unique_ptr<TraceExporter> exporter_;
};

}  // namespace vsr::observability
