// Language identification with CLD2 (Chromium's compact language detector; Debian libcld2,
// its tables built in). The signal matches the rule named by the detected ISO 639-1 code
// (zh-Hant counts as zh). Like upstream, empty or undecidable text counts as English at 0.5.
// clang-format off
#include <cstdio>  // before CLD2's header, which uses FILE without including it
#include <cld2/public/compact_lang_det.h>
// clang-format on

#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"

namespace vsr::signals {
namespace {

// The language of a prompt shows in its first sentences; reading at most this many bytes keeps
// the signal at a few microseconds on long prompts (CLD2 needs ~10 us for 320 bytes).
constexpr size_t kLanguageSampleBytes = 200;

std::string_view Sample(const std::string& text) {
  if (text.size() <= kLanguageSampleBytes) return text;
  size_t end = utf8::Prefix(text, kLanguageSampleBytes).size();
  const size_t space = text.rfind(' ', end);
  if (space != std::string::npos && space > kLanguageSampleBytes / 2) end = space;
  return std::string_view(text).substr(0, end);
}

std::pair<std::string, double> Detect(const std::string& full_text) {
  if (Trim(full_text).empty()) return {"en", 0.5};
  const std::string_view text = Sample(full_text);
  CLD2::Language languages[3];
  int percents[3];
  double scores[3];
  int text_bytes = 0;
  bool reliable = false;
  const CLD2::Language top = CLD2::ExtDetectLanguageSummary(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true,
      /*cld_hints=*/nullptr, /*flags=*/0, languages, percents, scores,
      /*resultchunkvector=*/nullptr, &text_bytes, &reliable);
  if (top == CLD2::UNKNOWN_LANGUAGE || top == CLD2::TG_UNKNOWN_LANGUAGE) return {"en", 0.5};
  std::string code = CLD2::LanguageCode(top);
  if (const size_t dash = code.find('-'); dash != std::string::npos) code.resize(dash);
  double confidence = percents[0] / 100.0;
  if (!reliable) confidence *= 0.7;  // CLD2 says the evidence is thin (short text)
  if (confidence < 0.3) return {"en", 0.5};
  return {ToLower(code), confidence};
}

class LanguageSignal final : public Signal {
 public:
  explicit LanguageSignal(std::vector<config::DescribedSignal> rules) : rules_(std::move(rules)) {}
  Family family() const override { return Family::kLanguage; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const auto [code, confidence] = Detect(request.evaluation_text);
    out.confidence = confidence;
    for (const auto& r : rules_) {
      if (r.name == code) {
        out.matched.push_back(r.name);
        break;
      }
    }
  }

 private:
  std::vector<config::DescribedSignal> rules_;
};

}  // namespace

// Exposed for tests and `vllm-sr eval`-style diagnostics.
std::pair<std::string, double> DetectLanguage(const std::string& text) {
  return Detect(text);
}

std::unique_ptr<Signal> MakeLanguageSignal(const config::Config& c, std::string&) {
  return std::make_unique<LanguageSignal>(c.routing.signals.language);
}

}  // namespace vsr::signals
