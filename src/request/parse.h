// API adapters: a parsed JSON body -> Request. Each returns an error message in the words the
// client's API uses (upstream's texts where it has them), or nullopt on success.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "request/request.h"

namespace vsr::request {

// POST /v1/chat/completions
std::optional<std::string> ParseChatCompletions(const boost::json::object& body, Request& out);
// POST /v1/responses (`input` string or item list, `instructions` as a system message)
std::optional<std::string> ParseResponses(const boost::json::object& body, Request& out);
// POST /v1/messages (Anthropic; top-level `system`, content blocks)
std::optional<std::string> ParseAnthropicMessages(const boost::json::object& body, Request& out);
// POST /api/v1/eval: `messages` (when they hold text) win over `text`.
std::optional<std::string> ParseEvalInput(const boost::json::object& body, Request& out);

}  // namespace vsr::request
