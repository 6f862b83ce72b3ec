// Runs the real vllm-sr binary as a user would and checks its output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/cli_runner.h"

namespace {

using vsr::testing::CliRun;
using vsr::testing::RunCli;
using vsr::testing::RunShell;

// Runs in `dir` with a private HOME, so discovery never sees the real user's files.
CliRun RunCliIn(const std::string& dir, const std::string& args, const std::string& env = "") {
  const std::string cmd = "cd '" + dir + "' && env -u OPENCLAW_CONFIG_PATH HOME='" + dir + "' " +
                          env + " " + VSR_CLI_BINARY + " " + args + " 2>&1";
  return RunShell(cmd);
}

// A fresh empty directory per test, removed at the end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsr-cli-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}
std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kUpstream = std::string(VSR_SHARED_DIR) + "/upstream/config/config.yaml";

TEST(CliTest, VersionAndHelp) {
  CliRun v = RunCli("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output, "vllm-sr version: 0.3.0\n");
  CliRun h = RunCli("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd :
       {"serve", "stop", "status", "logs", "dashboard", "eval", "chat", "validate", "config"}) {
    EXPECT_NE(h.output.find(cmd), std::string::npos) << cmd;
  }
}

// The settings that only exist as environment variables are named in serve's help.
TEST(CliTest, ServeHelpNamesTheEnvironmentVariables) {
  CliRun h = RunCli("serve --help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* var : {"VLLM_SR_STACK_NAME", "VLLM_SR_PORT_OFFSET", "VLLM_SR_NOFILE_LIMIT",
                          "VLLM_SR_MATMUL", "SR_LOG_LEVEL", "HF_TOKEN", "HF_ENDPOINT"}) {
    EXPECT_NE(h.output.find(var), std::string::npos) << var;
  }
}

TEST(CliTest, ValidateReferenceConfigSucceedsWithWarnings) {
  CliRun r = RunCli("validate " + kUpstream);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Configuration is valid!"), std::string::npos);
  EXPECT_NE(r.output.find("Decisions: 18"), std::string::npos);
  EXPECT_NE(r.output.find("7 warning(s)"), std::string::npos);  // incl. the mcp server name
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

TEST(CliTest, StackCommandsWithoutAStackSayWhatToDo) {
  TempDir dir;
  struct Case {
    const char* args;
    int exit_code;
    const char* says;
  };
  const Case cases[] = {
      {"status", 0, "Status: Not running (stack cli-test-none)\nStart with: vllm-sr serve"},
      {"stop", 0, "Nothing to stop."},
      {"dashboard", 1, "ERROR - vLLM Semantic Router is not running"},
      {"logs router", 1, "Is vLLM Semantic Router running?"},
      {"chat hello", 1,
       "ERROR - Config file not found: config.yaml. Use --config or --base-url to target the "
       "router."},
      {"chat", 2, "Provide a prompt as arguments or use --prompt."},
      {"chat --base-url http://127.0.0.1:1 hello", 1,
       "ERROR - Could not reach http://127.0.0.1:1/v1/chat/completions."},
      {"serve --target k8s", 1, "--target k8s"},
      {"serve --config missing.yaml", 1, "ERROR - Config file not found: missing.yaml"},
  };
  for (const Case& c : cases) {
    const CliRun r = RunCliIn(dir.path, c.args, "VLLM_SR_STACK_NAME=cli-test-none");
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args << ": " << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.args << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "config.yaml"));  // nothing bootstrapped
}

TEST(CliTest, MigrateWritesNextToTheSourceAndRefusesToOverwrite) {
  TempDir dir;
  std::filesystem::copy_file(std::string(VSR_FIXTURES_DIR) + "/config/migrate/legacy.yaml",
                             dir / "old.yaml");
  CliRun r = RunCliIn(dir.path, "config migrate --config old.yaml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Migrated configuration written successfully\n  Source: old.yaml\n"
                          "  Output: old.migrated.yaml\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("warning: not carried over: mystery_key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Migrated configuration is valid"), std::string::npos) << r.output;
  EXPECT_EQ(RunCliIn(dir.path, "validate old.migrated.yaml").exit_code, 0);

  CliRun again = RunCliIn(dir.path, "config migrate --config old.yaml");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("Output file already exists: old.migrated.yaml\n"
                              "ERROR - Use --force to overwrite the destination"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(RunCliIn(dir.path, "config migrate --config old.yaml --force").exit_code, 0);
  EXPECT_EQ(RunCliIn(dir.path, "config migrate --config old.yaml --output sub/new.yaml").exit_code,
            0);
  EXPECT_TRUE(std::filesystem::exists(dir / "sub/new.yaml"));

  CliRun missing = RunCliIn(dir.path, "config migrate --config nope.yaml");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("Config file not found: nope.yaml"), std::string::npos);
}

TEST(CliTest, MigrateSaysWhatIsLeftWhenTheResultDoesNotValidate) {
  TempDir dir;
  WriteFile(dir / "old.yaml",
            "default_model: ghost\ndecisions:\n  - name: d\n    modelRefs: [{model: nowhere}]\n");
  CliRun r = RunCliIn(dir.path, "config migrate --config old.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "old.migrated.yaml"));
  EXPECT_NE(r.output.find("The migrated file does not validate yet"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("old.migrated.yaml:"), std::string::npos) << r.output;
}

const char* kOpenClaw =
    R"({"models": {"providers": {"local": {"baseUrl": "http://127.0.0.1:11434/v1",
  "models": [{"id": "llama3", "contextWindow": 8192}]}}}})";

