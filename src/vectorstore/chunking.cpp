#include "vectorstore/chunking.h"

#include "common/strings.h"

namespace vsr::vectorstore {

namespace {

void Keep(std::vector<TextChunk>& out, std::string_view text) {
  const std::string_view t = Trim(text);
  if (!t.empty()) out.push_back({std::string(t), static_cast<int>(out.size())});
}

// Lines of `block`, a new part starting at every line that opens with '#' (the heading goes
// with what follows it).
void SplitOnHeadings(std::string_view block, std::vector<TextChunk>& out) {
  size_t part_start = 0, line_start = 0;
  while (line_start <= block.size()) {
    size_t end = block.find('\n', line_start);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = Trim(block.substr(line_start, end - line_start));
    if (!line.empty() && line.front() == '#' && line_start > part_start) {
      Keep(out, block.substr(part_start, line_start - part_start));
      part_start = line_start;
    }
    line_start = end + 1;
  }
  Keep(out, block.substr(part_start));
}

std::vector<TextChunk> ChunkAuto(const std::string& text) {
  std::vector<TextChunk> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    SplitOnHeadings(std::string_view(text).substr(start, end - start), out);
    start = end + 2;
  }
  return out;
}

// Byte offsets of each character's start, plus the end.
std::vector<size_t> CharStarts(const std::string& text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

std::vector<TextChunk> ChunkStatic(const std::string& text, int max_size, int overlap) {
  if (max_size <= 0) max_size = kDefaultMaxChunkSize;
  if (overlap < 0) overlap = 0;
  if (overlap >= max_size) overlap = max_size / 2;
  const std::vector<size_t> starts = CharStarts(text);
  const size_t total = starts.size() - 1;
  const size_t step = static_cast<size_t>(std::max(1, max_size - overlap));
  std::vector<TextChunk> out;
  for (size_t first = 0; first < total; first += step) {
    const size_t last = std::min(total, first + static_cast<size_t>(max_size));
    Keep(out, std::string_view(text).substr(starts[first], starts[last] - starts[first]));
  }
  return out;
}

}  // namespace

std::vector<TextChunk> ChunkText(const std::string& text, const ChunkingStrategy* strategy) {
  if (Trim(text).empty()) return {};
  if (strategy != nullptr && strategy->type == "static") {
    return ChunkStatic(
        text,
        strategy->max_chunk_size_tokens > 0 ? strategy->max_chunk_size_tokens
                                            : kDefaultMaxChunkSize,
        strategy->chunk_overlap_tokens > 0 ? strategy->chunk_overlap_tokens : kDefaultChunkOverlap);
  }
  return ChunkAuto(text);
}

}  // namespace vsr::vectorstore
