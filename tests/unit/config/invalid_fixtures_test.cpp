// Negative fixtures: each tests/fixtures/config/invalid/NAME.yaml has NAME.expected listing the
// exact diagnostics (without the file name prefix), one per line, in file order.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/loader.h"

namespace vsr::config {
namespace {

namespace fs = std::filesystem;

fs::path InvalidDir() { return fs::path(VSR_FIXTURES_DIR) / "config" / "invalid"; }

std::vector<std::string> InvalidFixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(InvalidDir())) {
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class InvalidConfigTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidConfigTest, ReportsExactlyTheExpectedProblems) {
  const fs::path yaml = InvalidDir() / (GetParam() + ".yaml");
  const fs::path expected_path = InvalidDir() / (GetParam() + ".expected");
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
  const LoadResult r = LoadConfigFile(yaml.string());
  std::vector<std::string> actual;
  const std::string prefix = yaml.string() + ":";
  for (const Diagnostic& d : r.diags.items()) {
    std::string line = d.Format();
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
    // Messages may quote the file path (e.g. the migrate hint); keep fixtures clone-independent.
    for (size_t at = line.find(yaml.string()); at != std::string::npos; at = line.find(yaml.string())) {
      line.replace(at, yaml.string().size(), "<file>");
    }
    actual.push_back(line);
  }
  EXPECT_EQ(actual, ReadLines(expected_path));
  EXPECT_GT(r.diags.items().size(), 0u) << "a negative fixture must produce a diagnostic";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, InvalidConfigTest, ::testing::ValuesIn(InvalidFixtures()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace vsr::config
