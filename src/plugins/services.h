// Long-lived state plugins share across requests and hot reloads (stores, caches), owned by
// the router process and handed to every plugin chain built from a config.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "replay/store.h"

namespace vsr::plugins {

struct PluginServices {
  std::function<void(const std::string&)> log;  // warnings for the router log; may be empty
  // The replay store every decision records into; opened from the first config that records
  // when not given (tests give one).
  std::shared_ptr<replay::ReplayStore> replay;
};

}  // namespace vsr::plugins
