// The simulator's images: the two ways the router's image_gen plugin asks for one — OpenAI's
// images API (POST /v1/images/generations) and a vLLM-Omni diffusion chat request (a chat
// completion whose extra_body carries width/height/num_inference_steps) — answered with a small
// deterministic PNG (16x16, its colour taken from the prompt) as base64.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace vsr::simulator {

// A 16x16 PNG filled with a colour that depends only on `prompt`, base64-encoded.
std::string SimulatedPngBase64(std::string_view prompt);

// Whether a chat completions body is a diffusion request (extra_body with image settings).
bool IsDiffusionRequest(const boost::json::object& body);

// The chat.completion answering a diffusion request: one image_url part (a data: URI).
std::string DiffusionAnswer(const boost::json::object& body, const std::string& id,
                            const std::string& model);

// The images API answer for a request body; an empty string with `error` set when the
// request is unusable (no prompt, a bad size).
std::string ImagesAnswer(const boost::json::object& body, std::string& error);

}  // namespace vsr::simulator
