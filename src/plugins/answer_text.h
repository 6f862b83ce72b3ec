// The assistant's text in a chat.completion, read and annotated the way upstream's response
// screens do it (choices[0].message.content to judge; every choice's string content to warn).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace vsr::plugins {

// choices[0].message.content when it is a string; "" otherwise (not JSON, no choices, tool
// calls only).
std::string AssistantText(std::string_view completion);
std::string AssistantText(const boost::json::object& completion);

// choices[0].message of a chat.completion; null when there is none.
const boost::json::object* FirstChoiceMessage(const boost::json::object& completion);

// Puts "<warning>\n\n" in front of every choice's string message content; false (and
// `completion` untouched) when there is none.
bool PrependToAssistantText(std::string& completion, std::string_view warning);

}  // namespace vsr::plugins
