// The text of an uploaded file, by its extension (upstream's parser.go): .txt and .md as they
// are, .json pretty-printed, .csv as "Row N:" blocks of "  header: value" lines, .html/.htm
// without tags, scripts and styles (a line break after block elements).
#pragma once

#include <string>

namespace vsr::vectorstore {

// False with `error` for an unsupported extension or a file that does not parse.
bool ExtractText(const std::string& content, const std::string& filename, std::string& text,
                 std::string& error);

// The lower-cased extension with its dot ("" when none).
std::string Extension(const std::string& filename);

}  // namespace vsr::vectorstore
