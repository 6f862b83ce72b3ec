// Formatting and bookkeeping for Diagnostic values.
#include "common/diagnostics.h"

#include <algorithm>

namespace vsr {

std::string Diagnostic::Format() const {
  std::string out;
  if (mark.file) {
    out += *mark.file;
    out += ':';
  }
  if (mark.line > 0) {
    out += std::to_string(mark.line) + ':' + std::to_string(mark.column) + ':';
  }
  if (!out.empty()) out += ' ';
  if (severity == Severity::kWarning) out += "warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  if (!hint.empty()) out += "; " + hint;
  return out;
}

void Diagnostics::Error(SourceMark mark, std::string path, std::string message, std::string hint) {
  items_.push_back({Severity::kError, std::move(mark), std::move(path), std::move(message),
                    std::move(hint)});
}

void Diagnostics::Warning(SourceMark mark, std::string path, std::string message,
                          std::string hint) {
  items_.push_back({Severity::kWarning, std::move(mark), std::move(path), std::move(message),
                    std::move(hint)});
}

size_t Diagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kError;
  }));
}

void Diagnostics::SortByPosition() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const std::string fa = a.mark.file ? *a.mark.file : std::string();
    const std::string fb = b.mark.file ? *b.mark.file : std::string();
    if (fa != fb) return fa < fb;
    if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
    return a.mark.column < b.mark.column;
  });
}

}  // namespace vsr
