// Test helpers for the model fixtures under tests/fixtures/ml (written by make_tiny_*.py): the
// reference outputs of a folder and JSON arrays as vectors.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace vsr::testing {

inline const std::string kMlFixtures = std::string(VSR_FIXTURES_DIR) + "/ml";

// tests/fixtures/ml/<folder>/config.json, to edit for a test of a broken folder.
inline boost::json::object FixtureConfig(const std::string& folder) {
  std::ifstream in(kMlFixtures + "/" + folder + "/config.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str()).as_object();
}

// A scratch folder `name` (under the test temp dir, per process) holding copies of `files` of
// fixture `folder`: the place to write an edited config.json.
inline std::string ScratchCopy(const std::string& folder, const std::string& name,
                               std::initializer_list<const char*> files) {
  const std::string dir = ::testing::TempDir() + "/" + name + "-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  for (const char* f : files) {
    std::filesystem::copy_file(kMlFixtures + "/" + folder + "/" + f, dir + "/" + f,
                               std::filesystem::copy_options::overwrite_existing);
  }
  return dir;
}

// tests/fixtures/ml/<folder>/expected.json
inline boost::json::object ExpectedOutputs(const std::string& folder) {
  std::ifstream in(kMlFixtures + "/" + folder + "/expected.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str()).as_object();
}

inline std::vector<float> Floats(const boost::json::value& v) {
  std::vector<float> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<float>(x.to_number<double>()));
  return out;
}

inline std::vector<int32_t> Ids(const boost::json::value& v) {
  std::vector<int32_t> out;
  for (const auto& x : v.as_array()) out.push_back(static_cast<int32_t>(x.as_int64()));
  return out;
}

}  // namespace vsr::testing
