// The vector store end to end. In process: rag's `backend: vectorstore` through the real data
// plane — a store filled through the service, the matching chunks given to the model as a tool
// message, nothing found is no context, a missing store follows on_failure. As a process:
// `vllm-sr router` serving the Files and Vector Stores APIs to a new user — multipart upload,
// create, attach, ingestion status, search, download, delete — with the tiny fixture embedding
// model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/child_process.h"
#include "support/data_plane_fixture.h"
#include "support/fake_llama_stack.h"
#include "support/fake_models.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;
using testing::Child;
using testing::PortOf;

std::string ScratchDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name + "-" + std::to_string(getpid()) + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  return dir;
}

class VectorStoreRagTest : public DataPlaneTest {
 protected:
  // The store's backend settings (inside global.stores.vector_store).
  virtual std::string Backend() { return "backend_type: memory"; }
  void SetUp() override {
    dir_ = ScratchDir("vs-rag");
    plugins::PluginServices services;
    services.embed = [](const std::string& text) { return testing::WordEmbedder().Embed(text); };
    runtime_ = std::make_shared<plugins::PluginRuntime>(std::move(services));
    DataPlaneOptions options;
    options.plugins = runtime_;
    Start(test::FastModelConfig(backend_.Endpoint()) + test::AllToFastWithPlugins() +
              "        - type: rag\n"
              "          configuration: {enabled: true, backend: vectorstore, top_k: 1,\n"
              "            similarity_threshold: 0.3, on_failure: block,\n"
              "            backend_config: {vector_store_id: handbook}}\n"
              "global:\n"
              "  stores:\n"
              "    vector_store: {enabled: true, " +
              Backend() + ", file_storage_dir: '" + dir_ + "'}\n",
          options);
    runtime_->ChainsFor(snapshot_->Get());  // opens the store, as the router does at start
  }
  void TearDown() override {
    DataPlaneTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  // A store named "handbook" holding `text` (waits, bounded, for its ingestion).
  void FillHandbook(const std::string& text) {
    auto vs = runtime_->vector_store();
    ASSERT_TRUE(vs);
    const std::string store = vs->CreateStore("handbook", {}).value->id;
    std::string error;
    const auto file = vs->files().Save("handbook.md", text, "assistants", error);
    ASSERT_TRUE(file) << error;
    const std::string vsf = vs->AttachFile(store, file->id, std::nullopt).value->id;
    for (int i = 0; i < 500 && vs->ListFiles(store).front().status == "in_progress"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(vs->ListFiles(store).front().status, "completed");
  }
  json::array Forwarded() const {
    return ParseObject(backend_.sim->last_request().body).at("messages").as_array();
  }

  std::string dir_;
  std::shared_ptr<plugins::PluginRuntime> runtime_;
  Sim backend_;
};

TEST_F(VectorStoreRagTest, TheClosestChunkReachesTheModel) {
  FillHandbook(
      "# Refunds\nRefunds are paid within thirty days of a return.\n\n"
      "# Shipping\nParcels ship from Lisbon every weekday morning.");
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "When do parcels ship from Lisbon?"));
  ASSERT_EQ(r.status, 200) << r.body;
  json::array messages = Forwarded();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].at("role"), "tool");
  EXPECT_EQ(messages[1].at("content"),
            "# Shipping\nParcels ship from Lisbon every weekday morning.");
  const json::object rec = CompletedRecord(r.headers.at("x-vsr-replay-id"));
  EXPECT_EQ(rec.at("rag_backend"), "vectorstore");

  // Nothing similar enough: no context, and the request goes on (not a failure).
  r = Post("/v1/chat/completions", Chat("MoM", "zebra xylophone quartz", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Forwarded().size(), 1u);
}

TEST_F(VectorStoreRagTest, AMissingStoreFollowsOnFailure) {
  const HttpResult r = Post("/v1/chat/completions", Chat("MoM", "When do parcels ship?"));
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"),
            "RAG retrieval failed: backend \"vectorstore\" retrieval failed: vectorstore search "
            "failed: vector store not found: handbook");
  EXPECT_EQ(backend_.sim->stats().requests.load(), 0u);
}

// With backend_type llama_stack the store is searched there, by the question's text, as a call
// the request makes: the chunk Llama Stack finds reaches the model.
class VectorStoreRagOnLlamaStackTest : public VectorStoreRagTest {
 protected:
  std::string Backend() override {
    return "backend_type: llama_stack, llama_stack: {endpoint: '" + ls_.Url() + "'}";
  }
  testing::FakeLlamaStack ls_;
};

