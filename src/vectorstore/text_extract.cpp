#include "vectorstore/text_extract.h"

#include <boost/json.hpp>
#include <cctype>
#include <vector>

#include "common/json_text.h"
#include "common/strings.h"

namespace vsr::vectorstore {

namespace {

bool ExtractJson(const std::string& content, std::string& text, std::string& error) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(content, ec);
  if (ec) {
    error = "failed to parse JSON: " + ec.message();
    return false;
  }
  text = PrettyJson(v);
  return true;
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
bool ReadCsv(const std::string& content, std::vector<std::vector<std::string>>& rows,
             std::string& error) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, after_quote = false, any = false;
  for (size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < content.size() && content[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
        after_quote = true;
      }
      continue;
    }
    if (c == '"' && field.empty() && !after_quote) {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      after_quote = false;
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      after_quote = any = false;
    } else {
      if (after_quote) {
        error = "failed to read CSV row " + std::to_string(rows.size()) +
                ": extraneous character after a closing quote";
        return false;
      }
      field += c;
      any = true;
    }
  }
  if (quoted) {
    error = "failed to read CSV: a quoted field is not closed";
    return false;
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return true;
}

bool ExtractCsv(const std::string& content, std::string& text, std::string& error) {
  std::vector<std::vector<std::string>> rows;
  if (!ReadCsv(content, rows, error)) return false;
  text.clear();
  for (size_t r = 1; r < rows.size(); ++r) {
    text += "Row " + std::to_string(r) + ":\n";
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string header = i < rows[0].size() ? rows[0][i] : "Column" + std::to_string(i + 1);
      text += "  " + header + ": " + rows[r][i] + "\n";
    }
  }
  return true;
}

bool IsBlockElement(const std::string& tag) {
  static const std::vector<std::string> kBlocks = {
      "p",  "div", "br",         "h1",      "h2",      "h3",     "h4",     "h5",  "h6",   "li",
      "tr", "pre", "blockquote", "section", "article", "header", "footer", "nav", "aside"};
  return Contains(kBlocks, tag);
}

void AppendEntityDecoded(std::string& out, std::string_view text) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
      {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, value] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += value;
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
}

std::string ExtractHtml(const std::string& html) {
  std::string out;
  bool skipping = false;  // inside <script> or <style>
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    const std::string_view text = Trim(std::string_view(html).substr(i, lt - i));
    if (!skipping && !text.empty()) {
      AppendEntityDecoded(out, text);
      out += ' ';
    }
    if (lt == std::string::npos) break;
    if (html.compare(lt, 4, "<!--") == 0) {  // comments end at -->
      const size_t end = html.find("-->", lt + 4);
      i = end == std::string::npos ? html.size() : end + 3;
      continue;
    }
    const size_t gt = html.find('>', lt);
    if (gt == std::string::npos) break;
    std::string_view tag = std::string_view(html).substr(lt + 1, gt - lt - 1);
    const bool closing = !tag.empty() && tag.front() == '/';
    if (closing) tag.remove_prefix(1);
    size_t name_end = 0;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) {
      ++name_end;
    }
    const std::string name = ToLower(tag.substr(0, name_end));
    if (name == "script" || name == "style") skipping = !closing;
    if (closing && IsBlockElement(name)) out += '\n';
    i = gt + 1;
  }
  return std::string(Trim(out));
}

}  // namespace

std::string Extension(const std::string& filename) {
  const size_t slash = filename.find_last_of('/');
  const size_t dot = filename.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return ToLower(filename.substr(dot));
}

bool ExtractText(const std::string& content, const std::string& filename, std::string& text,
                 std::string& error) {
  const std::string ext = Extension(filename);
  if (ext == ".txt" || ext == ".md") {
    text = content;
    return true;
  }
  if (ext == ".json") return ExtractJson(content, text, error);
  if (ext == ".csv") return ExtractCsv(content, text, error);
  if (ext == ".html" || ext == ".htm") {
    text = ExtractHtml(content);
    return true;
  }
  error = "unsupported file format: " + (ext.empty() ? std::string("(no extension)") : ext);
  return false;
}

}  // namespace vsr::vectorstore
