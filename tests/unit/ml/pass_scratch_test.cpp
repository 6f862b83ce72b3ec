#include "ml/pass_scratch.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "support/resident_memory.h"

namespace vsr::ml {
namespace {

using vsr::testing::ResidentKb;

void ExpectZeroedAlignedAndApart(const PassScratch& s, const std::vector<size_t>& sizes) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s[i]) % 64, 0u) << "tensor " << i;
    for (size_t j = 0; j < sizes[i]; ++j) {
      ASSERT_EQ(s[i][j], 0.0f) << "tensor " << i;
    }
    if (i + 1 < sizes.size()) {
      EXPECT_GE(s[i + 1], s[i] + sizes[i]) << "tensors overlap";
    }
    for (size_t j = 0; j < sizes[i]; ++j) s[i][j] = static_cast<float>(i + 1);  // writable
  }
  for (size_t i = 0; i < sizes.size(); ++i) {  // no tensor wrote over another
    EXPECT_EQ(s[i][0], static_cast<float>(i + 1));
    EXPECT_EQ(s[i][sizes[i] - 1], static_cast<float>(i + 1));
  }
}

TEST(PassScratch, GivesZeroedAlignedSeparateTensorsSmallOrLarge) {
  const PassScratch small({3, 100, 17});
  EXPECT_FALSE(small.mapped());
  ExpectZeroedAlignedAndApart(small, {3, 100, 17});

  const size_t big = PassScratch::kMapAtLeast / sizeof(float);
  const PassScratch large({big / 2, 5, big / 2});
  EXPECT_TRUE(large.mapped());
  ExpectZeroedAlignedAndApart(large, {big / 2, 5, big / 2});
}

TEST(PassScratch, ALargePassGivesItsMemoryBackWhenItEnds) {
  // The reason it exists: the allocator would keep a long batch's scratch for the model
  // thread's life.
  const long before = ResidentKb();
  ASSERT_GT(before, 0);
  {
    const size_t n = (size_t{64} << 20) / sizeof(float);  // 64 MB
    const PassScratch s({n});
    ASSERT_TRUE(s.mapped());
    for (size_t i = 0; i < n; i += 1024) s[0][i] = 1.0f;
    EXPECT_GT(ResidentKb(), before + 60 * 1024);  // resident while the pass runs
  }
  EXPECT_LT(ResidentKb(), before + 8 * 1024);
}

}  // namespace
}  // namespace vsr::ml
