#include "server/http_wire.h"

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <ostream>  // boost/core string_view (under beast) needs it complete

#include "common/strings.h"
#include "common/swar.h"

namespace vsr::server {

namespace {

// RFC 9110 tchar: letters, digits and !#$%&'*+-.^_`|~ (a table: every header name is checked).
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

// Framing is the writer's: a caller's copy would contradict the body actually sent.
bool FramingHeader(std::string_view name) {
  return IEquals(name, "content-length") || IEquals(name, "transfer-encoding") ||
         IEquals(name, "connection");
}

bool Listed(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name) && ValidHeader(n, v)) return true;
  }
  return false;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  // One resize and two copies: four appends each checked capacity and wrote a terminator.
  const size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

// Each valid header that is not framing and not set again later in the list.
void AppendHeaders(std::string& out, const HeaderList& headers) {
  for (size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (!ValidHeader(name, value) || FramingHeader(name)) continue;
    bool replaced = false;
    for (size_t j = i + 1; j < headers.size() && !replaced; ++j) {
      replaced =
          IEquals(headers[j].first, name) && ValidHeader(headers[j].first, headers[j].second);
    }
    if (!replaced) AppendHeader(out, name, value);
  }
}

size_t HeadSize(const HeaderList& headers) {
  size_t n = 160;
  for (const auto& [name, value] : headers) n += name.size() + value.size() + 4;
  return n;
}

}  // namespace

bool ResponseHasBody(int status) {
  return status >= 200 && status != 204 && status != 304;
}

namespace {
bool TokenBytes(std::string_view name) {
  for (const char c : name) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// Lowercase letters, digits and '-' only: nearly every header name (x-vsr-selected-model).
bool CommonTokenWord(uint64_t w) {
  if ((w & swar::kHighBits) != 0) return false;
  return (swar::BytesInRange(w, 'a', 'z') | swar::BytesInRange(w, '0', '9') |
          swar::BytesInRange(w, '-', '-')) == swar::kHighBits;
}

// Every header written is checked: names made of the common bytes eight at a time, any other
// through the table.
bool ValidName(std::string_view name) {
  size_t i = 0;
  for (; i + 8 <= name.size(); i += 8) {
    if (!CommonTokenWord(swar::Load8(name.data() + i))) return TokenBytes(name);
  }
  // The last bytes, padded with a common one.
  return i == name.size() ||
         CommonTokenWord(swar::LoadTail(name.data() + i, name.size() - i, 'a')) || TokenBytes(name);
}

bool ValidValueBytes(std::string_view value) {
  for (const char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}
}  // namespace

bool ValidHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !ValidName(name)) return false;
  // CR, LF and NUL are all below 14: eight bytes at a time, a word with any byte below 14 then
  // byte by byte (every header of every forwarded request is checked, traceparent's 55 bytes).
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    if (!swar::HasByteBelow(swar::Load8(value.data() + i), 14)) continue;
    if (!ValidValueBytes(value.substr(i, 8))) return false;
  }
  // The last bytes, padded with an allowed one.
  return i == value.size() ||
         !swar::HasByteBelow(swar::LoadTail(value.data() + i, value.size() - i, 'a'), 14) ||
         ValidValueBytes(value.substr(i));
}

std::string ResponseHead(unsigned version, int status, std::string_view content_type,
                         const HeaderList& headers, bool keep_alive, size_t content_length) {
  std::string out;
  out.reserve(HeadSize(headers) + content_type.size());
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status)));
  out.append("\r\n");
  if (!Listed(headers, "server")) AppendHeader(out, "Server", "vllm-sr");
  if (!Listed(headers, "content-type") && ValidHeader("Content-Type", content_type)) {
    AppendHeader(out, "Content-Type", content_type);
  }
  AppendHeaders(out, headers);
  if (content_length == kChunked) {
    AppendHeader(out, "Transfer-Encoding", "chunked");
  } else if (ResponseHasBody(status)) {
    AppendHeader(out, "Content-Length", std::to_string(content_length));
  }
  // HTTP/1.1 connections persist unless closed; HTTP/1.0 ones close unless kept.
  if (version == 10 && keep_alive) AppendHeader(out, "Connection", "keep-alive");
  if (version != 10 && !keep_alive) AppendHeader(out, "Connection", "close");
  out.append("\r\n");
  return out;
}

std::string RequestHead(std::string_view method, std::string_view target, std::string_view host,
                        const HeaderList& headers, size_t body_size) {
  std::string out;
  out.reserve(HeadSize(headers) + target.size() + host.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!Listed(headers, "host")) AppendHeader(out, "Host", host);
  if (!Listed(headers, "user-agent")) AppendHeader(out, "User-Agent", "vllm-sr");
  if (body_size > 0 && !Listed(headers, "content-type")) {
    AppendHeader(out, "Content-Type", "application/json");
  }
  AppendHeaders(out, headers);
  if (body_size > 0 || method == "POST" || method == "PUT" || method == "PATCH") {
    AppendHeader(out, "Content-Length", std::to_string(body_size));
  }
  out.append("\r\n");
  return out;
}

size_t ChunkSizeLine(size_t size, char (&out)[20]) {
  char* end = std::to_chars(out, out + 16, size, 16).ptr;  // lower-case hex, 16 digits at most
  *end++ = '\r';
  *end++ = '\n';
  return static_cast<size_t>(end - out);
}

}  // namespace vsr::server
