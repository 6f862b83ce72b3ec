// The transports MakeTransport chooses between (one file each).
#pragma once

#include <memory>

#include "mcp/client.h"

namespace vsr::mcp {

std::unique_ptr<Transport> MakeStdioTransport(const ClientOptions& options);
std::unique_ptr<Transport> MakeHttpTransport(const ClientOptions& options);

}  // namespace vsr::mcp
