// Just enough Unicode for text signals: UTF-8 decoding and the character classes upstream's
// rules use (letters/digits, CJK). No ICU: these run on every request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::utf8 {

// Decodes the code point at s[i] and advances i; malformed bytes decode as U+FFFD, one byte each.
char32_t Next(std::string_view s, size_t& i);

// [0-9A-Za-z]: the ASCII part of IsLetterOrDigit, inline for the per-byte fast paths.
inline bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

// No byte above 0x7F: per-byte fast paths may treat the text as ASCII.
inline bool IsAscii(std::string_view s) {
  unsigned char any = 0;
  for (char c : s) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

// Unicode's White_Space property (ASCII spaces and controls \t-\r, NEL, NBSP, the Z
// separators): what Go's unicode.IsSpace and ICU's u_isUWhiteSpace say.
bool IsWhiteSpace(char32_t c);
// Han, Hiragana, Katakana, Hangul (upstream's isCJK).
bool IsCjk(char32_t c);
// Letters and digits: ASCII exactly; beyond ASCII every code point outside the punctuation,
// symbol, space and control blocks (a close, cheap stand-in for Unicode's L and Nd classes).
bool IsLetterOrDigit(char32_t c);

// Lower-cases ASCII and the Latin-1/Latin Extended-A, Greek and Cyrillic capitals.
char32_t ToLower(char32_t c);
std::string ToLower(std::string_view s);
void Append(std::string& out, char32_t c);

// The words of `text`: runs of letters and digits, lower-cased (upstream's tokenizer for BM25
// and tool relevance).
std::vector<std::string> LowerWords(std::string_view text);

// The longest prefix of `s` of at most `max_bytes` bytes that ends on a character boundary.
std::string_view Prefix(std::string_view s, size_t max_bytes);

}  // namespace vsr::utf8
