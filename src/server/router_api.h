// The router API (default port 8080): health, readiness, eval, classify, models. Errors use
// upstream's envelope {"error": {"code", "message", "timestamp"}}.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "routing/router.h"
#include "server/http_types.h"

namespace vsr::server {

class RouterApi {
 public:
  explicit RouterApi(std::shared_ptr<const routing::Router> router);

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

  std::shared_ptr<const routing::Router> router_;
};

}  // namespace vsr::server
