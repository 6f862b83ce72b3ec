#include "observability/tracer.h"

#include <iostream>

namespace vsr::observability {

std::string OtlpHttpUrl(std::string_view endpoint, std::string& note) {
  std::string url(endpoint);
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    // host:port as upstream's gRPC exporter takes it.
    if (url.size() > 5 && url.ends_with(":4317")) {
      url.replace(url.size() - 4, 4, "4318");
      note = "exporter endpoint " + std::string(endpoint) +
             " is OTLP/gRPC; spans go to the same collector's OTLP/HTTP port 4318";
    }
    url = "http://" + url;
  } else {
    const std::string scheme = url.substr(0, scheme_end);
    if (scheme != "http") {
      note = "exporter endpoint '" + std::string(endpoint) +
             "' must be http://host:port or host:port (OTLP/HTTP; https collectors are not "
             "supported in this build)";
      return {};
    }
  }
  const size_t host_start = url.find("://") + 3;
  if (url.find('/', host_start) == std::string::npos) url += "/v1/traces";
  if (url.size() <= host_start || url[host_start] == '/' || url[host_start] == ':') {
    note = "exporter endpoint '" + std::string(endpoint) + "' has no host";
    return {};
  }
  return url;
}

std::shared_ptr<Tracer> Tracer::Create(const config::Tracing& cfg, Post post,
                                       TraceExporter::Log log, TraceExporterOptions options) {
  if (!cfg.enabled || cfg.sampling.type == "always_off") return nullptr;
  std::shared_ptr<Tracer> tracer(new Tracer());
  tracer->sampling_type_ = cfg.sampling.type;
  tracer->sampling_rate_ = cfg.sampling.rate;
  TraceResource resource{cfg.resource.service_name.empty() ? "vllm-sr" : cfg.resource.service_name,
                         cfg.resource.service_version, cfg.resource.deployment_environment};
  TraceExporter::Post send;
  if (cfg.exporter.type == "stdout") {
    // Upstream prints spans for local debugging; we print each batch as one OTLP JSON line.
    options.encoding = OtlpEncoding::kJson;
    send = [](std::string_view body, std::string_view, std::string&) {
      std::cout << body << std::endl;
      return true;
    };
    tracer->description_ = "spans printed to the router log (exporter.type stdout)";
  } else {
    std::string note;
    const std::string url = OtlpHttpUrl(cfg.exporter.endpoint, note);
    if (url.empty()) {
      if (log) log("tracing: " + note + "; tracing is off");
      return nullptr;
    }
    if (!note.empty() && log) log("tracing: " + note);
    send = [post = std::move(post), url](std::string_view body, std::string_view content_type,
                                         std::string& error) {
      return post(url, body, content_type, error);
    };
    tracer->description_ =
        std::string(options.encoding == OtlpEncoding::kJson ? "OTLP/HTTP JSON to "
                                                            : "OTLP/HTTP protobuf to ") +
        url + " (sampling " + cfg.sampling.type + ")";
  }
  tracer->exporter_ = std::make_unique<TraceExporter>(std::move(resource), std::move(send),
                                                      std::move(log), options);
  return tracer;
}

RequestTrace Tracer::StartRequest(std::string_view traceparent) const {
  // While the exporter's queue is full (the collector is down, upstream's default endpoint on a
  // stack without it, or slower than the traffic) the spans of a trace started now would be
  // dropped when it finishes, so they are not recorded; the trace still propagates to backends
  // with its sampling decision.
  const bool room = !exporter_->saturated();
  std::optional<TraceParent> parent;
  if (!traceparent.empty()) parent = ParseTraceParent(traceparent);
  if (parent) return RequestTrace(*parent, parent->sampled, parent->sampled && room);
  // A new trace (no parent span): the sampler decides from its id.
  TraceParent fresh{NewTraceId(), {}, false};
  fresh.sampled = SampleTrace(fresh.trace_id, sampling_type_, sampling_rate_);
  return RequestTrace(fresh, fresh.sampled, fresh.sampled && room);
}

void Tracer::Finish(RequestTrace& trace) const {
  if (!trace.recording()) return;
  TraceData data = trace.Take();
  // The queue filled while this request ran: the spans would be dropped after encoding, so
  // drop them before.
  if (exporter_->saturated()) {
    exporter_->Drop(data.spans.size());
  } else {
    exporter_->Submit(data);
  }
  RequestTrace::Recycle(std::move(data));
}

}  // namespace vsr::observability
