// Go duration strings ("300s", "1m30s", "1.5h", "250ms"), as upstream's config uses them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vsr {

// nullopt for anything Go's time.ParseDuration would reject (and for negative durations).
std::optional<std::chrono::milliseconds> ParseGoDuration(std::string_view text);

// As Go writes a duration, to the millisecond: "250ms", "1s", "1.5s", "1m30s", "2h0m0s".
std::string FormatGoDuration(std::chrono::milliseconds duration);

}  // namespace vsr
