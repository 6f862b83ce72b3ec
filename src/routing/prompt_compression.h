// Prompt compression for signal evaluation (global.model_catalog.modules.prompt_compression):
// a long prompt reaches the classifiers as its most informative sentences within a token
// budget, so their cost stays bounded; the request forwarded to the model is never changed.
// Upstream's method, no model involved: sentences scored by TextRank (PageRank over the cosine
// similarity of their word counts), a U-shaped position weight (beginnings and ends matter
// most) and TF-IDF information density; the first 3 and last 2 sentences kept when they fit,
// then the best others; kept sentences joined in their original order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace vsr::routing {

// Tokens as upstream estimates them without a tokenizer: 1.3 per whitespace-separated word,
// 1.5 per CJK character.
int ApproxTokens(std::string_view text);

// Sentences: split after . ! ? and their CJK, Arabic, Devanagari, Ethiopic and Armenian
// counterparts (repeats stay together), not at decimal points or single-capital initials.
std::vector<std::string> SplitSentences(std::string_view text);

// Lower-cased words for bag-of-words scoring; CJK runs become characters and their bigrams.
std::vector<std::string> WordTokens(std::string_view text);

struct Compressed {
  std::string text;
  int original_tokens = 0;
  int compressed_tokens = 0;
  std::vector<size_t> kept;  // indices of the kept sentences; empty when `text` is unchanged
};

// `text` within `settings.max_tokens` (unchanged when it already fits, or is one sentence).
Compressed CompressPrompt(std::string_view text, const config::PromptCompression& settings);

// The texts signals read, as upstream prepares them: `full` is the text cut to
// max_evaluation_chars (a hard limit, on a character boundary) — what skip_signals families
// read; Compressed() is that text compressed when compression is enabled, the text is longer
// than min_length characters and over max_tokens — what the other families read. Nothing is
// copied unless it was compressed (this runs on every request): `full` views the input.
struct SignalTexts {
  std::string_view full;
  std::string compressed_text;  // set when was_compressed
  bool cut = false;
  bool was_compressed = false;
  std::string_view Compressed() const {
    return was_compressed ? std::string_view(compressed_text) : full;
  }
};
SignalTexts PrepareSignalTexts(std::string_view text, const config::PromptCompression& settings);

}  // namespace vsr::routing
