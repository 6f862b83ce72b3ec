#include "common/base64.h"

#include <gtest/gtest.h>

namespace vsr {
namespace {

// RFC 4648's test vectors, both ways.
TEST(Base64, RoundTripsTheRfcVectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(EncodeBase64(plain), encoded);
    EXPECT_EQ(DecodeBase64(encoded), std::optional<std::string>(plain)) << encoded;
  }
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes);
}

TEST(Base64, RejectsTextOutsideTheAlphabetOrOfTheWrongLength) {
  EXPECT_FALSE(DecodeBase64("Zm9"));       // not whole groups
  EXPECT_FALSE(DecodeBase64("Zm9v\n"));    // whitespace is not skipped
  EXPECT_FALSE(DecodeBase64("Zm-v"));      // the URL alphabet is not this one
  EXPECT_FALSE(DecodeBase64("Z==="));      // three '=' leave a stray character
  EXPECT_FALSE(DecodeBase64("Zg==Zg=="));  // '=' only at the end
}

}  // namespace
}  // namespace vsr
