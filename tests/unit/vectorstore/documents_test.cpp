// Chunking, text extraction and the file store: what an uploaded document becomes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "vectorstore/chunking.h"
#include "vectorstore/file_store.h"
#include "vectorstore/text_extract.h"

namespace vsr::vectorstore {
namespace {

std::vector<std::string> Contents(const std::vector<TextChunk>& chunks) {
  std::vector<std::string> out;
  for (const TextChunk& c : chunks) out.push_back(c.content);
  return out;
}

TEST(Chunking, AutoSplitsOnBlankLinesAndBeforeHeadings) {
  const std::string text =
      "# Title\nintro line\n## Install\nrun setup\n\n\n\nSecond paragraph.\n\n   \n\nThird";
  const auto chunks = ChunkText(text, nullptr);
  EXPECT_EQ(Contents(chunks),
            (std::vector<std::string>{"# Title\nintro line", "## Install\nrun setup",
                                      "Second paragraph.", "Third"}));
  for (size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(chunks[i].chunk_index, static_cast<int>(i));
  EXPECT_TRUE(ChunkText("  \n\n \t", nullptr).empty());
}

TEST(Chunking, StaticWindowsOverlapByCharactersNotBytes) {
  ChunkingStrategy s;
  s.type = "static";
  s.has_static = true;
  s.max_chunk_size_tokens = 4;
  s.chunk_overlap_tokens = 2;
  EXPECT_EQ(Contents(ChunkText("abcdefgh", &s)),
            (std::vector<std::string>{"abcd", "cdef", "efgh", "gh"}));
  // "é" is two bytes and one character: windows never cut it.
  EXPECT_EQ(Contents(ChunkText("ééééé", &s)), (std::vector<std::string>{"éééé", "ééé", "é"}));
  s.chunk_overlap_tokens = 9;  // overlap >= size: half the size, as upstream
  EXPECT_EQ(ChunkText("abcdefgh", &s).size(), 4u);
}

TEST(TextExtract, ReadsEachSupportedFormat) {
  std::string text, error;
  ASSERT_TRUE(ExtractText("plain words", "notes.TXT", text, error));
  EXPECT_EQ(text, "plain words");
  ASSERT_TRUE(ExtractText(R"({"a":[1,2]})", "x.json", text, error)) << error;
  EXPECT_NE(text.find("\"a\""), std::string::npos);
  EXPECT_NE(text.find('\n'), std::string::npos);  // pretty-printed
  ASSERT_TRUE(
      ExtractText("name,role\nAda,\"engineer, first\"\nBob,ops,extra\n", "t.csv", text, error));
  EXPECT_EQ(text,
            "Row 1:\n  name: Ada\n  role: engineer, first\nRow 2:\n  name: Bob\n  role: ops\n"
            "  Column3: extra\n");
  ASSERT_TRUE(
      ExtractText("<html><head><style>p{}</style><script>var x=1;</script></head>"
                  "<body><h1>Refunds</h1><p>Within &amp; 30 days</p><!-- hidden -->"
                  "</body></html>",
                  "page.html", text, error));
  EXPECT_EQ(text, "Refunds \nWithin & 30 days");
}

TEST(TextExtract, NamesWhatItCannotRead) {
  std::string text, error;
  EXPECT_FALSE(ExtractText("%PDF", "manual.pdf", text, error));
  EXPECT_EQ(error, "unsupported file format: .pdf");
  EXPECT_FALSE(ExtractText("{broken", "x.json", text, error));
  EXPECT_NE(error.find("failed to parse JSON"), std::string::npos);
  EXPECT_FALSE(ExtractText("a,\"open", "x.csv", text, error));
  EXPECT_NE(error.find("not closed"), std::string::npos);
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/filestore-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FileStoreTest, SavesReadsListsDeletesAndSurvivesReopening) {
  std::string error;
  auto store = FileStore::Open(dir_, error);
  ASSERT_TRUE(store) << error;
  const std::string binary("a\0b\xff", 4);
  auto saved = store->Save("../../etc/passwd.txt", binary, "assistants", error);
  ASSERT_TRUE(saved) << error;
  EXPECT_EQ(saved->filename, "passwd.txt");  // the last path component only
  EXPECT_EQ(saved->bytes, 4);
  EXPECT_TRUE(saved->id.starts_with("file_"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/files/" + saved->id + "/passwd.txt"));
  EXPECT_EQ(store->Read(saved->id, error), binary);

  auto reopened = FileStore::Open(dir_, error);
  ASSERT_TRUE(reopened);
  ASSERT_EQ(reopened->List().size(), 1u);
  EXPECT_EQ(reopened->Get(saved->id)->purpose, "assistants");

  EXPECT_TRUE(reopened->Delete(saved->id, error)) << error;
  EXPECT_FALSE(reopened->Get(saved->id));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/files/" + saved->id));
  EXPECT_FALSE(reopened->Delete(saved->id, error));
  EXPECT_EQ(error, "file not found: " + saved->id);
  EXPECT_FALSE(reopened->Save("..", "x", "assistants", error));
}

}  // namespace
}  // namespace vsr::vectorstore
