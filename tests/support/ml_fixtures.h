// Test helpers for the model fixtures under tests/fixtures/ml (written by make_tiny_*.py): the
// reference outputs of a folder and JSON arrays as vectors.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vsr::testing {

inline const std::string kMlFixtures = std::string(VSR_FIXTURES_DIR) + "/ml";

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
