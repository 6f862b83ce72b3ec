// The forwarded body as the client's own bytes with the top-level "model" swapped for the
// provider's model id, instead of the parsed object written out again: serializing costs ~5
// instructions a byte of prompt and a second copy of it, and the client's numbers reach the
// backend as written (an integer past 64 bits is not rounded through a double).
//
// Only for a body the router did not otherwise change (no translation, no rewriting plugin, no
// reasoning switch); the data plane falls back to serializing whenever this says no.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vsr::server {

// `body`: a JSON object the router parsed into `parsed` (unchanged since). Returns it with its
// top-level "model" value replaced by `model` (a JSON string) and, when `add_stream_usage`, with
// "stream_options":{"include_usage":true} added (what the router asks of an OpenAI backend to
// count a stream's tokens). nullopt, to serialize instead, when the body cannot be edited with
// certainty: not one object, a top-level key written with an escape (it might spell "model"), a
// key twice in any object (the parse kept the last, a backend might read the first), "model"
// missing, or, with `add_stream_usage`, "stream" not the literal `true` or a "stream_options"
// other than {"include_usage": true} (which is kept as it is).
std::optional<std::string> SpliceForwardedBody(std::string_view body,
                                               const boost::json::object& parsed,
                                               std::string_view model, bool add_stream_usage);

}  // namespace vsr::server
