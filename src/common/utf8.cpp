#include "common/utf8.h"

#include <cstring>

#include "common/swar.h"

namespace vsr::utf8 {

char32_t Next(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  char32_t c = 0xFFFD;
  size_t len = 1;
  if (b0 < 0x80) {
    c = b0;
  } else if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    c = (static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1);
    len = 2;
  } else if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    c = (static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    len = 3;
  } else if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    c = (static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    len = 4;
  }
  i += len;
  return c;
}

bool IsWhiteSpace(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||    // Han
         (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0xF900 && c <= 0xFAFF) ||  // Han ext, compat
         (c >= 0x3040 && c <= 0x309F) ||                                    // Hiragana
         (c >= 0x30A0 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||    // Katakana
         (c >= 0xFF66 && c <= 0xFF9D) ||                                    // half-width Katakana
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) ||    // Hangul
         (c >= 0x3130 && c <= 0x318F);
}

bool IsLetterOrDigit(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(static_cast<unsigned char>(c));
  if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;  // Latin-1 punctuation/symbols
  if (c == 0xD7 || c == 0xF7) return false;                  // × ÷
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows, math, boxes
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK symbols and punctuation
  if (c >= 0xFE30 && c <= 0xFE6F) return false;  // CJK compatibility forms, small forms
  if (c >= 0xFF00 && c <= 0xFF0F) return false;  // full-width punctuation
  if (c >= 0xFF1A && c <= 0xFF20) return false;
  if (c >= 0xFF3B && c <= 0xFF40) return false;
  if (c >= 0xFF5B && c <= 0xFF65) return false;
  if (c >= 0x1F000 && c <= 0x1FAFF) return false;  // emoji and pictographs
  if (c >= 0xE000 && c <= 0xF8FF) return false;    // private use
  return c != 0xFFFD && c != 0xFEFF;
}

char32_t ToLower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x17F && (c % 2 == 0) && c != 0x130 && c != 0x138) return c + 1;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;  // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 32;                // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

namespace {
// Writes c's UTF-8 bytes to `out` (room for 4); returns how many.
size_t Encode(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}
}  // namespace

void Append(std::string& out, char32_t c) {
  char bytes[4];
  out.append(bytes, Encode(c, bytes));
}

std::string ToLower(std::string_view s) {
  // Each lower-case mapping above keeps its character's UTF-8 length, so the result is the
  // text with its upper-case letters rewritten in place: one copy, then a pass that skips
  // ASCII words without capitals (most prompts are mostly ASCII).
  std::string out(s);
  char* p = out.data();
  const size_t n = out.size();
  for (size_t i = 0; i < n;) {
    if (i + 8 <= n) {
      const uint64_t w = swar::Load8(p + i);
      if ((w & swar::kHighBits) == 0) {
        const uint64_t lower = swar::LowerAscii(w);
        if (lower != w) std::memcpy(p + i, &lower, sizeof lower);
        i += 8;
        continue;
      }
    }
    const auto b = static_cast<unsigned char>(p[i]);
    if (b < 0x80) {
      if (b >= 'A' && b <= 'Z') p[i] = static_cast<char>(b + 32);
      ++i;
      continue;
    }
    const size_t start = i;
    const char32_t c = Next(out, i);
    const char32_t lower = ToLower(c);
    if (lower == c) continue;  // the original bytes stay (malformed ones too)
    char bytes[4];
    const size_t length = Encode(lower, bytes);
    if (length == i - start) std::memcpy(p + start, bytes, length);  // else an odd encoding: kept
  }
  return out;
}

std::string_view Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::vector<std::string> LowerWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (size_t i = 0; i < text.size();) {
    const char32_t c = Next(text, i);
    if (IsLetterOrDigit(c)) {
      Append(current, ToLower(c));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

}  // namespace vsr::utf8
