// Eight bytes at a time: tests on a 64-bit word that say whether any of its bytes is below a
// bound or equal to a value, for scanners that skip clean text a word at a time and look at
// single bytes only in a word that needs it. Each test is exact about whether such a byte exists
// (a borrow only starts at a byte that matches); which byte it is, the caller finds by hand.
#pragma once

#include <cstdint>
#include <cstring>

namespace vsr::swar {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

inline uint64_t Load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The last n < 8 bytes of a text as one word, padded with `fill` (a byte the caller's test lets
// pass), so that a short text or a word-by-word scan's tail is tested in one step too.
inline uint64_t LoadTail(const char* p, size_t n, char fill) {
  uint64_t w = static_cast<uint8_t>(fill) * kOnes;
  std::memcpy(&w, p, n);
  return w;
}

// Any byte below `bound` (at most 128)?
constexpr bool HasByteBelow(uint64_t w, uint8_t bound) {
  return ((w - bound * kOnes) & ~w & kHighBits) != 0;
}

// Any byte equal to `b`?
constexpr bool HasByte(uint64_t w, uint8_t b) {
  return HasByteBelow(w ^ (b * kOnes), 1);
}

// For a word of ASCII bytes (none with the high bit set): the high bit of each byte that is
// >= lo and <= hi (0 < lo <= hi < 128). No byte's sum carries into the next, so the high bit
// of b + (0x80 - lo) says b >= lo, and that of b + (0x7f - hi) says b > hi.
constexpr uint64_t BytesInRange(uint64_t w, uint8_t lo, uint8_t hi) {
  return (w + (0x80 - lo) * kOnes) & ~(w + (0x7f - hi) * kOnes) & kHighBits;
}

// A word of ASCII bytes with 'A'..'Z' made lowercase.
constexpr uint64_t LowerAscii(uint64_t w) {
  return w | (BytesInRange(w, 'A', 'Z') >> 2);
}

}  // namespace vsr::swar
