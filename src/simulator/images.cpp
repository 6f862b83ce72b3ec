#include "simulator/images.h"

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <ctime>

#include "common/base64.h"
#include "common/json_fields.h"
#include "common/json_text.h"

namespace vsr::simulator {

namespace json = boost::json;

namespace {

constexpr int kSide = 16;

uint32_t Crc32(std::string_view bytes) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t Adler32(std::string_view bytes) {
  uint32_t a = 1, b = 0;
  for (unsigned char c : bytes) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

void Chunk(std::string& png, std::string_view type, std::string_view data) {
  PutU32(png, static_cast<uint32_t>(data.size()));
  std::string typed(type);
  typed += data;
  png += typed;
  PutU32(png, Crc32(typed));
}

}  // namespace

std::string SimulatedPngBase64(std::string_view prompt) {
  uint32_t h = 2166136261u;  // FNV-1a: the same prompt, the same colour
  for (unsigned char c : prompt) h = (h ^ c) * 16777619u;
  std::string raw;  // filter byte 0, then RGB per pixel, per row
  for (int y = 0; y < kSide; ++y) {
    raw += '\0';
    for (int x = 0; x < kSide; ++x) {
      raw += static_cast<char>(h & 0xFF);
      raw += static_cast<char>((h >> 8) & 0xFF);
      raw += static_cast<char>((h >> 16) & 0xFF);
    }
  }
  // zlib stream with one stored (uncompressed) deflate block: no compressor needed.
  std::string zlib = "\x78\x01";
  zlib += '\x01';  // final block, stored
  const auto len = static_cast<uint16_t>(raw.size());
  zlib += static_cast<char>(len & 0xFF);
  zlib += static_cast<char>(len >> 8);
  zlib += static_cast<char>(~len & 0xFF);
  zlib += static_cast<char>((~len >> 8) & 0xFF);
  zlib += raw;
  PutU32(zlib, Adler32(raw));

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  PutU32(header, kSide);
  PutU32(header, kSide);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, no interlace
  Chunk(png, "IHDR", header);
  Chunk(png, "IDAT", zlib);
  Chunk(png, "IEND", "");
  return EncodeBase64(png);
}

bool IsDiffusionRequest(const json::object& body) {
  const json::value* extra = body.if_contains("extra_body");
  if (extra == nullptr || !extra->is_object()) return false;
  const json::object& e = extra->as_object();
  return e.contains("num_inference_steps") || e.contains("true_cfg_scale");
}

std::string DiffusionAnswer(const json::object& body, const std::string& id,
                            const std::string& model) {
  std::string prompt;
  if (const json::value* m = body.if_contains("messages"); m && m->is_array()) {
    for (const json::value& message : m->as_array()) {
      if (message.is_object()) prompt = StringField(message.as_object(), "content");
    }
  }
  json::array content{json::object{
      {"type", "image_url"},
      {"image_url", json::object{{"url", "data:image/png;base64," + SimulatedPngBase64(prompt)}}}}};
  json::object answer{
      {"id", id},
      {"object", "chat.completion"},
      {"created", static_cast<int64_t>(std::time(nullptr))},
      {"model", model},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", json::object{{"role", "assistant"}, {"content", content}}},
                      {"finish_reason", "stop"}}}}};
  return CompactJson(answer);
}

std::string ImagesAnswer(const json::object& body, std::string& error) {
  const std::string prompt = StringField(body, "prompt");
  if (prompt.empty()) {
    error = "prompt is required";
    return {};
  }
  const std::string size = StringField(body, "size");
  if (!size.empty() && size != "auto" && size.find('x') == std::string::npos) {
    error = "size must be WIDTHxHEIGHT, e.g. 1024x1024";
    return {};
  }
  json::object image{{"revised_prompt", prompt}};
  const std::string png = SimulatedPngBase64(prompt);
  if (StringField(body, "response_format") == "url") {
    image["url"] = "data:image/png;base64," + png;
  } else {
    image["b64_json"] = png;
  }
  return CompactJson(json::object{{"created", static_cast<int64_t>(std::time(nullptr))},
                                  {"data", json::array{std::move(image)}}});
}

}  // namespace vsr::simulator
