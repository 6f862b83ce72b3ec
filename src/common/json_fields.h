// Reading fields of untrusted JSON bodies without exceptions: a missing or mistyped field reads
// as empty / zero. Shared by the format translators, the data plane, the plugins and the simulator.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace vsr {

inline std::string StringField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline int64_t IntField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

// The object at `key`; null when it is missing or not an object.
inline const boost::json::object* ObjectField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

// An OpenAI chat request that asks for the final usage chunk (stream_options.include_usage).
inline bool StreamUsageRequested(const boost::json::object& body) {
  const boost::json::value* so = body.if_contains("stream_options");
  if (!so || !so->is_object()) return false;
  const boost::json::value* iu = so->as_object().if_contains("include_usage");
  return iu && iu->is_bool() && iu->as_bool();
}

}  // namespace vsr
