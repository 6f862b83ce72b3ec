// A fake MCP classification server on stdio (JSON-RPC lines), for the MCP client's tests.
//   --tool NAME        the classification tool's name (classify_text)
//   --noise            print a log line on stdout before every reply (real servers do)
//   --exit-after N     exit after answering N tool calls (a crash)
//   --hang-on WORD     never answer a classification whose text holds WORD
//   --freeze-on WORD   stop reading altogether at a message that holds WORD
//   --starts FILE      append a line to FILE at every start
//   --ignore-term      ignore SIGTERM (a server that must be killed)
// It exits at the end of its input, as stdio servers do when the client goes.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "support/fake_mcp_classifier.h"

int main(int argc, char** argv) {
  vsr::testing::FakeMcpClassifier fake;
  bool noise = false;
  int exit_after = -1;
  std::string hang_on, freeze_on;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--tool" && has_value) fake.tool = argv[++i];
    if (a == "--noise") noise = true;
    if (a == "--ignore-term") std::signal(SIGTERM, SIG_IGN);
    if (a == "--exit-after" && has_value) exit_after = std::stoi(argv[++i]);
    if (a == "--hang-on" && has_value) hang_on = argv[++i];
    if (a == "--freeze-on" && has_value) freeze_on = argv[++i];
    if (a == "--starts" && has_value) std::ofstream(argv[++i], std::ios::app) << "start\n";
  }
  int calls = 0;
  for (std::string line; std::getline(std::cin, line);) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const boost::json::object& msg = v.as_object();
    if (!hang_on.empty() && line.find(hang_on) != std::string::npos) continue;
    if (!freeze_on.empty() && line.find(freeze_on) != std::string::npos) {
      // Until the client kills it, or it is orphaned (a test process that exited first).
      const pid_t parent = getppid();
      while (getppid() == parent) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return 4;
    }
    const boost::json::value reply = fake.Answer(msg);
    if (reply.is_null()) continue;
    if (noise) std::cout << "INFO fake-classifier: handling a request\n";
    std::cout << boost::json::serialize(reply) << "\n" << std::flush;
    if (msg.at("method") == "tools/call" && ++calls == exit_after) return 3;
  }
  return 0;
}
