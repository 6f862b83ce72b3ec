// The safetensors reader on files built byte by byte: tensors found with their dtype, shape
// and data; F16/BF16 widened; every malformed or truncated file an error naming the problem.
#include "ml/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace vsr::ml {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/st-" + std::to_string(getpid()) + "-" + name + ".safetensors";
}

// 8-byte little-endian header length, the header, then the data.
std::string Write(const std::string& name, const std::string& header, const std::string& data,
                  int64_t declared_len = -1) {
  const std::string path = TempPath(name);
  std::ofstream out(path, std::ios::binary);
  uint64_t len = declared_len >= 0 ? static_cast<uint64_t>(declared_len) : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((len >> (8 * i)) & 0xff));
  out << header << data;
  return path;
}

std::string Floats(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

TEST(Safetensors, ReadsTensorsMetadataAndData) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("embeddings.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})";
  const std::string path = Write("ok", header, Floats({1, 2, 3, 4, 5, 6, -1, 0.5f}));
  std::string error;
  auto file = SafetensorsFile::Open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  const TensorView* w = file->Expect("embeddings.weight", DType::kF32, {2, 3}, error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->elements(), 6);
  const std::vector<float> values = ToFloat32(*w, error);
  EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ToFloat32(*file->Find("bias"), error), (std::vector<float>{-1, 0.5f}));
}

TEST(Safetensors, ACheckpointThatDoesNotMatchItsConfigIsNamed) {
  const std::string path =
      Write("mismatch", R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]}})",
            Floats({1, 2, 3, 4, 5, 6}));
  std::string error;
  auto file = SafetensorsFile::Open(path, error);
  ASSERT_TRUE(file) << error;
  EXPECT_FALSE(file->Expect("w", DType::kF32, {2, 3}, error));
  EXPECT_NE(error.find("tensor 'w' is F32 [3, 2], the model config expects F32 [2, 3]"),
            std::string::npos)
      << error;
  EXPECT_FALSE(file->Expect("missing.weight", DType::kF32, {1}, error));
  EXPECT_NE(error.find("tensor 'missing.weight' is missing"), std::string::npos);
}

TEST(Safetensors, HalfAndBfloat16AreWidened) {
  // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal = 0x0001.
  // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00.
  const uint16_t halves[] = {0x3c00, 0xc000, 0x7bff, 0x0001};
  const uint16_t bf[] = {0x3f80, 0xbf00};
  std::string data(reinterpret_cast<const char*>(halves), sizeof halves);
  data.append(reinterpret_cast<const char*>(bf), sizeof bf);
  const std::string path = Write("half",
                                 R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
                                 R"("ids":{"dtype":"I64","shape":[0],"data_offsets":[12,12]}})",
                                 data);
  std::string error;
  auto file = SafetensorsFile::Open(path, error);
  ASSERT_TRUE(file) << error;
  const std::vector<float> h = ToFloat32(*file->Find("h"), error);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.0f);
  EXPECT_EQ(h[2], 65504.0f);
  EXPECT_FLOAT_EQ(h[3], 5.9604645e-8f);
  EXPECT_EQ(ToFloat32(*file->Find("b"), error), (std::vector<float>{1.0f, -0.5f}));
  EXPECT_TRUE(ToFloat32(*file->Find("ids"), error).empty());
  EXPECT_NE(error.find("not a floating-point type"), std::string::npos);
}

TEST(Safetensors, MalformedFilesAreErrorsNotCrashes) {
  struct Case {
    std::string name, header, data;
    int64_t declared_len;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"short", "", "", 0, "header is not a JSON object"},
      {"hugelen", "{}", "", int64_t{1} << 40, "does not fit the file"},
      {"notjson", "{not json", "", -1, "header is not a JSON object"},
      {"dtype", R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x", -1,
       "tensor 'w': unknown dtype \"F8\""},
      {"shape", R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx", -1,
       "non-integer or negative"},
      {"offsets", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "xxxx", -1,
       "begin <= end"},
      {"truncated", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "xxxx", -1,
       "run past the data section (4 bytes): the file is truncated"},
      {"size", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "xxxx", -1,
       "4 bytes of data for F32 [2] (needs 8)"},
      {"overflow",
       R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}})", "xxxx",
       -1, "shape is too large"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(SafetensorsFile::Open(Write(c.name, c.header, c.data, c.declared_len), error))
        << c.name;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << ": " << error;
  }
  std::string error;
  EXPECT_FALSE(SafetensorsFile::Open("/no/such/model.safetensors", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  const std::string tiny = TempPath("tiny");
  std::ofstream(tiny) << "abc";
  EXPECT_FALSE(SafetensorsFile::Open(tiny, error));
  EXPECT_NE(error.find("shorter than its header"), std::string::npos);
}

}  // namespace
}  // namespace vsr::ml
