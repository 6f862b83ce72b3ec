// RFC 3339 timestamps in UTC at whole seconds ("2026-12-04T05:06:07Z"): what the router API,
// the memory API and the Elo ratings file write, as upstream does; the access log and replay
// records put their fraction of a second before the 'Z'.
#pragma once

#include <cstdint>
#include <string>

namespace vsr {

std::string Rfc3339Utc(int64_t unix_seconds);

}  // namespace vsr
