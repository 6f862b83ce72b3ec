// Tests that need something scripts/setup installs (a Debian package such as promtool, node
// and an npm folder's packages, a server): skipped locally when it is missing, failed under CI
// (CI set: the setup script installed it), never silently skipped there.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "support/cli_runner.h"

// Skips (locally) or fails (under CI) the test when `ok` is false; the messages say why.
#define VSR_REQUIRE_OR_SKIP_(ok, ci_message, local_message)   \
  do {                                                        \
    if (!(ok)) {                                              \
      if (std::getenv("CI") != nullptr) FAIL() << ci_message; \
      GTEST_SKIP() << local_message;                          \
    }                                                         \
  } while (0)

// `installed` names what must be there as `what` ("promtool", "tests/use_lite/node_modules").
#define VSR_REQUIRE_INSTALLED(installed, what)                                             \
  VSR_REQUIRE_OR_SKIP_(installed, std::string(what) + " missing under CI (scripts/setup)", \
                       std::string(what) + " not installed (bash scripts/setup installs it)")

namespace vsr::testing {

// Whether node is on PATH and every package of `packages` is in `dir`/node_modules.
inline bool NpmInstalled(const std::string& dir, std::initializer_list<const char*> packages) {
  for (const char* package : packages) {
    if (!std::filesystem::exists(dir + "/node_modules/" + package)) return false;
  }
  return RunShell("command -v node >/dev/null").exit_code == 0;
}

}  // namespace vsr::testing
