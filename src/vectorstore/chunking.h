// Cutting a document's text into chunks as upstream does (pkg/vectorstore/chunking.go):
// "auto" splits on blank lines and before markdown headings; "static" takes fixed windows of
// characters (upstream counts characters, not tokens, whatever the field names say) that
// overlap. Chunks are trimmed; empty ones are dropped; indexes count the kept ones.
#pragma once

#include <string>
#include <vector>

#include "vectorstore/types.h"

namespace vsr::vectorstore {

constexpr int kDefaultMaxChunkSize = 800;
constexpr int kDefaultChunkOverlap = 400;

struct TextChunk {
  std::string content;
  int chunk_index = 0;
};

// `strategy` null or "auto": paragraphs; "static": windows.
std::vector<TextChunk> ChunkText(const std::string& text, const ChunkingStrategy* strategy);

}  // namespace vsr::vectorstore
