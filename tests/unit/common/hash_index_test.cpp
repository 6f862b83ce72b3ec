// The flat hash index: whatever the order of inserts and removals, and however the
// hashes collide and wrap around the end of the table, every value left is found and no
// removed one is.
#include "common/hash_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace vsr {
namespace {

// A model to check against: value -> hash.
void ExpectSame(const HashIndex<int>& index, const std::map<int, uint64_t>& model, int max_value) {
  EXPECT_EQ(index.size(), model.size());
  for (int v = 0; v < max_value; ++v) {
    auto it = model.find(v);
    const uint64_t hash = it != model.end() ? it->second : static_cast<uint64_t>(v) * 7;
    const int* found = index.Find(hash, [v](int x) { return x == v; });
    if (it != model.end()) {
      ASSERT_NE(found, nullptr) << v;
      EXPECT_EQ(*found, v);
    } else {
      EXPECT_EQ(found, nullptr) << v;
    }
  }
}

TEST(HashIndex, FindsWhatIsLeftAfterAnyInsertsAndRemovals) {
  std::mt19937 rng(7);
  for (const uint64_t hash_space : {uint64_t{1}, uint64_t{3}, uint64_t{64}, uint64_t{1} << 40}) {
    HashIndex<int> index;
    std::map<int, uint64_t> model;
    for (int step = 0; step < 4000; ++step) {
      const int v = static_cast<int>(rng() % 300);
      if (model.count(v)) {
        EXPECT_TRUE(index.Erase(model[v], v));
        model.erase(v);
      } else {
        // Hashes near the top of a 64-slot table make runs that wrap around its end.
        const uint64_t hash = 60 + rng() % hash_space;
        index.Insert(hash, v);
        model[v] = hash;
      }
      if (step % 97 == 0) ExpectSame(index, model, 300);
    }
    ExpectSame(index, model, 300);
  }
}

TEST(HashIndex, RemovesOnlyTheExactValueUnderItsHash) {
  HashIndex<int> index;
  index.Insert(5, 1);
  index.Insert(5, 2);  // same hash, another value
  EXPECT_FALSE(index.Erase(6, 1));
  EXPECT_FALSE(index.Erase(5, 3));
  EXPECT_TRUE(index.Erase(5, 1));
  EXPECT_EQ(index.Find(5, [](int x) { return x == 1; }), nullptr);
  ASSERT_NE(index.Find(5, [](int x) { return x == 2; }), nullptr);
  EXPECT_FALSE(index.Erase(5, 1));
  EXPECT_EQ(index.size(), 1u);
}

}  // namespace
}  // namespace vsr
