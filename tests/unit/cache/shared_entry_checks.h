// What sharing a semantic cache between routers means, whatever carries the entries (Redis,
// Milvus): an entry `a` stores reaches `b`, which serves it for the same question and, because
// the vector travelled too, for a paraphrase-close one, and keeps its scope.
#pragma once

#include <gtest/gtest.h>

#include "cache/semantic_cache.h"
#include "support/eventually.h"

namespace vsr::cache {

inline void ExpectServedByTheOther(SemanticCache& a, SemanticCache& b) {
  a.Store("chat\x1fMoM", "How do I reset my password?", {1, 0, 0}, "Use the reset link.", 60);
  ASSERT_TRUE(testing::Eventually([&] { return b.size() == 1; }));
  LookupResult exact = b.Lookup("chat\x1fMoM", "How do I reset my password?", {}, 0.9);
  ASSERT_TRUE(exact.hit);
  EXPECT_EQ(exact.hit->answer, "Use the reset link.");
  LookupResult close =
      b.Lookup("chat\x1fMoM", "How can I reset my password?", {0.95f, 0.31f, 0}, 0.9);
  ASSERT_TRUE(close.hit);
  EXPECT_FALSE(close.hit->exact);
  EXPECT_FALSE(b.Lookup("code\x1fMoM", "How do I reset my password?", {}, 0.9).hit);
}

}  // namespace vsr::cache
