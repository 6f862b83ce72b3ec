#include "ml/weight.h"

#include <algorithm>
#include <atomic>
#include <cmath>
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

std::atomic<bool>& Int8Switch() {
  static std::atomic<bool> on = std::strcmp(MatmulSetting(), "int8") == 0;
  return on;
}

}  // namespace

bool Bf16Products() {
  return Bf16Switch().load(std::memory_order_relaxed) && Bf16ProductsSupported();
}

std::string MatmulSettingNote() {
  const std::string setting = MatmulSetting();
  if (setting.empty() || setting == "f32" || setting == "int8") return "";
  if (setting != "bf16") {
    return "VLLM_SR_MATMUL=\"" + setting +
           "\" is not a known setting (bf16, int8, or f32 the default); weight products run in "
           "float32";
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

bool Int8Weights() {
  return Int8Switch().load(std::memory_order_relaxed);
}

void SetInt8Weights(bool on) {
  Int8Switch().store(on);
}

void QuantizeInt8(Weight& w, size_t rows, size_t cols) {
  w.int8.resize(rows * cols);
  w.int8_scale.resize(rows);
  for (size_t o = 0; o < rows; ++o) {
    const float* row = &w.values[o * cols];
    float largest = 0;
    for (size_t i = 0; i < cols; ++i) largest = std::max(largest, std::abs(row[i]));
    const float scale = largest > 0 ? largest / 127.0f : 1.0f;
    w.int8_scale[o] = scale;
    for (size_t i = 0; i < cols; ++i) {
      const float q = std::nearbyint(row[i] / scale);
      w.int8[o * cols + i] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
  }
  std::vector<float>().swap(w.values);  // the int8 copy replaces them
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
  w.int8.clear();
  w.int8_scale.clear();
  if (Int8Weights() && shape.size() == 2) {
    QuantizeInt8(w, static_cast<size_t>(shape[0]), static_cast<size_t>(shape[1]));
  } else if (Bf16Products()) {
    w.bf16.resize(w.values.size());
    ToBf16(w.values.data(), w.values.size(), w.bf16.data());
  }
  return true;
}

}  // namespace vsr::ml
