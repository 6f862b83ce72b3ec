#include "cli/bootstrap.h"

#include "cli/commands.h"
#include "config/yaml_tree.h"

namespace vsr::cli {

namespace {

// One provider model answered by the simulator at `endpoint`.
std::string SimulatedModel(const std::string& name, const std::string& endpoint) {
  return "    - name: " + name + "\n      provider_model_id: " + name +
         "\n      backend_refs:\n        - name: simulator\n          endpoint: " + endpoint +
         "\n          protocol: http\n          weight: 1\n";
}

// `text` as a quoted YAML scalar (the config layer's emitter escapes what needs it).
std::string Quoted(const std::string& text) {
  std::string out = config::EmitYaml(config::YamlNode::Scalar(text, /*quoted=*/true));
  out.pop_back();  // EmitYaml ends a document with a newline
  return out;
}

}  // namespace

std::string BootstrapConfig(int simulator_port, const std::string& embedding_model) {
  const bool embeddings = !embedding_model.empty();
  const std::string endpoint = "127.0.0.1:" + std::to_string(simulator_port);
  return "# Written by `vllm-sr serve` in an empty folder: the auto model \"MoM\" routes between\n"
         "# two simulated models answered by the built-in simulator (no API keys, no network).\n"
         "# Point backend_refs at real endpoints when you are ready; the router reloads this file\n"
         "# when it changes. Check edits with: vllm-sr validate config.yaml\n"
         "version: v0.3\n"
         "listeners:\n"
         "  - name: http-" +
         std::to_string(kDefaultDataPort) +
         "\n"
         "    address: 0.0.0.0\n"
         "    port: " +
         std::to_string(kDefaultDataPort) +
         "\n"
         "    timeout: 300s\n"
         "providers:\n"
         "  defaults:\n"
         "    default_model: sim-general\n"
         "  models:\n" +
         SimulatedModel("sim-general", endpoint) + SimulatedModel("sim-reasoning", endpoint) +
         "routing:\n"
         "  modelCards:\n"
         "    - name: sim-general\n"
         "      description: Simulated general-purpose model (default route).\n"
         "    - name: sim-reasoning\n"
         "      description: Simulated reasoning model for math and step-by-step questions.\n"
         "  signals:\n"
         "    keywords:\n"
         "      - name: reasoning_request\n"
         "        operator: OR\n"
         "        keywords: [\"step by step\", \"prove\", \"derive\", \"integral\", "
         "\"equation\"]\n" +
         std::string(embeddings
                         ? "    # The same by meaning: similarity to these phrases, through the\n"
                           "    # embedding model below (see `vllm-sr eval --prompt \"...\"`).\n"
                           "    embeddings:\n"
                           "      - name: reasoning_question\n"
                           "        threshold: 0.4\n"
                           "        aggregation_method: max\n"
                           "        candidates:\n"
                           "          - solve this math problem\n"
                           "          - prove that this statement is true\n"
                           "          - explain the reasoning step by step\n"
                           "          - calculate the area under this curve\n"
                           "          - how many ways can these be arranged\n"
                           "          - what is the probability of this outcome\n"
                           "          - compute this arithmetic for me\n"
                         : "") +
         "  decisions:\n"
         "    - name: reasoning\n"
         "      description: Math and step-by-step questions go to the reasoning model.\n"
         "      priority: 100\n"
         "      rules:\n"
         "        operator: OR\n"
         "        conditions:\n"
         "          - type: keyword\n"
         "            name: reasoning_request\n" +
         std::string(embeddings ? "          - type: embedding\n"
                                  "            name: reasoning_question\n"
                                : "") +
         "      modelRefs:\n"
         "        - model: sim-reasoning\n"
         "          use_reasoning: false\n"
         "global:\n" +
         (embeddings
              ? "  model_catalog:\n"
                "    embeddings:\n"
                "      semantic:\n"
                "        # The embedded default: the Universal Sentence Encoder Lite (English,\n"
                "        # Apache-2.0) that scripts/setup installs from npm. Point a model_path\n"
                "        # at another model folder (or Hub id) and model_type at its slot.\n"
                "        bert_model_path: " +
                    Quoted(embedding_model) +
                    "\n"
                    "        embedding_config:\n"
                    "          model_type: bert\n"
              : std::string()) +
         "  services:\n"
         "    # Every routed request is recorded; browse with GET /v1/router_replay on the API\n"
         "    # port. Records survive restarts in this SQLite file.\n"
         "    router_replay:\n"
         "      enabled: true\n"
         "      store_backend: sqlite\n"
         "      sqlite:\n"
         "        path: .vllm-sr/router_replay.db\n"
         "    # Traces of each request (routing, signals, plugins, backend call) as OTLP/HTTP.\n"
         "    # To see them, run Jaeger or an OpenTelemetry collector and set enabled: true.\n"
         "    observability:\n"
         "      tracing:\n"
         "        enabled: false\n"
         "        exporter:\n"
         "          endpoint: http://localhost:4318\n";
}

}  // namespace vsr::cli