TEST_F(VectorStoreRagOnLlamaStackTest, LlamaStackSearchesAndItsChunkReachesTheModel) {
  FillHandbook(
      "# Refunds\nRefunds are paid within thirty days of a return.\n\n"
      "# Shipping\nParcels ship from Lisbon every weekday morning.");
  const HttpResult r =
      Post("/v1/chat/completions", Chat("MoM", "When do parcels ship from Lisbon?"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json::array messages = Forwarded();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].at("content"),
            "# Shipping\nParcels ship from Lisbon every weekday morning.");
  const server::HttpRequest search = ls_.requests().back();
  EXPECT_NE(search.path.find("/search"), std::string::npos);
  EXPECT_EQ(ParseObject(search.body).at("query"), "When do parcels ship from Lisbon?");
  EXPECT_EQ(ParseObject(search.body).at("max_num_results"), 1);
}

// ---- the router process and its API ----

std::vector<std::string> RouterArgs(const std::string& config) {
  return {"router", "--config",    config, "--address",      "127.0.0.1", "--port",
          "0",      "--data-port", "0",    "--metrics-port", "0"};
}

std::string Multipart(const std::string& filename, const std::string& content) {
  return "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
         filename + "\"\r\nContent-Type: text/plain\r\n\r\n" + content + "\r\n--XyZ--\r\n";
}

