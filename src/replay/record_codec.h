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

// Only the fields that say how a request ended (status, answer, tokens and cost, the answer's
// screens, cache and streaming flags, latency): the data plane records a request when it is
// forwarded and adds these when it ends, without unpacking and repacking the rest.
std::string PackOutcome(const ReplayRecord& record);
// Sets `record`'s outcome fields from what PackOutcome wrote; the others stay as they are.
void UnpackOutcome(std::string_view packed, ReplayRecord& record);

}  // namespace vsr::replay