TEST(CliTest, ImportFromOpenClawMergesBacksUpAndRewrites) {
  TempDir dir;
  WriteFile(dir / "oc.json", kOpenClaw);
  std::filesystem::copy_file(std::string(VSR_FIXTURES_DIR) + "/config/valid-minimal.yaml",
                             dir / "config.yaml");
  const std::string before = ReadFile(dir / "config.yaml");
  CliRun r = RunCliIn(dir.path, "config import --from openclaw", "OPENCLAW_CONFIG_PATH=oc.json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Imported OpenClaw configuration written successfully"),
            std::string::npos);
  EXPECT_NE(r.output.find("Rewritten OpenClaw base URL: http://127.0.0.1:8888/v1"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Imported models: llama3"), std::string::npos);
  EXPECT_EQ(ReadFile(dir / "config.yaml.bak"), before);
  EXPECT_EQ(ReadFile(dir / "oc.json.bak"), kOpenClaw);
  EXPECT_NE(ReadFile(dir / "oc.json").find("\"baseUrl\": \"http://127.0.0.1:8888/v1\""),
            std::string::npos);
  const std::string merged = ReadFile(dir / "config.yaml");
  for (const char* kept : {"name: code_route", "name: large", "code-expert", "name: llama3"}) {
    EXPECT_NE(merged.find(kept), std::string::npos) << kept;
  }
  EXPECT_EQ(RunCliIn(dir.path, "validate config.yaml").exit_code, 0);

  // A second source into the same target: config.yaml.bak exists, so it needs --force.
  WriteFile(dir / "oc2.json", kOpenClaw);
  CliRun again = RunCliIn(dir.path, "config import --from openclaw --source oc2.json");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(
      again.output.find("Backup file already exists: config.yaml.bak. Use --force to overwrite "
                        "backup files."),
      std::string::npos)
      << again.output;
  EXPECT_EQ(RunCliIn(dir.path, "config import --from openclaw --source oc2.json --force").exit_code,
            0);
  // The rewritten source points at the router: importing it again would make a request loop.
  CliRun loop = RunCliIn(dir.path, "config import --from openclaw --source oc.json --force");
  EXPECT_EQ(loop.exit_code, 1);
  EXPECT_NE(loop.output.find("already points at this router"), std::string::npos) << loop.output;
}

TEST(CliTest, ImportErrorsAreUpstreamsWords) {
  TempDir dir;
  CliRun none = RunCliIn(dir.path, "config import --from openclaw");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("Could not find an OpenClaw config. Checked " +
                             (dir / "openclaw.json") + ", " + (dir / ".openclaw/openclaw.json") +
                             ". Set OPENCLAW_CONFIG_PATH or pass --source."),
            std::string::npos)
      << none.output;
  CliRun from = RunCliIn(dir.path, "config import --from litellm");
  EXPECT_NE(from.output.find("Unsupported import source 'litellm'. Supported values: openclaw."),
            std::string::npos);
  WriteFile(dir / "openclaw.json", "{\"models\": [1,");
  CliRun bad = RunCliIn(dir.path, "config import --from openclaw");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("OpenClaw config " + (dir / "openclaw.json") + " is not valid JSON: "),
            std::string::npos)
      << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "config.yaml"));  // nothing written on failure
  // Discovery falls back to ~/.openclaw/openclaw.json.
  std::filesystem::remove(dir / "openclaw.json");
  std::filesystem::create_directories(dir / ".openclaw");
  WriteFile(dir / ".openclaw/openclaw.json", kOpenClaw);
  CliRun home = RunCliIn(dir.path, "config import --from openclaw");
  EXPECT_EQ(home.exit_code, 0) << home.output;
  EXPECT_EQ(RunCliIn(dir.path, "validate").exit_code, 0);
}

TEST(CliTest, BadFlagsAreRejectedByTheParser) {
  CliRun r = RunCli("logs nosuchservice");
  EXPECT_NE(r.exit_code, 0);
  CliRun u = RunCli("frobnicate");
  EXPECT_NE(u.exit_code, 0);
}

}  // namespace
