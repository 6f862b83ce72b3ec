// Tests that need a real server (redis-server, PostgreSQL) from Debian's packages: skipped
// locally when the package is missing, failed under CI (CI set, scripts/setup installed it),
// never silently skipped there.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

// `server` has ready(); `package` names it in the message.
#define VSR_REQUIRE_SERVER(server, package)                                         \
  do {                                                                              \
    if (!(server).ready()) {                                                        \
      if (std::getenv("CI") != nullptr) FAIL() << package " did not start (CI)";    \
      GTEST_SKIP() << package " is not installed (bash scripts/setup installs it)"; \
    }                                                                               \
  } while (0)
