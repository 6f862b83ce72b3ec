// multipart/form-data bodies (RFC 7578), as file uploads send them: each part's form name,
// file name, content type and bytes. Strict about structure (a missing boundary or an unclosed
// part is an error, never a guess); parts are views into the body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::server {

struct FormPart {
  std::string name, filename, content_type;
  std::string_view data;
};

// The boundary of a Content-Type header value ("multipart/form-data; boundary=X"); nullopt when
// it is not multipart/form-data or has no boundary.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// The parts of `body`; false with `error` saying what is malformed.
bool ParseMultipart(std::string_view body, std::string_view boundary, std::vector<FormPart>& parts,
                    std::string& error);

}  // namespace vsr::server