TEST(VectorStoreApiProcess, ANewUserUploadsAttachesSearchesAndDeletes) {
  const std::string dir = ScratchDir("vs-api");
  std::filesystem::create_directories(dir);
  const std::string ml = std::string(VSR_FIXTURES_DIR) + "/ml";
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: m}\n"
         "  models: [{name: m, backend_refs: [{name: sim, endpoint: '127.0.0.1:9'}]}]\n"
         "routing:\n  modelCards: [{name: m}]\n"
         "global:\n"
         "  model_catalog:\n"
         "    embeddings: {semantic: {bert_model_path: '"
      << ml
      << "/tiny-bert', embedding_config: {model_type: bert}}}\n"
         "  stores:\n"
         "    vector_store: {enabled: true, backend_type: memory, max_file_size_mb: 1, "
         "file_storage_dir: '"
      << dir << "/data'}\n";
  Child router(RouterArgs(dir + "/config.yaml"));
  const std::string api =
      "http://127.0.0.1:" + PortOf(router.LineStartingWith("Router API listening on"));
  const std::string vs_line = router.LineStartingWith("Vector store:");  // printed after it
  EXPECT_NE(vs_line.find("memory, 0 store(s), files in " + dir + "/data"), std::string::npos)
      << vs_line;
  const auto call = [&api](const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {}) {
    return HttpCall(method, api + path, body, std::chrono::seconds(10), headers);
  };
  const std::map<std::string, std::string> form{
      {"content-type", "multipart/form-data; boundary=XyZ"}};

  // Upload: the file record; a wrong type and a missing file field are named.
  HttpResult r =
      call("POST", "/v1/files",
           Multipart("faq.md", "# Hours\nWe open at nine.\n\n# Parking\nFree on site."), form);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object file = ParseObject(r.body);
  EXPECT_EQ(file.at("object"), "file");
  EXPECT_EQ(file.at("filename"), "faq.md");
  EXPECT_EQ(file.at("purpose"), "assistants");
  const std::string file_id(file.at("id").as_string());
  r = call("POST", "/v1/files", Multipart("tool.exe", "MZ"), form);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseObject(r.body).at("error").at("code"), "INVALID_FILE_TYPE");
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"),
            "unsupported file type: .exe (allowed: .txt, .md, .json, .csv, .html)");
  r = call("POST", "/v1/files", "--XyZ--\r\n", form);
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "file field is required");
  r = call("POST", "/v1/files", Multipart("big.txt", std::string((1 << 20) + 10, 'a')), form);
  EXPECT_EQ(r.status, 413) << r.body;
  r = call("GET", "/v1/files/" + file_id + "/content");
  EXPECT_EQ(r.body, "# Hours\nWe open at nine.\n\n# Parking\nFree on site.");

  // A store, the file attached and ingested, then searched.
  r = call("POST", "/v1/vector_stores", R"({"name":"faq","metadata":{"team":"front desk"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string store(ParseObject(r.body).at("id").as_string());
  EXPECT_EQ(ParseObject(r.body).at("object"), "vector_store");
  r = call("POST", "/v1/vector_stores/" + store + "/files",
           R"({"file_id":")" + file_id + R"(","chunking_strategy":{"type":"auto"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseObject(r.body).at("status"), "in_progress");
  const std::string vsf(ParseObject(r.body).at("id").as_string());
  std::string status = "in_progress";
  for (int i = 0; i < 100 && status == "in_progress"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = call("GET", "/v1/vector_stores/" + store + "/files");
    status = std::string(ParseObject(r.body).at("data").as_array()[0].at("status").as_string());
  }
  ASSERT_EQ(status, "completed") << r.body;
  r = call("GET", "/v1/vector_stores/" + store);
  EXPECT_EQ(ParseObject(r.body).at("file_counts").at("completed"), 1);
  r = call("POST", "/v1/vector_stores/" + store + "/search",
           R"({"query":"When do you open?","max_num_results":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object page = ParseObject(r.body);
  EXPECT_EQ(page.at("object"), "vector_store.search_results.page");
  ASSERT_EQ(page.at("data").as_array().size(), 2u);  // both chunks, best first
  EXPECT_EQ(page.at("data").as_array()[0].at("file_id").as_string(), file_id);
  // Hybrid: "parking" is a word of one chunk only; results carry the three scores.
  r = call("POST", "/v1/vector_stores/" + store + "/search",
           R"({"query":"Is parking free?","hybrid":{"mode":"weighted","bm25_weight":0.5}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object hybrid_page = ParseObject(r.body);
  const json::array& hybrid = hybrid_page.at("data").as_array();
  ASSERT_FALSE(hybrid.empty());
  EXPECT_EQ(hybrid[0].at("content"), "# Parking\nFree on site.");
  EXPECT_GT(hybrid[0].at("bm25_score").as_double(), 0);
  EXPECT_TRUE(hybrid[0].as_object().contains("vector_score"));
  EXPECT_TRUE(hybrid[0].as_object().contains("ngram_score"));
  EXPECT_FALSE(page.at("data").as_array()[0].as_object().contains("bm25_score"));
  r = call("POST", "/v1/vector_stores/" + store + "/search",
           R"({"query":"parking","hybrid":{"mode":"best"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "hybrid.mode must be weighted or rrf");
  r = call("POST", "/v1/vector_stores/" + store + "/search", R"({"max_num_results":5})");
  EXPECT_EQ(ParseObject(r.body).at("error").at("message"), "query is required");
  r = call("POST", "/v1/vector_stores/vs_nope/files", R"({"file_id":")" + file_id + R"("})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ParseObject(r.body).at("error").at("code"), "ATTACH_ERROR");

  // Detach, delete: gone from search, from the list, from disk.
  r = call("DELETE", "/v1/vector_stores/" + store + "/files/" + vsf);
  EXPECT_EQ(ParseObject(r.body).at("object"), "vector_store.file.deleted");
  r = call("POST", "/v1/vector_stores/" + store + "/search", R"({"query":"open"})");
  EXPECT_TRUE(ParseObject(r.body).at("data").as_array().empty());
  r = call("DELETE", "/v1/vector_stores/" + store);
  EXPECT_EQ(ParseObject(r.body).at("deleted"), true);
  EXPECT_EQ(call("GET", "/v1/vector_stores/" + store).status, 404);
  r = call("DELETE", "/v1/files/" + file_id);
  EXPECT_EQ(ParseObject(r.body).at("deleted"), true);
  EXPECT_FALSE(std::filesystem::exists(dir + "/data/files/" + file_id));
  std::filesystem::remove_all(dir);
}

TEST(VectorStoreApiProcess, DisabledAnswers503SayingHowToEnableIt) {
  const std::string dir = ScratchDir("vs-off");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.yaml")
      << "version: v0.3\nlisteners: [{name: l, address: 127.0.0.1, port: 8888}]\n"
         "providers:\n  defaults: {default_model: m}\n"
         "  models: [{name: m, backend_refs: [{name: sim, endpoint: '127.0.0.1:9'}]}]\n"
         "routing:\n  modelCards: [{name: m}]\n";
  Child router(RouterArgs(dir + "/config.yaml"));
  const std::string api =
      "http://127.0.0.1:" + PortOf(router.LineStartingWith("Router API listening on"));
  HttpResult r = HttpCall("GET", api + "/api/v1", "", std::chrono::seconds(5));
  EXPECT_NE(r.body.find(R"({"method":"POST","path":"/v1/vector_stores/{id}/search"})"),
            std::string::npos)
      << r.body;  // the overview lists them
  r = HttpCall("GET", api + "/v1/vector_stores", "", std::chrono::seconds(5));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ParseObject(r.body).at("error").at("code"), "VECTOR_STORE_DISABLED");
  r = HttpCall("GET", api + "/v1/files", "", std::chrono::seconds(5));
  EXPECT_EQ(ParseObject(r.body).at("error").at("code"), "FILE_STORE_DISABLED");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vsr::server
