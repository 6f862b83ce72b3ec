// The token-embedding table read from the checkpoint per pass: the rows a pass asks for, in any
// float dtype; nothing of the table kept in process memory; a file changed under a loaded model
// is an error (or the loaded version), never a crash.
#include "ml/embedding_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/resident_memory.h"

namespace vsr::ml {
namespace {

using vsr::testing::ResidentKb;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/emb-" + std::to_string(getpid()) + "-" + name + ".safetensors";
}

// A checkpoint holding one tensor "t" of `dtype` and `shape` with the raw bytes `data`
// (after a second tensor, so the table does not start the data section).
void WriteTable(const std::string& path, const std::string& dtype, int64_t rows, int64_t cols,
                const std::string& data) {
  const std::string lead(8, '\x7f');
  const std::string header =
      R"({"lead":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"t":{"dtype":")" + dtype +
      R"(","shape":[)" + std::to_string(rows) + "," + std::to_string(cols) +
      R"(],"data_offsets":[8,)" + std::to_string(8 + data.size()) + "]}}";
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out << header << lead << data;
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

EmbeddingTable OpenTable(const std::string& path, int64_t rows, int64_t cols) {
  std::string error;
  auto file = SafetensorsFile::Open(path, error);
  EmbeddingTable table;
  EXPECT_TRUE(file) << error;
  if (file) {
    EXPECT_TRUE(EmbeddingTable::Open(*file, "t", {rows, cols}, table, error)) << error;
  }
  return table;  // the file object (and its mapping) is gone: the table keeps its own descriptor
}

TEST(EmbeddingTable, GathersTheAskedRowsInAnyFloatDtype) {
  // Row r is {r, r + 0.5, -r}: exact in float16 and bfloat16 too.
  const std::vector<float> f32 = {0, 0.5f, 0, 1, 1.5f, -1, 2, 2.5f, -2, 3, 3.5f, -3};
  const std::vector<uint16_t> f16 = {0x0000, 0x3800, 0x0000, 0x3c00, 0x3e00, 0xbc00,
                                     0x4000, 0x4100, 0xc000, 0x4200, 0x4300, 0xc200};
  const std::vector<uint16_t> bf16 = {0x0000, 0x3f00, 0x0000, 0x3f80, 0x3fc0, 0xbf80,
                                      0x4000, 0x4020, 0xc000, 0x4040, 0x4060, 0xc040};
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"F32", Bytes(f32)}, {"F16", Bytes(f16)}, {"BF16", Bytes(bf16)}};
  for (const auto& [dtype, data] : tables) {
    SCOPED_TRACE(dtype);
    const std::string path = TempPath(dtype);
    WriteTable(path, dtype, 4, 3, data);
    const EmbeddingTable table = OpenTable(path, 4, 3);
    EXPECT_EQ(table.rows(), 4u);
    EXPECT_EQ(table.cols(), 3u);
    const std::vector<int32_t> ids = {3, 0, 3, 1};  // repeated and out of order
    std::vector<float> out(ids.size() * 3, -9);
    table.Gather(ids.data(), ids.size(), out.data());
    EXPECT_EQ(out, (std::vector<float>{3, 3.5f, -3, 0, 0.5f, 0, 3, 3.5f, -3, 1, 1.5f, -1}));
    std::remove(path.c_str());
  }
}

TEST(EmbeddingTable, ATableThatIsNotAFloatMatrixOfTheConfigsShapeIsNamed) {
  const std::string path = TempPath("shape");
  WriteTable(path, "F32", 2, 2, Bytes(std::vector<float>{1, 2, 3, 4}));
  std::string error;
  auto file = SafetensorsFile::Open(path, error);
  ASSERT_TRUE(file) << error;
  EmbeddingTable table;
  EXPECT_FALSE(EmbeddingTable::Open(*file, "t", {4, 1}, table, error));
  EXPECT_NE(error.find("tensor 't' is F32 [2, 2], the model config expects F32 [4, 1]"),
            std::string::npos)
      << error;
  EXPECT_FALSE(EmbeddingTable::Open(*file, "lead", {8}, table, error));
  EXPECT_NE(error.find("tensor 'lead' is U8 [8], expected a float32, float16 or bfloat16 matrix"),
            std::string::npos)
      << error;
  EXPECT_FALSE(EmbeddingTable::Open(*file, "missing", {2, 2}, table, error));
  EXPECT_NE(error.find("tensor 'missing' is missing"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(EmbeddingTable, KeepsTheTableOutOfProcessMemory) {
  // The reason it exists: a copied table stayed resident in every router process for good.
  const int64_t rows = 16384, cols = 1024;  // 64 MB
  const std::string path = TempPath("big");
  WriteTable(path, "F32", rows, cols,
             std::string(static_cast<size_t>(rows * cols) * sizeof(float), '\0'));
  const long before = ResidentKb();
  ASSERT_GT(before, 0);
  const EmbeddingTable table = OpenTable(path, rows, cols);
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < rows; id += 97) ids.push_back(id);
  std::vector<float> out(ids.size() * static_cast<size_t>(cols), 1);
  table.Gather(ids.data(), ids.size(), out.data());
  EXPECT_EQ(out.front(), 0.0f);
  EXPECT_EQ(out.back(), 0.0f);
  EXPECT_LT(ResidentKb(), before + 8 * 1024);
  std::remove(path.c_str());
}

TEST(EmbeddingTable, AFileCutShortUnderALoadedModelIsAnErrorNamingIt) {
  const std::string path = TempPath("cut");
  WriteTable(path, "F32", 4, 2, Bytes(std::vector<float>{0, 0, 1, 1, 2, 2, 3, 3}));
  const EmbeddingTable table = OpenTable(path, 4, 2);
  ASSERT_EQ(truncate(path.c_str(), 100), 0);  // the header and lead stay, the rows go
  const int32_t id = 3;
  std::vector<float> out(2);
  try {
    table.Gather(&id, 1, out.data());
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": cannot read token embedding row 3: the file "
                                                "is shorter than when it was loaded"),
              std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

TEST(EmbeddingTable, AFileReplacedUnderALoadedModelKeepsTheLoadedRows) {
  // A new download renamed over the checkpoint: the model keeps its own version until reloaded.
  const std::string path = TempPath("replaced");
  WriteTable(path, "F32", 2, 2, Bytes(std::vector<float>{1, 1, 2, 2}));
  const EmbeddingTable table = OpenTable(path, 2, 2);
  const std::string next = path + ".next";
  WriteTable(next, "F32", 2, 2, Bytes(std::vector<float>{7, 7, 8, 8}));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  const int32_t id = 1;
  std::vector<float> out(2);
  table.Gather(&id, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{2, 2}));
  std::remove(path.c_str());
}

TEST(EmbeddingTable, AnIdOutsideTheTableIsAnError) {
  const std::string path = TempPath("range");
  WriteTable(path, "F32", 2, 1, Bytes(std::vector<float>{1, 2}));
  const EmbeddingTable table = OpenTable(path, 2, 1);
  std::vector<float> out(1);
  for (const int32_t id : {2, -1}) {
    EXPECT_THROW(table.Gather(&id, 1, out.data()), std::runtime_error) << id;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace vsr::ml
