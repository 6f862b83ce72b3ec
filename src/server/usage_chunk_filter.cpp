#include "server/usage_chunk_filter.h"

#include <string>
#include <string_view>

namespace vsr::server {

namespace {

// One past the blank line that ends the event starting at `from` ("\n\n" or "\r\n\r\n"), or npos.
size_t EventEnd(std::string_view text, size_t from) {
  for (size_t nl = text.find('\n', from); nl != std::string_view::npos;
       nl = text.find('\n', nl + 1)) {
    if (nl + 1 < text.size() && text[nl + 1] == '\n') return nl + 2;
    if (nl + 2 < text.size() && text[nl + 1] == '\r' && text[nl + 2] == '\n') return nl + 3;
  }
  return std::string_view::npos;
}

// Whether the event has an empty `choices` list. '[' is rare in a chunk (one, opening choices),
// so the search for "[]" skips through it fast, where searching a quoted name would stop at
// every '"'.
bool HasEmptyChoices(std::string_view event) {
  for (size_t at = event.find("[]"); at != std::string_view::npos; at = event.find("[]", at + 2)) {
    std::string_view before = event.substr(0, at);
    while (!before.empty() && before.back() == ' ') before.remove_suffix(1);
    // A key, not text inside a string (where its quotes would be escaped).
    if (before.ends_with("\"choices\":") &&
        (before.size() == 10 || before[before.size() - 11] != '\\')) {
      return true;
    }
  }
  return false;
}

// The event's JSON has an empty `choices` list and a `usage` object.
bool UsageOnly(std::string_view event) {
  // Content chunks carry `"usage":null` when usage was asked for, but never an empty choices
  // list,
  if (!HasEmptyChoices(event)) return false;
  // and a usage object (a text check: the event is the backend's, and the backend's own JSON).
  for (const std::string_view key : {"\"usage\":{", "\"usage\": {"}) {
    const size_t at = event.find(key);
    if (at != std::string_view::npos && (at == 0 || event[at - 1] != '\\')) return true;
  }
  return false;
}

class UsageChunkFilter final : public StreamTranslator {
 public:
  std::string Feed(std::string_view piece) override {
    // Nearly every piece: whole events, none of them the usage chunk.
    if (pending_.empty() && (piece.ends_with("\n\n") || piece.ends_with("\r\n\r\n")) &&
        !HasEmptyChoices(piece)) {
      return std::string(piece);
    }
    pending_.append(piece);
    std::string out;
    size_t start = 0;
    for (size_t end = EventEnd(pending_, 0); end != std::string_view::npos;
         end = EventEnd(pending_, start)) {
      const std::string_view event(pending_.data() + start, end - start);
      if (!UsageOnly(event)) out.append(event);
      start = end;
    }
    pending_.erase(0, start);
    return out;
  }
  std::string Finish() override { return std::move(pending_); }  // an unterminated tail, as is

 private:
  std::string pending_;
};

}  // namespace

std::unique_ptr<StreamTranslator> DropUsageOnlyChunk() {
  return std::make_unique<UsageChunkFilter>();
}

}  // namespace vsr::server
