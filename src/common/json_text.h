// JSON text for files people read and edit (indented, key order kept, UTF-8 left as is).
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace vsr {

// Two-space indented JSON with a trailing newline; doubles in shortest round-trip form
// (1.0, 0.25), not Boost's exponent form (1E0).
std::string PrettyJson(const boost::json::value& value);

// One-line JSON as Go's encoding/json writes it (0.75, 1, 1e+21): what our HTTP APIs send.
std::string CompactJson(const boost::json::value& value);

}  // namespace vsr
