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

// Where an empty `choices` list starts in `text` at or after `from` (its "[]"), or npos. '[' is
// rare in a chunk (one, opening choices), so the search for "[]" skips through it fast, where
// searching a quoted name would stop at every '"'.
size_t FindEmptyChoices(std::string_view text, size_t from) {
  for (size_t at = text.find("[]", from); at != std::string_view::npos;
       at = text.find("[]", at + 2)) {
    std::string_view before = text.substr(0, at);
    while (!before.empty() && before.back() == ' ') before.remove_suffix(1);
    // A key, not text inside a string (where its quotes would be escaped).
    if (before.ends_with("\"choices\":") &&
        (before.size() == 10 || before[before.size() - 11] != '\\')) {
      return at;
    }
  }
  return std::string_view::npos;
}

bool HasEmptyChoices(std::string_view event) {
  return FindEmptyChoices(event, 0) != std::string_view::npos;
}

// One past the last blank line ("\n\n" or "\n\r\n") ending at or before `limit`, or 0: where
// the event holding `limit` starts, or where the whole events of `text` end. The walk back stops
// at the nearest blank line, a few hundred bytes at most (rfind of a string would walk back
// through all of a stream without CRLFs).
size_t BlankLineEndBefore(std::string_view text, size_t limit) {
  for (size_t i = limit; i >= 2; --i) {
    if (text[i - 1] != '\n') continue;
    if (text[i - 2] == '\n' || (i >= 3 && text[i - 2] == '\r' && text[i - 3] == '\n')) return i;
  }
  return 0;
}

// Whether the event has a `usage` object (a text check: the event is the backend's own JSON).
// With an empty `choices` list, that is the usage-only chunk; content chunks carry
// `"usage":null` when usage was asked for, never an object without choices.
bool HasUsageObject(std::string_view event) {
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
    if (pending_.empty() && BlankLineEndBefore(piece, piece.size()) == piece.size() &&
        !HasEmptyChoices(piece)) {
      return std::string(piece);
    }
    pending_.append(piece);
    // Whole events are copied in runs around the usage-only ones; a cut event waits.
    const std::string_view text = pending_;
    const size_t whole = BlankLineEndBefore(text, text.size());
    std::string out;
    out.reserve(whole);
    size_t copied = 0;
    for (size_t at = FindEmptyChoices(text, 0); at != std::string_view::npos && at < whole;) {
      const size_t start = BlankLineEndBefore(text, at);
      const size_t end = EventEnd(text, at);
      if (HasUsageObject(text.substr(start, end - start))) {  // its choices are empty: `at`
        out.append(text.substr(copied, start - copied));
        copied = end;
      }
      at = FindEmptyChoices(text, end);
    }
    out.append(text.substr(copied, whole - copied));
    pending_.erase(0, whole);
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
