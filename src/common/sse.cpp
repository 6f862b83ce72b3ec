#include "common/sse.h"

#include "common/json_text.h"

namespace vsr {

std::string SseData(const boost::json::value& value) {
  return "data: " + CompactJson(value) + "\n\n";
}

std::string SseNamed(std::string_view event, const boost::json::value& value) {
  std::string out = "event: ";
  out += event;
  out += "\ndata: ";
  out += CompactJson(value);
  out += "\n\n";
  return out;
}

std::vector<SseEvent> SseParser::Feed(std::string_view piece) {
  std::vector<SseEvent> out;
  if (failed_) return out;
  partial_.append(piece);
  size_t start = 0;
  for (;;) {
    const size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(partial_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Line(line, out);
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > kMaxLine) failed_ = true;
  return out;
}

void SseParser::Line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {  // blank line: dispatch
    if (has_data_) out.push_back(std::move(current_));
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment / keep-alive
  const size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  }
}

}  // namespace vsr
