// Runs the real vllm-sr binary as a user would and checks its output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CliRun RunCli(const std::string& args) {
  const std::string cmd = std::string(VSR_CLI_BINARY) + " " + args + " 2>&1";
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kUpstream = std::string(VSR_SHARED_DIR) + "/upstream/config/config.yaml";

TEST(CliTest, VersionAndHelp) {
  CliRun v = RunCli("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output, "vllm-sr version: 0.3.0\n");
  CliRun h = RunCli("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"serve", "stop", "status", "logs", "dashboard", "eval", "chat", "validate", "config"}) {
    EXPECT_NE(h.output.find(cmd), std::string::npos) << cmd;
  }
}

TEST(CliTest, ValidateReferenceConfigSucceedsWithWarnings) {
  CliRun r = RunCli("validate " + kUpstream);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Configuration is valid!"), std::string::npos);
  EXPECT_NE(r.output.find("Decisions: 18"), std::string::npos);
  EXPECT_NE(r.output.find("6 warning(s)"), std::string::npos);
}

TEST(CliTest, ValidateAcceptsConfigFlagAndStrictTurnsWarningsIntoFailure) {
  EXPECT_EQ(RunCli("validate --config " + kUpstream).exit_code, 0);
  CliRun strict = RunCli("validate --strict " + kUpstream);
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.output.find("--strict treats warnings as errors"), std::string::npos);
}

TEST(CliTest, ValidateMissingFileFails) {
  CliRun r = RunCli("validate /nonexistent/config.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent/config.yaml: cannot read the file"), std::string::npos);
}

TEST(CliTest, TenMistakesGiveTenMessages) {
  CliRun r = RunCli("validate " + std::string(VSR_FIXTURES_DIR) + "/config/ten-mistakes.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("10 error(s)"), std::string::npos) << r.output;
}

TEST(CliTest, PendingCommandsSaySoAndFail) {
  for (const char* cmd : {"serve", "stop", "status", "dashboard", "eval --prompt hi", "chat hello",
                          "logs router", "config migrate", "config import --from openclaw"}) {
    CliRun r = RunCli(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.output.find("not implemented yet"), std::string::npos) << cmd << ": " << r.output;
  }
}

TEST(CliTest, BadFlagsAreRejectedByTheParser) {
  CliRun r = RunCli("logs nosuchservice");
  EXPECT_NE(r.exit_code, 0);
  CliRun u = RunCli("frobnicate");
  EXPECT_NE(u.exit_code, 0);
}

}  // namespace
