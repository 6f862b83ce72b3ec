// Small string helpers shared by every layer (edit distance, suggestions, case folding).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vsr {

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is a plausible typo of it, for "did you mean" hints.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        std::span<const std::string> candidates);

// ASCII case folding, as the "C" locale's tolower, without a library call per byte (header names
// are lowered and compared on every request).
constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
std::string_view Trim(std::string_view s);
// `n` random lowercase hex digits (request, response and item ids; not for secrets).
std::string RandomHex(size_t n);
// 64 random bits from a per-thread generator (splitmix64 seeded once from the OS): for ids that
// must be unique, not secret.
uint64_t RandomU64();
// Writes 2n lower-case hex digits of `bytes` at `dst`; returns the end.
char* WriteHex(char* dst, const uint8_t* bytes, size_t n);
// The items of a `separator`-separated list, each trimmed; empty items left out
// ("a, b,,c" -> a, b, c).
std::vector<std::string> SplitList(std::string_view s, char separator = ',');
// Words separated by ASCII whitespace (no empty words).
std::vector<std::string> SplitWhitespace(std::string_view s);
// ASCII case-insensitive equality. The sizes are compared inline: most calls (a header name
// against each of a list's) differ in size.
bool IEqualsSameSize(std::string_view a, std::string_view b);
inline bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && IEqualsSameSize(a, b);
}
// `value` with `places` decimals ("%.4f" for places 4), as upstream formats header numbers.
std::string FormatFixed(double value, int places);

// Every occurrence of `what` (non-empty) in `text` replaced by `with`, left to right; the
// replacements are not searched again.
void ReplaceAll(std::string& text, std::string_view what, std::string_view with);

// Where `needle` first occurs in `text` at or after `from` (npos if nowhere): glibc's memmem,
// about twice as fast as std::string_view::find on prompt-sized texts. An empty needle is
// found at `from`.
size_t FindBytes(std::string_view text, std::string_view needle, size_t from = 0);

// The items with `separator` between them ("a,b").
std::string Join(std::span<const std::string> items, std::string_view separator);

// Whether `list` (a vector, an array, ...) holds `item`.
template <typename List, typename Item>
bool Contains(const List& list, const Item& item) {
  return std::find(std::begin(list), std::end(list), item) != std::end(list);
}

// Joins with ", " and quotes each item: 'a', 'b'.
std::string QuotedList(std::span<const std::string> items);

// A secret in a config file written as ${NAME} is read from the environment (empty when unset),
// so keys stay out of config files; any other value is returned as it is.
std::string ValueOrEnv(const std::string& value);

}  // namespace vsr
