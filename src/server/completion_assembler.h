// Rebuilds the chat.completion an OpenAI chat.completion.chunk stream describes, for plugins
// that look at a whole answer (semantic cache, replay) while the stream itself is passed on to
// the client untouched.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "server/format_translation.h"

namespace vsr::server {

class CompletionAssembler final : public SseEventTranslator {
 public:
  // The answer so far as a chat.completion (content and reasoning joined, tool calls merged
  // by index, the last finish_reason and usage seen).
  boost::json::object Completion() const;

 protected:
  void Event(std::string_view event, const boost::json::object& data, std::string& out) override;
  void Done(std::string& /*out*/) override { done_ = true; }

 private:
  boost::json::value id_, created_, model_;
  std::string content_, reasoning_;
  bool has_content_ = false;
  boost::json::array tool_calls_;
  boost::json::value finish_reason_;
  boost::json::value usage_;
};

}  // namespace vsr::server
