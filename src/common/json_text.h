// JSON text for files people read and edit (indented, key order kept, UTF-8 left as is).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace vsr {

// Two-space indented JSON with a trailing newline; doubles in shortest round-trip form
// (1.0, 0.25), not Boost's exponent form (1E0).
std::string PrettyJson(const boost::json::value& value);

// One-line JSON as Go's encoding/json writes it (0.75, 1, 1e+21): what our HTTP APIs send.
std::string CompactJson(const boost::json::value& value);
// The same for an object or array as it is: passed as a value, it would be copied into one.
std::string CompactJson(const boost::json::object& object);
std::string CompactJson(const boost::json::array& array);

// For writers that build JSON text directly (hot paths, no DOM): `text` quoted and escaped
// (control characters, quote, backslash; UTF-8 passes through), and a number (null if not
// finite) in shortest round-trip form.
void AppendJsonString(std::string& out, std::string_view text);
void AppendJsonNumber(std::string& out, double value);

// A float vector (an embedding) as a JSON array, each float as the double nearest its shortest
// decimal form (0.1f as 0.1, not 0.10000000149011612): a third of the bytes on the wire, and
// read back as the same floats. FloatsOf reads one (non-numbers as 0; not an array: empty).
boost::json::array FloatArray(const std::vector<float>& v);
std::vector<float> FloatsOf(const boost::json::value& v);

// A field of a JSON object (a row an external store answered): its string, or "" when missing
// or not a string; its number, or 0.
std::string TextField(const boost::json::object& o, std::string_view key);
double NumberField(const boost::json::object& o, std::string_view key);

}  // namespace vsr
