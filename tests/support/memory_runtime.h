// Test helper for the memory backends: a plugin runtime as a router builds it for a config (the
// memory store opens with its chains), its log, and a memory with a two-dimensional embedding.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/memory_store.h"
#include "plugins/registry.h"
#include "routing/router.h"
#include "support/config_loader.h"

namespace vsr::testing {

struct MemoryRuntime {
  explicit MemoryRuntime(const std::shared_ptr<const config::Config>& config) {
    std::vector<std::string> errors;
    router = routing::Router::Create(config, errors);
    EXPECT_TRUE(router) << (errors.empty() ? "" : errors.front());
    plugins::PluginServices services;
    services.log = [this](const std::string& line) {  // also from the mirror's threads
      std::lock_guard lock(mu);
      log.push_back(line);
    };
    runtime = std::make_unique<plugins::PluginRuntime>(std::move(services));
    runtime->ChainsFor(router);
  }
  plugins::MemoryStore& store() { return *runtime->memory_store(); }
  // The log line that has `text` ("" when none does).
  std::string Logged(const std::string& text) {
    std::lock_guard lock(mu);
    for (const std::string& line : log) {
      if (line.find(text) != std::string::npos) return line;
    }
    return "";
  }
  std::string FirstLine() {
    std::lock_guard lock(mu);
    return log.empty() ? "" : log.front();
  }
  std::mutex mu;
  std::vector<std::string> log;
  std::shared_ptr<const routing::Router> router;
  std::unique_ptr<plugins::PluginRuntime> runtime;
};

// One decision that remembers users, its memories in `backend` configured by `backend_block`
// (the YAML flow map under stores.memory.<backend>).
inline std::shared_ptr<const config::Config> MemoryBackendConfig(const std::string& backend,
                                                                 const std::string& backend_block) {
  return ConfigFromText(kOneModelConfigHead +
                        "    - name: d\n"
                        "      rules: {operator: AND, conditions: []}\n"
                        "      modelRefs: [{model: m}]\n"
                        "      plugins: [{type: memory, configuration: {enabled: true}}]\n"
                        "global:\n"
                        "  stores:\n"
                        "    memory:\n"
                        "      enabled: true\n"
                        "      backend: " +
                        backend + "\n      " + backend + ": " + backend_block + "\n");
}

inline plugins::Memory TestMemory(const std::string& id, const std::string& user,
                                  const std::string& content) {
  plugins::Memory m;
  m.id = id;
  m.user_id = user;
  m.content = content;
  m.source = "conversation";
  m.importance = 0.8;
  m.created_unix = 1700000000;
  m.embedding = {0.6f, 0.8f};
  return m;
}

}  // namespace vsr::testing
