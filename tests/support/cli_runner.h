// Test helper: run the real vllm-sr binary through a shell and capture its output and status.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace vsr::testing {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with sh -c; the caller appends 2>&1 when it wants stderr too.
inline CliRun RunShell(const std::string& command) {
  CliRun r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#ifdef VSR_CLI_BINARY  // test targets that depend on the vllm-sr binary
// `vllm-sr ARGS` with stderr merged into the output.
inline CliRun RunCli(const std::string& args) {
  return RunShell(std::string(VSR_CLI_BINARY) + " " + args + " 2>&1");
}
#endif

}  // namespace vsr::testing
