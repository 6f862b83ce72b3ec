// A replay record packed into one buffer, and back. The in-memory store keeps ten thousand
// records per decision by default; held as structs, each is some thirty heap blocks that
// outlive thousands of requests, and their eviction, one cold block after another, cost the
// data plane ~15% of its CPU per request (bench/proxy). Packed, a record is one block.
// The format is private to the process (never written to disk or sent anywhere).
#pragma once

#include <string>
#include <string_view>

#include "replay/record.h"

namespace vsr::replay {

std::string PackRecord(const ReplayRecord& record);
// `packed` must come from PackRecord.
ReplayRecord UnpackRecord(std::string_view packed);

}  // namespace vsr::replay
