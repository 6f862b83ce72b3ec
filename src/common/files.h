// Small file helpers with error values instead of exceptions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace vsr {

// Reads a whole file of at most `max_bytes`; on failure returns nullopt and sets `error`.
std::optional<std::string> ReadTextFile(const std::string& path, std::string& error,
                                        size_t max_bytes = 64 * 1024 * 1024);

// Writes `content` to a temporary file beside `path`, then renames it over `path`, so readers
// never see a half-written file. Creates missing parent directories. False + `error` on failure.
bool WriteFileAtomically(const std::string& path, const std::string& content, std::string& error);

}  // namespace vsr
