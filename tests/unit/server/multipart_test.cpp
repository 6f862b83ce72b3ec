// multipart/form-data as browsers and curl send uploads, and what malformed bodies get.
#include "server/multipart.h"

#include <gtest/gtest.h>

namespace vsr::server {
namespace {

TEST(Multipart, FindsTheBoundaryOfFormDataOnly) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=----WebKit12"), "----WebKit12");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(MultipartBoundary("application/json"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; xboundary=1"));
}

TEST(Multipart, ReadsFieldsAndFilesWithBinaryBytes) {
  constexpr char kBinary[] = "line1\r\n--Bx\0end";  // a NUL, and a near-delimiter
  const std::string binary(kBinary, sizeof kBinary - 1);
  const std::string body =
      "preamble\r\n--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants"
      "\r\n--B\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      binary + "\r\n--B--\r\n";
  std::vector<FormPart> parts;
  std::string error;
  ASSERT_TRUE(ParseMultipart(body, "B", parts, error)) << error;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "purpose");
  EXPECT_EQ(parts[0].data, "assistants");
  EXPECT_EQ(parts[1].name, "file");
  EXPECT_EQ(parts[1].filename, "a \"q\".txt");
  EXPECT_EQ(parts[1].content_type, "text/plain");
  EXPECT_EQ(parts[1].data, binary);
}

TEST(Multipart, NamesWhatIsMalformed) {
  std::vector<FormPart> parts;
  std::string error;
  EXPECT_FALSE(ParseMultipart("no boundary here", "B", parts, error));
  EXPECT_EQ(error, "no part starts with the boundary");
  EXPECT_FALSE(
      ParseMultipart("--B\r\nContent-Disposition: form-data; name=\"f\"", "B", parts, error));
  EXPECT_EQ(error, "a part's headers do not end");
  EXPECT_FALSE(ParseMultipart("--B\r\nX: y\r\n\r\ndata without end", "B", parts, error));
  EXPECT_EQ(error, "a part is not closed by the boundary");
  EXPECT_FALSE(ParseMultipart("--Bjunk", "B", parts, error));
  EXPECT_EQ(error, "a boundary is not followed by a line break");
}

}  // namespace
}  // namespace vsr::server
