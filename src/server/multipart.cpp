#include "server/multipart.h"

#include "common/strings.h"

namespace vsr::server {

namespace {

// The value of `key` in a header's parameters (`; key="value"` or `; key=value`).
std::string Parameter(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while ((pos = header.find(';', pos)) != std::string_view::npos) {
    ++pos;
    std::string_view rest = Trim(header.substr(pos));
    if (rest.size() <= key.size() || !IEquals(rest.substr(0, key.size()), key) ||
        rest[key.size()] != '=') {
      continue;
    }
    rest.remove_prefix(key.size() + 1);
    if (!rest.empty() && rest.front() == '"') {
      std::string value;
      for (size_t i = 1; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      return value;
    }
    return std::string(Trim(rest.substr(0, rest.find(';'))));
  }
  return "";
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
  if (!IEquals(type, "multipart/form-data")) return std::nullopt;
  std::string boundary = Parameter(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) return std::nullopt;
  return boundary;
}

bool ParseMultipart(std::string_view body, std::string_view boundary, std::vector<FormPart>& parts,
                    std::string& error) {
  parts.clear();
  const std::string delimiter = "--" + std::string(boundary);
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    error = "no part starts with the boundary";
    return false;
  }
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return true;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") {
      error = "a boundary is not followed by a line break";
      return false;
    }
    pos += 2;
    const size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      error = "a part's headers do not end";
      return false;
    }
    FormPart part;
    for (std::string_view headers = body.substr(pos, headers_end - pos); !headers.empty();) {
      const size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = Trim(line.substr(0, colon));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-disposition")) {
        part.name = Parameter(value, "name");
        part.filename = Parameter(value, "filename");
      } else if (IEquals(name, "content-type")) {
        part.content_type = std::string(value);
      }
    }
    const size_t data_start = headers_end + 4;
    // The part ends at a line holding the delimiter and then "--" or a line break (the same
    // characters followed by anything else are content).
    const std::string closing = "\r\n" + delimiter;
    size_t next = body.find(closing, data_start);
    while (next != std::string_view::npos) {
      const std::string_view after = body.substr(next + closing.size(), 2);
      if (after == "--" || after == "\r\n") break;
      next = body.find(closing, next + 1);
    }
    if (next == std::string_view::npos) {
      error = "a part is not closed by the boundary";
      return false;
    }
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace vsr::server
