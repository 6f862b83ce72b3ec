// The router API (default port 8080): health, readiness, eval, classify, models. Errors use
// upstream's envelope {"error": {"code", "message", "timestamp"}}.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ml/model_store.h"
#include "plugins/memory_store.h"
#include "routing/router.h"
#include "server/classify_models.h"
#include "server/http_types.h"
#include "server/router_snapshot.h"
#include "vectorstore/service.h"

namespace vsr::server {

class RouterApi {
 public:
  explicit RouterApi(std::shared_ptr<const routing::Router> router);
  // Sharing the snapshot with the data plane: one reload updates both.
  explicit RouterApi(std::shared_ptr<RouterSnapshot> router);

  // Swaps in a router built from a new config (hot reload). Requests in flight finish on the
  // router they started with.
  void SetRouter(std::shared_ptr<const routing::Router> router);
  std::shared_ptr<const routing::Router> router() const;

  HttpResponse Handle(const HttpRequest& request) const;

  // The process's model store: /classify/pii and /classify/security run the configured
  // classifiers through it (without one they answer 503 "classifier not ready").
  void SetModels(std::shared_ptr<ml::ModelStore> models) { models_ = std::move(models); }
  // Where /v1/memory finds the memory plugin's store (it may appear on a reload); without it
  // the memory API answers 503 MEMORY_NOT_AVAILABLE.
  void SetMemory(std::function<std::shared_ptr<plugins::MemoryStore>()> store) {
    memory_ = std::move(store);
  }

  // Where the Files and Vector Stores APIs find the vector store service (null: not enabled,
  // 503 VECTOR_STORE_DISABLED).
  void SetVectorStore(std::function<std::shared_ptr<vectorstore::VectorStoreService>()> service) {
    vector_store_ = std::move(service);
  }

  // The envelope for an error status (also used by the HTTP server for 413/431/400).
  static HttpResponse Error(int status, const std::string& code, const std::string& message);
  static HttpResponse ErrorForStatus(int status, const std::string& message);

 private:
  HttpResponse Health() const;
  HttpResponse Ready() const;
  HttpResponse Eval(const HttpRequest& request) const;
  HttpResponse ClassifyIntent(const HttpRequest& request) const;
  static boost::json::object IntentBody(const routing::Router& router,
                                        const request::Request& request);
  HttpResponse Feedback(const HttpRequest& request) const;
  HttpResponse ClassifyBatch(const HttpRequest& request) const;
  HttpResponse ClassifyCombined(const HttpRequest& request) const;
  // /classify/pii, /security, /fact-check, /user-feedback: the body's text through a learned
  // model (server/classify_models.h).
  using ModelEndpoint = ClassifyOutcome (*)(const config::Config&, ml::ModelStore&,
                                            const boost::json::object&);
  HttpResponse ClassifyWithModel(const HttpRequest& request, ModelEndpoint endpoint) const;
  HttpResponse Ratings(const HttpRequest& request) const;
  HttpResponse Models() const;
  HttpResponse Overview() const;

  std::shared_ptr<RouterSnapshot> router_;
  std::shared_ptr<ml::ModelStore> models_;
  std::function<std::shared_ptr<plugins::MemoryStore>()> memory_;
  std::function<std::shared_ptr<vectorstore::VectorStoreService>()> vector_store_;
};

// GET /v1/models (router API and data plane): the auto model, plus every configured model when
// global.router.include_config_models_in_list is on.
HttpResponse ModelsList(const config::Config& config);

}  // namespace vsr::server
