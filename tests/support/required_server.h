// Tests that need a real server (redis-server, PostgreSQL) from Debian's packages: skipped
// locally when the package is missing, failed under CI (CI set, scripts/setup installed it),
// never silently skipped there (support/required.h).
#pragma once

#include "support/required.h"

// `server` has ready(); `package` names it in the message.
#define VSR_REQUIRE_SERVER(server, package)                             \
  VSR_REQUIRE_OR_SKIP_((server).ready(), package " did not start (CI)", \
                       package " is not installed (bash scripts/setup installs it)")
