#include "observability/trace_context.h"

#include <array>
#include <cstring>

#include "common/strings.h"

namespace vsr::observability {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is invalid in traceparent
}

template <size_t N>
bool ParseHex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  bool nonzero = false;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
    nonzero = nonzero || out[i] != 0;
  }
  return nonzero;
}

template <size_t N>
void FillRandom(std::array<uint8_t, N>& out) {
  static_assert(N % 8 == 0);
  for (size_t i = 0; i < N; i += 8) {
    const uint64_t r = RandomU64();
    std::memcpy(out.data() + i, &r, sizeof r);  // random bytes: their order does not matter
  }
  out[N - 1] |= 1;  // never all zero (invalid per the spec)
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55 characters.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const std::string_view version = header.substr(0, 2);
  if (HexValue(version[0]) < 0 || HexValue(version[1]) < 0 || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  TraceParent out;
  if (!ParseHex(header.substr(3, 32), out.trace_id)) return std::nullopt;
  if (!ParseHex(header.substr(36, 16), out.span_id)) return std::nullopt;
  const int f_hi = HexValue(header[53]), f_lo = HexValue(header[54]);
  if (f_hi < 0 || f_lo < 0) return std::nullopt;
  out.sampled = (f_lo & 1) != 0;
  return out;
}

void AppendHex(std::string& out, const uint8_t* bytes, size_t n) {
  const size_t at = out.size();
  out.resize(at + 2 * n);
  WriteHex(out.data() + at, bytes, n);
}

std::string Hex(const uint8_t* bytes, size_t n) {
  std::string out;
  out.reserve(2 * n);
  AppendHex(out, bytes, n);
  return out;
}

std::string FormatTraceParent(const TraceId& trace, const SpanId& span, bool sampled) {
  // "00-" trace "-" span "-" flags, written in place (every forwarded request carries one).
  std::string out(55, '-');
  out[0] = out[1] = '0';
  WriteHex(out.data() + 3, trace.data(), trace.size());
  WriteHex(out.data() + 36, span.data(), span.size());
  out[53] = '0';
  out[54] = sampled ? '1' : '0';
  return out;
}

TraceId NewTraceId() {
  TraceId id;
  FillRandom(id);
  return id;
}

SpanId NewSpanId() {
  SpanId id;
  FillRandom(id);
  return id;
}

bool SampleTrace(const TraceId& id, std::string_view type, double rate) {
  if (type == "always_off") return false;
  if (type != "traceidratio" && type != "probabilistic") return true;
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  // The trace id's last 8 bytes as a fraction of 2^64, like OpenTelemetry's ratio sampler.
  uint64_t low = 0;
  for (size_t i = 8; i < 16; ++i) low = low << 8 | id[i];
  return static_cast<double>(low >> 11) < rate * static_cast<double>(uint64_t{1} << 53);
}

}  // namespace vsr::observability
