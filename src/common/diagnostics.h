// Problems found in user input, as values: where (file:line:column, field path), what, and how to fix.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vsr {

// A position in a source file. Lines and columns are 1-based; 0 means "unknown".
struct SourceMark {
  std::shared_ptr<const std::string> file;
  int line = 0;
  int column = 0;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceMark mark;
  std::string path;     // field path such as routing.decisions[2].modelRefs[0].model
  std::string message;  // what is wrong
  std::string hint;     // how to fix it (may be empty)

  // "file:line:column: path: message; hint" (warnings say "warning:" after the location).
  std::string Format() const;
};

class Diagnostics {
 public:
  void Error(SourceMark mark, std::string path, std::string message, std::string hint = {});
  void Warning(SourceMark mark, std::string path, std::string message, std::string hint = {});
  void Add(Diagnostic d) { items_.push_back(std::move(d)); }

  const std::vector<Diagnostic>& items() const { return items_; }
  size_t error_count() const;
  size_t warning_count() const { return items_.size() - error_count(); }
  bool ok() const { return error_count() == 0; }

  // Orders by file, line, column so output reads top to bottom; stable for equal positions.
  void SortByPosition();

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace vsr
