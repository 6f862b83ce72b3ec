#include "ml/weight.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "ml/safetensors.h"

namespace vsr::ml {
namespace {

const char* MatmulSetting() {
  const char* v = std::getenv("VLLM_SR_MATMUL");
  return v != nullptr ? v : "";
}

std::atomic<bool>& Bf16Switch() {
  static std::atomic<bool> on = std::strcmp(MatmulSetting(), "bf16") == 0;
  return on;
}

}  // namespace

bool Bf16Products() {
  return Bf16Switch().load(std::memory_order_relaxed) && Bf16ProductsSupported();
}

std::string MatmulSettingNote() {
  const std::string setting = MatmulSetting();
  if (setting.empty() || setting == "f32") return "";
  if (setting != "bf16") {
    return "VLLM_SR_MATMUL=\"" + setting +
           "\" is not a known setting (bf16, or f32 the default); weight products run in float32";
  }
  if (!Bf16ProductsSupported()) {
    return "VLLM_SR_MATMUL=bf16: this CPU has no bfloat16 matrix products (they need AVX-512); "
           "weight products run in float32";
  }
  return "";
}
void SetBf16Products(bool on) {
  Bf16Switch().store(on);
}

uint16_t ToBf16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

void ToBf16(const float* in, size_t n, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = ToBf16(in[i]);
}

bool ReadWeights(const SafetensorsFile& file, const std::string& name,
                 const std::vector<int64_t>& shape, Weight& w, std::string& error) {
  if (!ReadWeights(file, name, shape, w.values, error)) return false;
  w.bf16.clear();
  if (Bf16Products()) {
    w.bf16.resize(w.values.size());
    ToBf16(w.values.data(), w.values.size(), w.bf16.data());
  }
  return true;
}

}  // namespace vsr::ml
