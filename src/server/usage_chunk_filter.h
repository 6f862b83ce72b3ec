// Drops the usage-only chunk (`"choices": []` with a `usage` object) from an OpenAI chat
// stream. The router asks OpenAI-format backends for it (stream_options.include_usage) to count
// tokens; a client that did not ask gets the stream the backend would have sent it, as the
// OpenAI API defines it (usage only when asked). Every other byte passes through as it came;
// an event cut between two pieces waits for its end (the blank line), which a client reading
// SSE waits for anyway.
#pragma once

#include <memory>

#include "server/format_translation.h"

namespace vsr::server {

std::unique_ptr<StreamTranslator> DropUsageOnlyChunk();

}  // namespace vsr::server
