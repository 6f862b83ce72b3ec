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

// Any byte below `bound` (at most 128)?
constexpr bool HasByteBelow(uint64_t w, uint8_t bound) {
  return ((w - bound * kOnes) & ~w & kHighBits) != 0;
}

// Any byte equal to `b`?
constexpr bool HasByte(uint64_t w, uint8_t b) {
  return HasByteBelow(w ^ (b * kOnes), 1);
}

// A word of ASCII bytes (none with the high bit set) with 'A'..'Z' made lowercase: no byte's
// sum carries into the next, so each byte's high bit says whether it is >= 'A' and <= 'Z'.
constexpr uint64_t LowerAscii(uint64_t w) {
  const uint64_t upper = (w + 0x3f * kOnes) & ~(w + 0x25 * kOnes) & kHighBits;
  return w | (upper >> 2);
}

}  // namespace vsr::swar
