// The protobuf wire format, as much of it as OTLP spans need: varints, one-byte tags (field
// numbers below 16) and length-delimited fields, written through a cursor into a buffer the
// caller sized exactly (every size is computed before the bytes are written).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vsr::observability::protobuf {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Size of a length-delimited field of `n` bytes with a one-byte tag.
inline size_t FieldSize(size_t n) {
  return 1 + VarintSize(n) + n;
}

inline char* Varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A tag's one byte, for field numbers below 16.
constexpr char TagByte(uint32_t field, WireType type) {
  return static_cast<char>(field << 3 | type);
}

inline char* Tag(char* p, uint32_t field, WireType type) {
  return Varint(p, field << 3 | type);
}

// The head of a length-delimited field whose body of `n` bytes the caller writes next.
inline char* Head(char* p, uint32_t field, size_t n) {
  return Varint(Tag(p, field, kLengthDelimited), n);
}

// The first and last kWidth bytes of s[0, n) to p, for kWidth <= n <= 2 * kWidth.
template <size_t kWidth>
[[gnu::always_inline]] inline void MovePair(char* p, const char* s, size_t n) {
  char head[kWidth], tail[kWidth];
  std::memcpy(head, s, kWidth);
  std::memcpy(tail, s + n - kWidth, kWidth);
  std::memcpy(p, head, kWidth);
  std::memcpy(p + n - kWidth, tail, kWidth);
}

// Copies n bytes to p and returns p + n. Keys and values are mostly a few to a few dozen bytes,
// where a call to memcpy costs more than the copy: up to 32 go in two moves that may overlap.
[[gnu::always_inline]] inline char* Copy(char* p, const char* s, size_t n) {
  if (n > 32) {
    std::memcpy(p, s, n);
  } else if (n >= 16) {
    MovePair<16>(p, s, n);
  } else if (n >= 8) {
    MovePair<8>(p, s, n);
  } else if (n >= 4) {
    MovePair<4>(p, s, n);
  } else if (n > 0) {
    p[0] = s[0];
    p[n / 2] = s[n / 2];
    p[n - 1] = s[n - 1];
  }
  return p + n;
}

inline char* Bytes(char* p, uint32_t field, const void* data, size_t n) {
  return Copy(Head(p, field, n), static_cast<const char*>(data), n);
}

inline char* String(char* p, uint32_t field, std::string_view s) {
  return Bytes(p, field, s.data(), s.size());
}

inline char* Fixed64(char* p, uint32_t field, uint64_t v) {
  p = Tag(p, field, kFixed64);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(v >> (8 * i));  // little endian
  return p;
}

// Reads a varint written by Varint (no bounds checks: for bytes this process wrote).
inline const char* ReadVarint(const char* p, uint64_t& v) {
  v = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    v |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return p;
  }
}

// A KeyValue (key 1, value 2) whose AnyValue body has `value_body` bytes: its body's size,
// and its head up to that AnyValue's body, which the caller writes next.
inline size_t KeyValueBodySize(std::string_view key, size_t value_body) {
  return FieldSize(key.size()) + FieldSize(value_body);
}

inline char* KeyValueHead(char* p, uint32_t field, std::string_view key, size_t value_body) {
  p = Head(p, field, KeyValueBodySize(key, value_body));
  p = String(p, 1, key);
  return Head(p, 2, value_body);
}

}  // namespace vsr::observability::protobuf
