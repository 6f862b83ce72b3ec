#include "server/forward_headers.h"

#include <array>
#include <string_view>

#include "common/strings.h"

namespace vsr::server {

namespace {

template <size_t N>
bool OneOf(std::string_view name, const std::array<std::string_view, N>& names) {
  for (const std::string_view n : names) {
    if (IEquals(name, n)) return true;
  }
  return false;
}

bool RouterHeader(std::string_view name) {
  return name.size() >= 6 && IEquals(name.substr(0, 6), "x-vsr-");
}

// Connection-level headers (RFC 9110 §7.6.1): never passed on, either way.
constexpr std::array<std::string_view, 7> kHopByHop = {
    "connection", "keep-alive",        "proxy-connection", "te",
    "trailer",    "transfer-encoding", "upgrade"};

// A request's headers the upstream client writes itself. accept-encoding is dropped because the
// router reads (and may rewrite) every answer body. The router's internal request headers are
// never passed on.
bool Dropped(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kOwn = {
      "host",   "content-length", "content-type",       "accept-encoding",
      "expect", "x-request-id",   "proxy-authorization"};
  return OneOf(name, kHopByHop) || OneOf(name, kOwn) || RouterHeader(name);
}

// An answer's headers the router writes itself.
bool WrittenByRouter(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kOwn = {
      "content-length", "content-type", "content-encoding",
      "server",         "x-request-id", "proxy-authenticate"};
  return OneOf(name, kHopByHop) || OneOf(name, kOwn) || RouterHeader(name);
}

}  // namespace

void RemoveHeader(HeaderList& list, std::string_view name) {
  std::erase_if(list, [&](const auto& h) { return IEquals(h.first, name); });
}

void SetHeader(HeaderList& list, const std::string& name, const std::string& value) {
  RemoveHeader(list, name);
  list.emplace_back(ToLower(name), value);
}

HeaderList ForwardHeaders(const std::map<std::string, std::string>& client,
                          const HeaderList& backend, const HeaderList& plugin_set,
                          const std::vector<std::string>& plugin_remove,
                          const std::string& request_id, std::string traceparent) {
  HeaderList out;
  out.reserve(client.size() + backend.size() + plugin_set.size() + 2);
  const bool traced = !traceparent.empty();
  for (const auto& [name, value] : client) {
    // A traced request's traceparent is the router's, which replaces the client's below.
    if (!Dropped(name) && !(traced && name == "traceparent")) out.emplace_back(name, value);
  }
  for (const auto& [name, value] : backend) SetHeader(out, name, value);
  for (const auto& [name, value] : plugin_set) {
    if (!Dropped(ToLower(name))) SetHeader(out, name, value);
  }
  for (const std::string& name : plugin_remove) RemoveHeader(out, name);
  out.emplace_back("x-request-id", request_id);
  // Traced requests: the router's upstream span is the backend's parent (tracestate passes).
  if (traced) {
    if (!backend.empty() || !plugin_set.empty()) RemoveHeader(out, "traceparent");  // set by those
    out.emplace_back("traceparent", std::move(traceparent));
  }
  return out;
}

void PassBackHeaders(HeaderList& backend, HeaderList& out) {
  for (auto& header : backend) {
    if (!WrittenByRouter(header.first)) out.push_back(std::move(header));
  }
}

}  // namespace vsr::server
