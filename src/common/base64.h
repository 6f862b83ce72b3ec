// Base64 (RFC 4648, the standard alphabet with '=' padding), both ways.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vsr {

std::string EncodeBase64(std::string_view bytes);
// The bytes of `text`; nullopt when it holds a character outside the alphabet or its length
// is not a whole number of 4-character groups. Whitespace is not skipped.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace vsr
