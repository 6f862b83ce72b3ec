#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>

#include "common/files.h"
#include "common/json_text.h"

namespace vsr {
namespace {

TEST(JsonTextTest, IndentsKeepsKeyOrderAndWritesReadableNumbers) {
  const auto v =
      boost::json::parse(R"({"b": [1, 2.5, 1.0, true, null], "a": {}, "c": [], "s": "é\"x"})");
  EXPECT_EQ(PrettyJson(v),
            "{\n  \"b\": [\n    1,\n    2.5,\n    1.0,\n    true,\n    null\n  ],\n  \"a\": {},\n"
            "  \"c\": [],\n  \"s\": \"é\\\"x\"\n}\n");
  // What we write reads back to the same value.
  EXPECT_EQ(boost::json::parse(PrettyJson(v)), v);
}

TEST(JsonTextTest, CompactIsWhatBoostWritesSaveForDoubles) {
  // Everything but doubles (Boost writes 1E0 where we write 1) comes out byte for byte as
  // boost::json::serialize writes it: the data plane forwards bodies written this way.
  const auto v = boost::json::parse(
      R"({"model":"m","n":-12,"big":18446744073709551615,"ok":true,"no":false,"x":null,)"
      R"("messages":[{"role":"user","content":"caf\u00e9 \"q\" \\ \b\f\n\r\t\u0001 \u001f"}],)"
      R"("nested":{"a":[[],{},[1,[2,{"b":"c"}]]]},"":"empty key"})");
  EXPECT_EQ(CompactJson(v), boost::json::serialize(v));
  EXPECT_EQ(CompactJson(boost::json::parse(R"({"d":[1.5,1.0,-0.25,1e300]})")),
            R"({"d":[1.5,1,-0.25,1e+300]})");
}

TEST(JsonTextTest, AppendedStringsAndNumbersParseBackToTheSameValues) {
  const std::string tricky = std::string("plain \"quoted\" back\\slash\nline\ttab ") +
                             std::string(1, '\x01') + " caf\xc3\xa9";
  std::string out = "[";
  AppendJsonString(out, tricky);
  out += ',';
  AppendJsonNumber(out, 0.25);
  out += ',';
  AppendJsonNumber(out, 1.0 / 0.0);  // not finite: null
  out += ']';
  const boost::json::value v = boost::json::parse(out);
  EXPECT_EQ(v.as_array()[0].as_string(), tricky);
  EXPECT_EQ(v.as_array()[1].as_double(), 0.25);
  EXPECT_TRUE(v.as_array()[2].is_null());
  EXPECT_NE(out.find("\\u0001"), std::string::npos);
}

TEST(JsonTextTest, EveryByteThatNeedsEscapingIsEscapedAtEveryPosition) {
  // Clean text is skipped a word at a time: a quote, backslash or control byte must be caught
  // wherever it sits in a word, next to bytes of UTF-8 (high bit set) and near the end.
  const std::string specials = std::string("\"\\\n\r\t\b\f\x01\x1f", 9) + std::string(1, '\0');
  for (const char special : specials) {
    for (size_t length = 1; length <= 40; ++length) {  // whole words and partial last words
      for (size_t at = 0; at < length; ++at) {
        std::string text = "caf\xc3\xa9 plain text, forty bytes long ~~";
        text.resize(length);
        text[at] = special;
        std::string out;
        AppendJsonString(out, text);
        ASSERT_EQ(out, boost::json::serialize(boost::json::string(text)))
            << "byte " << static_cast<int>(special) << " at " << at << " of " << length;
      }
    }
  }
  std::string out;
  AppendJsonString(out, std::string(64, 'a') + "\x7f\xff");  // DEL and high bytes pass
  EXPECT_EQ(out, "\"" + std::string(64, 'a') + "\x7f\xff\"");
}

TEST(JsonTextTest, ObjectsAndArraysAreWrittenAsTheirValuesWouldBe) {
  const auto v = boost::json::parse(R"({"a":[1,"x",{"b":null}],"c":{}})");
  EXPECT_EQ(CompactJson(v.as_object()), CompactJson(v));
  EXPECT_EQ(CompactJson(v.as_object().at("a").as_array()), R"([1,"x",{"b":null}])");
  EXPECT_EQ(CompactJson(boost::json::array{}), "[]");
  EXPECT_EQ(CompactJson(boost::json::object{}), "{}");
}

TEST(FilesTest, AtomicWriteCreatesParentsAndReplaces) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("vsr-files-" + std::to_string(::getpid()));
  const std::string path = (dir / "a/b/file.txt").string();
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(path, "one", error)) << error;
  ASSERT_TRUE(WriteFileAtomically(path, "two", error)) << error;
  EXPECT_EQ(ReadTextFile(path, error), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "a/b"), {}),
            1);  // no temp left
  EXPECT_FALSE(ReadTextFile((dir / "missing").string(), error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
  EXPECT_FALSE(ReadTextFile(path, error, 2));  // over the size limit
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vsr
