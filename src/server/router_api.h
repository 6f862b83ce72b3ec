// The router API (default port 8080): health, readiness, eval, classify, models. Errors use
// upstream's envelope {"error": {"code", "message", "timestamp"}}.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "routing/router.h"
#include "server/http_types.h"

namespace vsr::server {

class RouterApi {
 public:
  explicit RouterApi(std::shared_ptr<const routing::Router> router);

  // Swaps in a router built from a new config (hot reload). Requests in flight finish on the
  // router they started with.
  void SetRouter(std::shared_ptr<const routing::Router> router);
  std::shared_ptr<const routing::Router> router() const;

  HttpResponse Handle(const HttpRequest& request) const;

  // The envelope for an error status (also used by the HTTP server for 413/431/400).
  static HttpResponse Error(int status, const std::string& code, const std::string& message);
  static HttpResponse ErrorForStatus(int status, const std::string& message);

 private:
  HttpResponse Health() const;
  HttpResponse Ready() const;
  HttpResponse Eval(const HttpRequest& request) const;
  HttpResponse ClassifyIntent(const HttpRequest& request) const;
  HttpResponse Feedback(const HttpRequest& request) const;
  HttpResponse ClassifyBatch(const HttpRequest& request) const;
  HttpResponse ClassifyCombined(const HttpRequest& request) const;
  HttpResponse Ratings(const HttpRequest& request) const;
  HttpResponse Models() const;
  HttpResponse Overview() const;

  mutable std::mutex mu_;
  std::shared_ptr<const routing::Router> router_;
};

}  // namespace vsr::server
