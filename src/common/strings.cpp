// Implementation of the shared string helpers.
#include "common/strings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace vsr {

size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  const size_t m = b.size();
  // Three rolling rows are enough for the transposition rule.
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        std::span<const std::string> candidates) {
  const std::string lowered = ToLower(word);
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const size_t d = EditDistance(lowered, ToLower(candidate));
    // Allow roughly one edit per three characters, at least one, at most three.
    const size_t limit = std::clamp<size_t>(std::max(word.size(), candidate.size()) / 3, 1, 3);
    if (d > limit) continue;
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool IEqualsSameSize(std::string_view a, std::string_view b) {
  // ASCII case folding, as ToLower; no copies (this compares config names per request).
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string Join(std::span<const std::string> items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string QuotedList(std::span<const std::string> items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += '\'' + item + '\'';
  }
  return out;
}

std::string ValueOrEnv(const std::string& value) {
  if (value.size() > 3 && value.starts_with("${") && value.ends_with("}")) {
    const char* env = std::getenv(value.substr(2, value.size() - 3).c_str());
    return env != nullptr ? env : "";
  }
  return value;
}

}  // namespace vsr

namespace vsr {

uint64_t RandomU64() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

char* WriteHex(char* dst, const uint8_t* bytes, size_t n) {
  // A byte's two digits from one table entry: every request writes ids and a traceparent.
  static constexpr auto kPairs = [] {
    std::array<std::array<char, 2>, 256> pairs{};
    constexpr char kDigits[] = "0123456789abcdef";
    for (size_t b = 0; b < 256; ++b) pairs[b] = {kDigits[b >> 4], kDigits[b & 15]};
    return pairs;
  }();
  for (size_t i = 0; i < n; ++i, dst += 2) std::memcpy(dst, kPairs[bytes[i]].data(), 2);
  return dst;
}

std::string RandomHex(size_t n) {
  std::string out((n + 15) / 16 * 16, '0');  // whole draws of 16 digits, then cut to n
  for (size_t i = 0; i < out.size(); i += 16) {
    uint8_t bytes[8];
    const uint64_t r = RandomU64();
    std::memcpy(bytes, &r, sizeof r);
    WriteHex(out.data() + i, bytes, sizeof bytes);
  }
  out.resize(n);
  return out;
}

std::string FormatFixed(double value, int places) {
  // to_chars prints what "%.*f" prints (both round correctly), without printf's format
  // parsing: headers and metrics call this on every request.
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, places);
  if (ec == std::errc()) return std::string(buf, end);
  std::string out(static_cast<size_t>(std::snprintf(nullptr, 0, "%.*f", places, value)), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*f", places, value);  // huge magnitudes
  return out;
}

std::vector<std::string> SplitWhitespace(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    const size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

std::vector<std::string> SplitList(std::string_view s, char separator) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= s.size();) {
    const size_t end = std::min(s.find(separator, start), s.size());
    if (const std::string_view item = Trim(s.substr(start, end - start)); !item.empty()) {
      out.emplace_back(item);
    }
    start = end + 1;
  }
  return out;
}

size_t FindBytes(std::string_view text, std::string_view needle, size_t from) {
  if (from > text.size()) return std::string_view::npos;
  if (needle.empty()) return from;
  const void* at = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return at ? static_cast<size_t>(static_cast<const char*>(at) - text.data())
            : std::string_view::npos;
}

}  // namespace vsr
