// Server-sent events: writing one event, and reading events out of a byte stream that arrives
// in arbitrary pieces (a line may be split across reads).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace vsr {

struct SseEvent {
  std::string event;  // empty when the stream does not name events (OpenAI)
  std::string data;   // data lines joined by '\n'
};

// "data: <json>\n\n", or with a name "event: <name>\ndata: <json>\n\n".
std::string SseData(const boost::json::value& value);
std::string SseNamed(std::string_view event, const boost::json::value& value);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

class SseParser {
 public:
  // Events completed by `piece`; a partial event waits for the next piece. Lines longer than
  // `max_line` bytes are an error (the backend is not speaking SSE).
  std::vector<SseEvent> Feed(std::string_view piece);
  bool failed() const { return failed_; }

  static constexpr size_t kMaxLine = 4 * 1024 * 1024;

 private:
  void Line(std::string_view line, std::vector<SseEvent>& out);
  std::string partial_;
  SseEvent current_;
  bool has_data_ = false;
  bool failed_ = false;
};

}  // namespace vsr
