// The words the keyword methods (bm25, ngram, fuzzy) compare: letter/digit runs of a text,
// optionally without English stop words. Runs on every prompt, so ASCII text takes a
// branch-free path.
#pragma once

#include <string_view>
#include <vector>

namespace vsr::signals {

// Letter/digit runs of `text` as views into it, without the stop words when asked. The text is
// split as given: callers pass the request's lower-cased text for case-insensitive rules, so
// no word is copied or lower-cased here. Stop words are dropped whatever their case.
std::vector<std::string_view> SplitWords(std::string_view text, bool drop_stop_words);

bool IsStopWord(std::string_view word);

}  // namespace vsr::signals
