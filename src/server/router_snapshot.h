// The router that serves new requests. Hot reload swaps it; a request keeps the snapshot it
// started with, so a reload never changes a request halfway.
#pragma once

#include <memory>
#include <mutex>

#include "routing/router.h"

namespace vsr::server {

class RouterSnapshot {
 public:
  explicit RouterSnapshot(std::shared_ptr<const routing::Router> router)
      : router_(std::move(router)) {}
  std::shared_ptr<const routing::Router> Get() const {
    std::lock_guard lock(mu_);
    return router_;
  }
  void Set(std::shared_ptr<const routing::Router> router) {
    std::lock_guard lock(mu_);
    router_ = std::move(router);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const routing::Router> router_;
};

}  // namespace vsr::server
