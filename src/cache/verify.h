// The check a semantic-cache hit must pass before it is served. Embedding similarity alone
// treats "Is X safe?" and "Is X not safe?", "Is A bigger than B?" and "Is B bigger than A?",
// or "convert 5 km" and "convert 50 km" as the same question; this cheap lexical comparison
// catches those: negation, numbers, named entities (their set and order), antonym prefixes,
// and the same words in a different order.
#pragma once

#include <string_view>

namespace vsr::cache {

// True when nothing lexical says the two questions differ in meaning.
bool SameQuestion(std::string_view cached, std::string_view query);

}  // namespace vsr::cache
